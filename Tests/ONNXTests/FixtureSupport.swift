import Foundation
import XCTest
@testable import ONNX

/// The reader fixtures and the oracle fixtures/onnx_reader/make_reader_fixtures.py wrote with onnx itself.
enum ReaderFixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let dir = repoRoot.appendingPathComponent("fixtures/onnx_reader")

    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// expected.json: per file, what onnx says about it.
    static let expected: [String: [String: Any]] = {
        guard let data = try? Data(contentsOf: dir.appendingPathComponent("expected.json")),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else { return [:] }
        return json
    }()

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// Asserts that `body` throws an ONNXError whose one-line message contains `fragment`.
func assertONNXError<T>(_ body: @autoclosure () throws -> T, contains fragment: String,
                       file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing \"\(fragment)\"", file: file, line: line)
    } catch let e as ONNXError {
        XCTAssertTrue(e.description.contains(fragment), "\"\(e.description)\" lacks \"\(fragment)\"", file: file, line: line)
        XCTAssertFalse(e.description.contains("\n"), "error is not one line: \(e.description)", file: file, line: line)
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
}
