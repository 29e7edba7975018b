import Foundation
import XCTest

/// Paths to the committed fixtures, and the `.xz` ones decompressed for a test.
enum Fixtures {
    /// The repository root.
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The file to read for fixture `relative`: a `.xz` one is decompressed with xz(1) into a temporary file,
    /// removed when `test` tears down.
    static func readable(_ relative: String, in test: XCTestCase) throws -> String {
        let path = path(relative)
        guard relative.hasSuffix(".xz") else { return path }
        guard let xz = ["/usr/bin/xz", "/bin/xz"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("xz is not installed")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-\(UUID().uuidString).onnx")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xz)
        process.arguments = ["-dc", path]
        process.standardOutput = try FileHandle(forWritingTo: out)
        try process.run()
        process.waitUntilExit()
        test.addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        return out.path
    }
}
