import XCTest
@testable import Checkpoint

/// Opcodes torch never writes but old or hand-written pickles do (protocols 0 to 5, Python 2 strings).
/// The byte arrays are what CPython's pickle.dumps (Python 2.7 for the last) writes for the object shown.
final class PickleMachineTests: XCTestCase {
    private func load(_ bytes: [UInt8]) throws -> LoadedCheckpoint {
        try bytes.withUnsafeBytes { try LoadedCheckpoint.load(bytes: $0, path: "test.pickle") }
    }

    func testProtocol0TextOpcodes() throws {
        // pickle.dumps({'a': -3.5, 'b': [1, -2, 2**40, -2**63]}, protocol=0)
        let c = try load([40, 100, 112, 48, 10, 86, 97, 10, 112, 49, 10, 70, 45, 51, 46, 53, 10, 115, 86, 98, 10, 112, 50, 10, 40, 108, 112, 51, 10, 73, 49, 10, 97, 73, 45, 50, 10, 97, 76, 49, 48, 57, 57, 53, 49, 49, 54, 50, 55, 55, 55, 54, 76, 10, 97, 76, 45, 57, 50, 50, 51, 51, 55, 50, 48, 51, 54, 56, 53, 52, 55, 55, 53, 56, 48, 56, 76, 10, 97, 115, 46])
        XCTAssertEqual(c.format, .pickle)
        XCTAssertEqual(c.root["a"]?.doubleValue, -3.5)
        XCTAssertEqual(c.root["b"]?.listItems?.compactMap(\.intValue), [1, -2, 1 << 40, Int.min])
    }

    func testProtocol4FramesMemoizeBytesAndFrozenset() throws {
        // pickle.dumps(('x', b'\x00\xff', frozenset()), protocol=4)
        let c = try load([128, 4, 149, 15, 0, 0, 0, 0, 0, 0, 0, 140, 1, 120, 148, 67, 2, 0, 255, 148, 40, 145, 148, 135, 148, 46])
        guard case .tuple(let t) = c.root, t.count == 3 else { return XCTFail("not a 3-tuple") }
        XCTAssertEqual(t[0].stringValue, "x")
        guard case .bytes(let b) = t[1] else { return XCTFail("not bytes") }
        XCTAssertEqual(b, [0, 255])
        guard case .set(let s) = t[2] else { return XCTFail("not a set") }
        XCTAssertTrue(s.items.isEmpty)
    }

    func testProtocol2BytesComeFromCodecsEncode() throws {
        // pickle.dumps(b'\x00\xffz', protocol=2): a REDUCE of _codecs.encode, which is allowlisted.
        let c = try load([128, 2, 99, 95, 99, 111, 100, 101, 99, 115, 10, 101, 110, 99, 111, 100, 101, 10, 113, 0, 88, 4, 0, 0, 0, 0, 195, 191, 122, 113, 1, 88, 6, 0, 0, 0, 108, 97, 116, 105, 110, 49, 113, 2, 134, 113, 3, 82, 113, 4, 46])
        guard case .bytes(let b) = c.root else { return XCTFail("not bytes: \(c.root)") }
        XCTAssertEqual(b, [0, 255, 122])
        XCTAssertTrue(c.inertCalls.isEmpty)
    }

    func testPython2ByteStringKeys() throws {
        // Python 2.7: pickle.dumps({'a': 1}, 2) has SHORT_BINSTRING keys.
        let c = try load([0x80, 0x02, 0x7D, 0x71, 0x00, 0x55, 0x01, 0x61, 0x71, 0x01, 0x4B, 0x01, 0x73, 0x2E])
        XCTAssertEqual(c.root["a"]?.intValue, 1)
    }

    func testHarmlessBuiltinCallsStayInertButDangerousOnesAreRefused() throws {
        // pickle.dumps(slice(1, 5), protocol=2): REDUCE of builtins.slice, harmless.
        let slice = try load([128, 2, 99, 95, 95, 98, 117, 105, 108, 116, 105, 110, 95, 95, 10, 115, 108, 105, 99, 101, 10,
                              113, 0, 75, 1, 75, 5, 78, 135, 113, 1, 82, 113, 2, 46])
        guard case .object(let o) = slice.root else { return XCTFail("not inert") }
        XCTAssertEqual(o.args.compactMap(\.intValue), [1, 5])
        // The same bytes calling builtins.eval instead are refused.
        var evil: [UInt8] = [128, 2, 99] + Array("builtins\neval\n".utf8) + [88, 4, 0, 0, 0] + Array("1+1\n".utf8)
        evil += [133, 82, 46]
        XCTAssertThrowsError(try load(evil)) { XCTAssertTrue("\($0)".contains("hostile pickle: it asks to call builtins.eval"), "\($0)") }
    }

    func testUnknownClassesStayInertAndWalkable() throws {
        // GLOBAL 'data Dictionary', EMPTY_TUPLE, NEWOBJ, {'total': 7}, BUILD: an instance, never imported.
        var b: [UInt8] = [0x80, 0x02, 0x63] + Array("data\nDictionary\n".utf8) + [0x29, 0x81, 0x7D]
        b += [0x58, 5, 0, 0, 0] + Array("total".utf8) + [0x4B, 7, 0x73, 0x62, 0x2E]
        let c = try load(b)
        guard case .object(let o) = c.root else { return XCTFail("not an object") }
        XCTAssertEqual(o.className, "data.Dictionary")
        XCTAssertEqual(o.attribute("total")?.intValue, 7)
        XCTAssertEqual(c.classes, ["data.Dictionary"])
        XCTAssertTrue(c.inertCalls.contains("data.Dictionary"))
        XCTAssertTrue(c.suspiciousCalls.isEmpty)
    }
}
