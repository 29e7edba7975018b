import Checkpoint
import Foundation
import XCTest

/// WeightDrop's pickled bound method (getattr on the module) loads inertly; getattr on a global is still refused.
final class WeightDropLoadingTests: XCTestCase {
    func write(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "/lstm-getattr-\(getpid())-\(bytes.count).pkl"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testGetattrOnAPickledInstanceIsHeldInert() throws {
        let checkpoint = try LoadedCheckpoint.load(path: Fixtures.path("lstm/wdrop-split-legacy.pt"))
        XCTAssertTrue(checkpoint.classes.contains("__builtin__.getattr"), "\(checkpoint.classes)")
        XCTAssertTrue(checkpoint.suspiciousCalls.isEmpty, "\(checkpoint.suspiciousCalls)")
    }

    func testGetattrOnAGlobalIsStillRefused() throws {
        // Hand-made hostile pickle (protocol 2): getattr(posix.system, 'x').
        var b: [UInt8] = [0x80, 0x02]
        b += Array("c__builtin__\ngetattr\n".utf8)            // GLOBAL __builtin__ getattr
        b += Array("cposix\nsystem\n".utf8)                  // GLOBAL posix system
        b += [0x58, 1, 0, 0, 0, 0x78]                        // BINUNICODE 'x'
        b += [0x86, 0x52, 0x2E]                              // TUPLE2 REDUCE STOP
        let path = try write(b)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try LoadedCheckpoint.load(path: path)) { e in
            XCTAssertTrue("\(e)".contains("hostile pickle"), "\(e)")
        }
    }
}
