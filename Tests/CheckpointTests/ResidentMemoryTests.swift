import Foundation
import XCTest
@testable import Checkpoint
#if canImport(Glibc)
import Glibc
#endif

/// Zero counting over a large mapped checkpoint must not keep the whole file resident (issue 9:
/// `count`/`inspect` peak RSS ≤ 0.3× the file size; bench/checkpoint_bench.py measures the real file).
final class ResidentMemoryTests: XCTestCase {
    private func residentBytes() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = s.split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    func testCountedPagesOfAMappedFileAreReleased() throws {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("micronet-rss-\(getpid()).bin").path
        var bytes = [UInt8](repeating: 1, count: 64 << 20)
        for i in stride(from: 0, to: bytes.count, by: 4096) { for j in 0..<8 { bytes[i + j] = 0 } }
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        bytes = []
        defer { unlink(p) }
        let file = try MappedFile(path: p)  // 64 MiB: mapped, not read in
        // int64 elements: an eighth of the loop iterations of bytes (the tests run unoptimised).
        let storage = StorageRef(key: "0", dtype: .int64, numel: file.count / 8)
        storage.buffer = StorageBuffer(file: file, bytes: file.all)
        let t = try Tensor(storage: storage, offset: 0, shape: [file.count / 8], strides: [1])
        let before = residentBytes()
        XCTAssertEqual(t.zeroCount(), file.count / 4096)
        let after = residentBytes()
        // Counting touched all 64 MiB; at most one 16 MiB chunk (plus noise) may stay resident.
        XCTAssertLessThan(after - before, 24 << 20, "zero counting kept \((after - before) >> 20) MiB of the mapping resident")
    }
}
