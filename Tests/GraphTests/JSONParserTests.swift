import Foundation
import XCTest
@testable import Graph

/// The strict JSON reader: what Foundation would silently accept or lose is an error with a place.
final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

    private func message(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            _ = try parse(text)
            XCTFail("accepted: \(text)", file: file, line: line)
            return nil
        } catch let e as JSONValue.ParseError {
            return e.message
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    func testReadsValuesAndKeepsKeyOrder() throws {
        let v = try parse(#"{"b": [1, -2.5, 3e2, true, false, null], "a": "x\u00e9\ud83d\ude00\n", "c": {}}"#)
        guard case .object(let pairs) = v else { return XCTFail("not an object") }
        XCTAssertEqual(pairs.map(\.0), ["b", "a", "c"])
        XCTAssertEqual(v["b"], .array([.int(1), .double(-2.5), .double(300), .bool(true), .bool(false), .null]))
        XCTAssertEqual(v["a"], .string("xé😀\n"))
        XCTAssertEqual(v["c"], .object([]))
    }

    func testDuplicateKeyIsAnErrorNamingTheKeyAndPlace() {
        XCTAssertEqual(message("{\"ops\": [],\n  \"ops\": []}"), "not valid JSON at line 2, column 3: duplicate key \"ops\"")
    }

    func testSyntaxErrorsGiveLineAndColumn() {
        XCTAssertEqual(message("{\n  \"a\": 1,\n  \"b\" 2\n}"), "not valid JSON at line 3, column 7: expected ':' after a key")
        XCTAssertEqual(message("[1, 2"), "not valid JSON at line 1, column 6: expected ',' or ']'")
        XCTAssertEqual(message("{\"a\": 1} x"), "not valid JSON at line 1, column 10: unexpected text after the JSON value")
        XCTAssertEqual(message("[01]"), "not valid JSON at line 1, column 2: leading zero in a number")
        XCTAssertNotNil(message("\"a\tb\""))
        XCTAssertNotNil(message("[\"\\ud800\"]"))
        XCTAssertNotNil(message(""))
    }

    func testNumbersOutOfRangeAndDeepNestingAreRefused() throws {
        XCTAssertEqual(message("[1e400]"), "not valid JSON at line 1, column 2: number 1e400 is out of range")
        // An integer past Int64 reads as a double, which every integer field then refuses with its range.
        XCTAssertEqual(try parse("9223372036854775808"), .double(9_223_372_036_854_775_808))
        XCTAssertEqual(try parse("-9223372036854775808"), .int(Int.min))
        XCTAssertTrue(message(String(repeating: "[", count: 100_000))?.contains("nested deeper than 512") ?? false)
        XCTAssertNoThrow(try parse(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)))
    }
}
