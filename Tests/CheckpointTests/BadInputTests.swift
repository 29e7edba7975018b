import Foundation
import XCTest
@testable import Checkpoint

/// Bad input gets a one-line CheckpointError naming the file and the problem: never a crash,
/// a hang, unbounded memory, or code execution.
final class BadInputTests: XCTestCase {
    /// Loads `path` expecting an error whose one-line description names the file and contains `fragment`.
    private func assertRejects(_ path: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let c = try LoadedCheckpoint.load(path: path)
            XCTFail("\(path) loaded (\(c.tensors.count) tensors) but should fail with '\(fragment)'", file: file, line: line)
        } catch let e as CheckpointError {
            XCTAssertTrue(e.description.hasPrefix(path + ": "), e.description, file: file, line: line)
            XCTAssertTrue(e.description.contains(fragment), "'\(e.description)' lacks '\(fragment)'", file: file, line: line)
            XCTAssertFalse(e.description.contains("\n"), file: file, line: line)
        } catch {
            XCTFail("\(path): not a CheckpointError: \(error)", file: file, line: line)
        }
    }

    private func bytes(of name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
    }

    private func withScratch(_ bytes: [UInt8], _ body: (String) -> Void) {
        let p = Fixtures.scratch(bytes)
        defer { try? FileManager.default.removeItem(atPath: p) }
        body(p)
    }

    func testBadFixturesWrittenByPythonAreRejectedWithTheirProblem() {
        assertRejects(Fixtures.badPath("hostile_p2.pickle"), "hostile pickle: it asks to call posix.system")
        assertRejects(Fixtures.badPath("hostile_p4.pickle"), "hostile pickle: it asks to call posix.system")
        assertRejects(Fixtures.badPath("hostile_zip.pt"), "hostile pickle")
        assertRejects(Fixtures.badPath("missing_storage.pt"), "missing storage: the pickle names storage '1'")
        assertRejects(Fixtures.badPath("offset_beyond.pt"), "reaches element 4 but storage '0' has 4")
        assertRejects(Fixtures.badPath("stride_beyond.pt"), "strides [3, 1]) reaches element 4")
        assertRejects(Fixtures.badPath("shape_overflow.pt"), "overflows")
        assertRejects(Fixtures.badPath("deflate_bomb.pt"), "record holds 67108864 bytes but its persistent id says 15 × 4 = 60")
        assertRejects(Fixtures.badPath("deflate_bomb_lying.pt"), "deflate bomb: zip entry 'dtypes_zip/data/0' inflates beyond its declared 60 bytes")
        assertRejects(Fixtures.badPath("legacy_missing_storage.pt"), "missing storage: the pickle names storage '94045149499999'")
        assertRejects(Fixtures.badPath("torchscript.pt"), "this is a TorchScript archive (torch.jit.save)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/micronet-pwned"), "a pickled call was executed")
    }

    func testTruncatedAtEveryByteOfSmallFixturesThrows() throws {
        for name in ["views_legacy.pt", "dtypes_zip.pt", "views_deflated.pt", "dictionary_p4.pickle", "dictionary_p0.pickle"] {
            let all = try bytes(of: name)
            try all.withUnsafeBytes { raw in
                for cut in 0..<all.count {
                    XCTAssertThrowsError(try LoadedCheckpoint.load(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<cut]), path: name),
                                         "\(name) cut at \(cut) loaded")
                }
                // The untruncated bytes load, so the failures above are the truncation's.
                XCTAssertNoThrow(try LoadedCheckpoint.load(bytes: raw, path: name))
            }
        }
    }

    func testTruncatedWholeModelCheckpointsThrow() throws {
        for name in ["awd_zip.pt", "awd_legacy.pt"] {
            let all = try bytes(of: name)
            var cuts = Array(stride(from: 0, to: all.count, by: 97)) + Array(max(0, all.count - 300)..<all.count)
            cuts += [all.count / 2, all.count - 1]
            try all.withUnsafeBytes { raw in
                for cut in cuts {
                    XCTAssertThrowsError(try LoadedCheckpoint.load(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<cut]), path: name),
                                         "\(name) cut at \(cut) loaded")
                }
            }
        }
        let all = try bytes(of: "awd_legacy.pt")
        withScratch(Array(all[0..<(all.count - 10)])) { assertRejects($0, "truncated: storage") }
    }

    func testWrongMagicEmptyAndMissingFiles() {
        withScratch(Array("hello, this is not a checkpoint\n".utf8)) { assertRejects($0, "not a PyTorch checkpoint: unknown magic bytes") }
        withScratch([]) { assertRejects($0, "not a PyTorch checkpoint") }
        assertRejects("/nonexistent/model.pt", "cannot open")
        assertRejects(Fixtures.dir.path, "not a regular file")
        // The legacy magic with a wrong protocol version.
        withScratch(TorchLegacy.magic + [0x80, 0x02, 0x4D, 0xE8, 0x03, 0x2E]) { assertRejects($0, "protocol version 1000, expected 1001") }
    }

    func testCorruptZipDirectoryIsRejected() throws {
        let all = try bytes(of: "dtypes_zip.pt")
        // Find the classic end record and damage what it points at.
        var eocd = all.count - 22
        while eocd > 0, !(all[eocd] == 0x50 && all[eocd + 1] == 0x4B && all[eocd + 2] == 5 && all[eocd + 3] == 6) { eocd -= 1 }
        // torch writes zip64 records: the central directory offset comes from the zip64 end record.
        var z64 = eocd - 20
        XCTAssertEqual(Array(all[z64..<(z64 + 4)]), [0x50, 0x4B, 6, 7], "torch zips have a zip64 locator")
        let recordOffset = Int(all[z64 + 8]) | Int(all[z64 + 9]) << 8 | Int(all[z64 + 10]) << 16
        z64 = recordOffset
        let cdOffset = Int(all[z64 + 48]) | Int(all[z64 + 49]) << 8 | Int(all[z64 + 50]) << 16
        var damaged = all
        damaged[cdOffset] = 0x00   // first central entry's signature
        withScratch(damaged) { assertRejects($0, "corrupt zip: central directory entry 0 has a bad signature") }
        damaged = all
        damaged[z64 + 48] = 0xFF; damaged[z64 + 49] = 0xFF; damaged[z64 + 50] = 0xFF; damaged[z64 + 51] = 0x7F
        withScratch(damaged) { assertRejects($0, "corrupt zip") }
        damaged = all
        for i in eocd..<(eocd + 4) { damaged[i] = 0 }
        withScratch(damaged) { assertRejects($0, "no end-of-central-directory record") }
    }

    func testUnknownOpcodeAndMalformedPicklesAreRejected() {
        withScratch([0x80, 0x02, 0xFF, 0x2E]) { assertRejects($0, "unknown pickle opcode 0xff at offset 2") }
        withScratch([0x80, 0x09, 0x2E]) { assertRejects($0, "unknown magic bytes") }
        withScratch([0x80, 0x02, 0x2E]) { assertRejects($0, "pickle stack underflow") }
        withScratch([0x80, 0x02, 0x68, 0x07, 0x2E]) { assertRejects($0, "memo entry 7 that was never stored") }
        withScratch([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x41, 0x2E]) { assertRejects($0, "exceeds the") }  // length beyond the file
        withScratch([0x80, 0x02, 0x82, 0x01, 0x2E]) { assertRejects($0, "extension registry") }
    }

    func testDeeplyNestedPicklesAreRejectedWithoutExhaustingTheStack() {
        let n = 200_000
        // EMPTY_LIST × n then APPEND × n: a chain n lists deep.
        withScratch([0x80, 0x02] + [UInt8](repeating: 0x5D, count: n) + [UInt8](repeating: 0x61, count: n - 1) + [0x2E]) {
            assertRejects($0, "nests containers deeper than")
        }
        // EMPTY_TUPLE then TUPLE1 × n.
        withScratch([0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: n) + [0x2E]) { assertRejects($0, "nests tuples deeper") }
        // A deep chain built and thrown away (POP) must also be torn down safely.
        withScratch([0x80, 0x02] + [UInt8](repeating: 0x5D, count: n) + [UInt8](repeating: 0x61, count: n - 1) + [0x30, 0x4E, 0x2E]) { p in
            do { _ = try LoadedCheckpoint.load(path: p) } catch { XCTFail("\(error)") }
        }
    }

    func testMemoSharesReferencesSoCyclesAndRepeatedGetsStaySmall() throws {
        // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND: a list that contains itself.
        try withScratchThrowing([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]) { p in
            let c = try LoadedCheckpoint.load(path: p)
            guard case .list(let l) = c.root, case .list(let inner) = l.items[0] else { return XCTFail("not a list") }
            XCTAssertTrue(l === inner)
            l.items = []  // break the cycle
        }
        // 60,000 BINGETs of one memoized list, packed into lists: shared, not copied.
        var b: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x4E, 0x61, 0x28]
        b += [UInt8]([0x68, 0x00]).repeated(60_000)
        b += [0x6C, 0x2E]
        try withScratchThrowing(b) { p in
            let c = try LoadedCheckpoint.load(path: p)
            XCTAssertEqual(c.root.listItems?.count, 60_000)
        }
    }

    private func withScratchThrowing(_ bytes: [UInt8], _ body: (String) throws -> Void) throws {
        let p = Fixtures.scratch(bytes)
        defer { try? FileManager.default.removeItem(atPath: p) }
        try body(p)
    }

    func testFuzzCorpusAndCrashersReplayWithoutCrashing() {
        // Every reader target's seeds and crashers go through the whole reader (which detects the
        // format); the legacy target's inputs get the legacy magic first, as that fuzzer gives them.
        let folders = ["checkpoint", "pickle", "zip", "legacy"]
        let files = folders.flatMap { Fixtures.files(in: "fuzz/corpus/" + $0) + Fixtures.files(in: "fuzz/crashers/" + $0) }
        XCTAssertGreaterThan(files.count, 5, "fuzz corpus missing")
        for f in files {
            guard var bytes = FileManager.default.contents(atPath: f).map([UInt8].init) else { continue }
            if f.contains("/legacy/"), !bytes.starts(with: TorchLegacy.magic) { bytes = TorchLegacy.magic + bytes }
            bytes.withUnsafeBytes { raw in
                if let c = try? LoadedCheckpoint.load(bytes: raw, path: f) {
                    _ = c.tensors.map { $0.tensor.zeroCount() }
                    c.releaseObjectGraph()
                }
            }
        }
    }
}

extension Array {
    func repeated(_ n: Int) -> [Element] { (0..<n).flatMap { _ in self } }
}

final class PickleBudgetTests: XCTestCase {
    func testAPickleOfTooManyValuesIsRefusedToBoundMemory() throws {
        // MARK, 3M NONEs against a budget of 1M values (the real budget is 64M): refused before the end.
        let n = 3 << 20
        var b = [UInt8](repeating: 0x4E, count: n + 5)
        b[0] = 0x80; b[1] = 0x02; b[2] = 0x28; b[n + 3] = 0x6C; b[n + 4] = 0x2E
        try b.withUnsafeBytes { raw in
            XCTAssertThrowsError(try LoadedCheckpoint.load(bytes: raw, path: "many.pickle", valueBudget: 1 << 20)) { error in
                XCTAssertTrue("\(error)".contains("values; refusing it to bound memory"), "\(error)")
            }
        }
    }
}
