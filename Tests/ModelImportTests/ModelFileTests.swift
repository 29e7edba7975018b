import Foundation
import ModelImport
import XCTest

/// Only regular files are models: folders, FIFOs and devices are named and refused, and a FIFO never blocks.
final class ModelFileTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelimport-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func openError(_ path: String) -> String? {
        do {
            _ = try ModelImport.open(path: path)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testFIFOIsRefusedWithoutBlocking() throws {
        let fifo = dir.appendingPathComponent("model.pt").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let done = DispatchSemaphore(value: 0)
        let box = MessageBox()
        DispatchQueue.global().async {
            box.message = self.openError(fifo)
            done.signal()
        }
        if done.wait(timeout: .now() + 10) == .timedOut {
            // Unblock the reader stuck in open(2) by opening the write end, then fail.
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
            XCTFail("opening a FIFO blocked for 10 s")
            return
        }
        XCTAssertEqual(box.message, "\(fifo): is a FIFO (named pipe), not a model file (only regular files are read)")
    }

    func testFolderAndDeviceAreNamed() {
        XCTAssertEqual(openError(dir.path), "\(dir.path): is a folder, not a model file (only regular files are read)")
        XCTAssertEqual(openError("/dev/null"), "/dev/null: is a character device, not a model file (only regular files are read)")
    }

    func testMissingAndEmptyFiles() throws {
        XCTAssertEqual(openError(dir.appendingPathComponent("none.pt").path), "\(dir.appendingPathComponent("none.pt").path): no such file")
        let empty = dir.appendingPathComponent("empty.pt")
        try Data().write(to: empty)
        XCTAssertEqual(openError(empty.path), "\(empty.path): the file is empty")
    }

    func testOversizedGraphFileIsRefusedBeforeReading() throws {
        // A sparse file: 300 MiB long, nothing written but its first byte.
        let big = dir.appendingPathComponent("big.json")
        try Data("{".utf8).write(to: big)
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 300 << 20)
        try handle.close()
        XCTAssertEqual(openError(big.path), "\(big.path): is \(300 << 20) bytes; a graph file is read whole, and at most 256 MiB is accepted")
    }

    func testObsoleteTorchFormatsAreNamed() throws {
        let tar = dir.appendingPathComponent("old.pt")
        try Data(Array(repeating: 0, count: 257) + Array("ustar".utf8) + Array(repeating: 0, count: 250)).write(to: tar)
        XCTAssertEqual(openError(tar.path), "\(tar.path): this is the pre-0.4 tar checkpoint format (torch 0.1-0.3), which is not supported")
        let pre = dir.appendingPathComponent("pre.pt")
        try Data("PYTORCH1 and more".utf8).write(to: pre)
        XCTAssertTrue(openError(pre.path)?.contains("pre-release PyTorch format (PYTORCH1)") ?? false)
    }

    func testONNXWithoutAGraphIsRefused() throws {
        let file = dir.appendingPathComponent("m.onnx")
        try Data([0x08, 0x08, 0x12, 0x07] + Array("pytorch".utf8)).write(to: file)
        XCTAssertEqual(openError(file.path), "\(file.path): no graph in the file: not an ONNX model (or a truncated one)")
    }

    func testUnknownBytesSayWhatIsRead() throws {
        let file = dir.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: file)
        let message = try XCTUnwrap(openError(file.path))
        XCTAssertTrue(message.hasPrefix("\(file.path): not a model file micronet reads: unknown magic bytes [68 65 6c 6c 6f]"), message)
    }
}

/// Carries a result from the opening thread to the test (the semaphore orders the accesses).
private final class MessageBox: @unchecked Sendable {
    var message: String?
}

/// A Unix-domain socket bound in a temporary folder is named as such.
final class SocketFileTests: XCTestCase {
    func testSocketIsNamed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("s-\(UUID().uuidString.prefix(8))").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd); unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        XCTAssertLessThan(bytes.count, MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertThrowsError(try ModelImport.open(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): is a socket, not a model file (only regular files are read)")
        }
    }
}
