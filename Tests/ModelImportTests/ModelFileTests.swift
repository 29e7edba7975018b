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

    func testONNXIsRecognisedButNotYetRead() throws {
        let file = dir.appendingPathComponent("m.onnx")
        try Data([0x08, 0x08, 0x12, 0x07] + Array("pytorch".utf8)).write(to: file)
        XCTAssertEqual(openError(file.path), "\(file.path): this is an ONNX model; ONNX support is not built yet")
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
