import Foundation
import ModelImport
import XCTest

/// FileKind.sniff on the first bytes of real files (fixtures written by torch, a graph file) and ONNX headers.
final class FileKindTests: XCTestCase {
    private func prefix(_ relative: String) throws -> [UInt8] {
        let url = Fixtures.root.appendingPathComponent(relative)
        return Array(try Data(contentsOf: url).prefix(FileKind.prefixLength))
    }

    func testRealFilesAreSniffedFromTheirBytes() throws {
        XCTAssertEqual(FileKind.sniff(prefix: try prefix("fixtures/awd_zip.pt")), .torchZip)
        XCTAssertEqual(FileKind.sniff(prefix: try prefix("fixtures/awd_legacy.pt")), .torchLegacy)
        XCTAssertEqual(FileKind.sniff(prefix: try prefix("fixtures/dictionary_p4.pickle")), .pickle)
        XCTAssertEqual(FileKind.sniff(prefix: try prefix("fixtures/dictionary_p0.pickle")), .pickle)
        XCTAssertEqual(FileKind.sniff(prefix: try prefix("fixtures/count/mlp.graph.json")), .graphJSON)
    }

    func testONNXModelProtoHeader() {
        // torch.onnx.export writes ir_version (field 1), then producer_name (field 2): 08 08 12 07 "pytorch".
        XCTAssertEqual(FileKind.sniff(prefix: [0x08, 0x08, 0x12, 0x07] + Array("pytorch".utf8)), .onnx)
        // tf2onnx: ir_version then opset_import? No: producer_name too; a graph-first file also sniffs.
        XCTAssertEqual(FileKind.sniff(prefix: [0x08, 0x07, 0x3a, 0x10]), .onnx)
    }

    func testUnknownBytesAreNoKind() {
        XCTAssertNil(FileKind.sniff(prefix: Array("hello world".utf8)))
        XCTAssertNil(FileKind.sniff(prefix: []))
        // ir_version, then field 10, which ModelProto does not have.
        XCTAssertNil(FileKind.sniff(prefix: [0x08, 0x08, 0x50, 0x01]))
    }
}
