import Foundation
import XCTest
@testable import ONNX

/// Truncated, corrupt and hostile files: always a one-line ONNXError, never a crash or a huge allocation.
final class BadInputTests: XCTestCase {
    private func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: ReaderFixtures.path(name))))
    }

    /// Reads and, when that works, infers shapes, touching every initializer's values.
    private func readFully(_ data: [UInt8], folder: String? = nil) throws {
        let model = try ONNXModel(bytes: data, name: "cut.onnx", folder: folder)
        for t in model.graph.initializers { _ = try t.zeroCount(); _ = try t.values() }
        _ = try? ShapeInference.infer(model)
    }

    func testEveryTruncationIsAnError() throws {
        for name in ["typed_fields.onnx", "convnet_ts.onnx"] {
            let full = try bytes(name)
            let step = max(1, full.count / 1500)
            for length in stride(from: 0, to: full.count, by: step) {
                XCTAssertThrowsError(try readFully(Array(full[..<length])), "\(name) cut at \(length)") { error in
                    XCTAssertTrue(error is ONNXError, "\(error)")
                    XCTAssertTrue("\(error)".hasPrefix("cut.onnx: "), "\(error)")
                }
            }
        }
    }

    func testCorruptBytesNeverCrash() throws {
        let full = try bytes("convnet_ts.onnx")
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 33) }
        for _ in 0..<400 {
            var data = full
            for _ in 0..<(1 + next() % 4) { data[next() % data.count] = UInt8(truncatingIfNeeded: next()) }
            do { try readFully(data) } catch { XCTAssertTrue(error is ONNXError, "\(error)") }
        }
    }

    func testHugeLengthsAndCountsAreRejectedBeforeAllocating() {
        // ModelProto.graph claiming 2^40 bytes; a tensor whose dims overflow; a raw_data length mismatch.
        var huge = Proto()
        huge.varint(1, 8)
        huge.raw([0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20])
        assertONNXError(try ONNXModel(bytes: huge.bytes, name: "huge.onnx"), contains: "truncated")

        let overflow = Proto.model(initializer: { t in
            t.varint(1, 1 << 40); t.varint(1, 1 << 40); t.varint(2, 1); t.bytes(8, Array("w".utf8))
        })
        assertONNXError(try ONNXModel(bytes: overflow, name: "dims.onnx"), contains: "overflows")

        let short = Proto.model(initializer: { t in
            t.varint(1, 4); t.varint(2, 1); t.bytes(8, Array("w".utf8)); t.bytes(9, [0, 0, 0, 0])
        })
        assertONNXError(try ONNXModel(bytes: short, name: "raw.onnx"), contains: "has 4 bytes of raw_data, expected 16")

        let typeless = Proto.model(initializer: { t in t.varint(1, 1); t.varint(2, 99); t.bytes(8, Array("w".utf8)) })
        assertONNXError(try ONNXModel(bytes: typeless, name: "type.onnx"), contains: "unknown data type 99")
    }

    func testNotAModel() {
        assertONNXError(try ONNXModel(bytes: [], name: "empty.onnx"), contains: "empty file")
        assertONNXError(try ONNXModel(bytes: Array("{\"ops\": []}".utf8), name: "graph.json"), contains: "graph.json: ")
        assertONNXError(try ONNXModel(path: "/nonexistent/model.onnx"), contains: "/nonexistent/model.onnx: cannot open")
    }

    // MARK: external data

    private func externalModel(location: String, offset: Int? = nil, length: Int? = nil) -> [UInt8] {
        Proto.model(initializer: { t in
            t.varint(1, 4); t.varint(2, 1); t.bytes(8, Array("w".utf8))
            var entries = [("location", location)]
            if let offset { entries.append(("offset", String(offset))) }
            if let length { entries.append(("length", String(length))) }
            for (k, v) in entries { var e = Proto(); e.bytes(1, Array(k.utf8)); e.bytes(2, Array(v.utf8)); t.bytes(13, e.bytes) }
            t.varint(14, 1)
        })
    }

    func testExternalDataEscapingTheFolderIsAnError() throws {
        let dir = try ReaderFixtures.temporaryFolder(self)
        let inner = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try Data(count: 64).write(to: dir.appendingPathComponent("outside.data"))
        assertONNXError(try ONNXModel(bytes: externalModel(location: "../outside.data"), name: "m.onnx", folder: inner.path),
                        contains: "escapes the model's folder")
        assertONNXError(try ONNXModel(bytes: externalModel(location: dir.appendingPathComponent("outside.data").path), name: "m.onnx", folder: inner.path),
                        contains: "escapes the model's folder")
        try FileManager.default.createSymbolicLink(at: inner.appendingPathComponent("link.data"), withDestinationURL: dir.appendingPathComponent("outside.data"))
        assertONNXError(try ONNXModel(bytes: externalModel(location: "link.data"), name: "m.onnx", folder: inner.path),
                        contains: "escapes the model's folder")
    }

    func testMissingOrShortExternalDataIsAnError() throws {
        let dir = try ReaderFixtures.temporaryFolder(self)
        assertONNXError(try ONNXModel(bytes: externalModel(location: "weights.data"), name: "m.onnx", folder: dir.path),
                        contains: "external data file 'weights.data' of tensor 'w' is missing")
        try Data(count: 20).write(to: dir.appendingPathComponent("weights.data"))
        assertONNXError(try ONNXModel(bytes: externalModel(location: "weights.data", offset: 8, length: 16), name: "m.onnx", folder: dir.path),
                        contains: "needs 16 bytes at offset 8")
        assertONNXError(try ONNXModel(bytes: externalModel(location: "weights.data", offset: 40), name: "m.onnx", folder: dir.path),
                        contains: "past the end")
        let ok = try ONNXModel(bytes: externalModel(location: "weights.data", offset: 4, length: 16), name: "m.onnx", folder: dir.path)
        XCTAssertEqual(try ok.graph.initializers[0].zeroCount(), 4)
        assertONNXError(try ONNXModel(bytes: externalModel(location: "weights.data"), name: "m.onnx"), contains: "without its folder")
    }

    func testARealExportWithoutItsDataFileIsAnError() throws {
        let dir = try ReaderFixtures.temporaryFolder(self)
        let copy = dir.appendingPathComponent("model.onnx")
        try FileManager.default.copyItem(atPath: ReaderFixtures.path("convnet_dynamo/model.onnx"), toPath: copy.path)
        assertONNXError(try ONNXModel(path: copy.path), contains: "model.onnx.data")
        assertONNXError(try ONNXModel(path: copy.path), contains: "is missing")
    }

    // MARK: sniffing

    func testLooksLikeONNX() throws {
        for name in ReaderFixtures.expected.keys {
            XCTAssertTrue(ONNXModel.looksLikeONNX(prefix: try bytes(name).prefix(64)), name)
        }
        let others = ["awd_zip.pt", "awd_legacy.pt", "dictionary_p0.pickle", "dictionary_p4.pickle"].map {
            ReaderFixtures.repoRoot.appendingPathComponent("fixtures/\($0)")
        }
        for url in others { XCTAssertFalse(ONNXModel.looksLikeONNX(prefix: Array(try Data(contentsOf: url).prefix(64))), url.lastPathComponent) }
        XCTAssertFalse(ONNXModel.looksLikeONNX(prefix: Array("{\"name\": \"x\"}".utf8)))
        XCTAssertFalse(ONNXModel.looksLikeONNX(prefix: [UInt8]()))
        XCTAssertFalse(ONNXModel.looksLikeONNX(prefix: [0x08, 0xff, 0xff, 0xff, 0xff, 0x0f]))
    }
}

/// A minimal protobuf writer for hand-made hostile inputs.
struct Proto {
    var bytes: [UInt8] = []

    mutating func raw(_ b: [UInt8]) { bytes += b }
    mutating func varintValue(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func varint(_ field: Int, _ v: UInt64) { varintValue(UInt64(field << 3)); varintValue(v) }
    mutating func bytes(_ field: Int, _ b: [UInt8]) { varintValue(UInt64(field << 3 | 2)); varintValue(UInt64(b.count)); bytes += b }

    /// A ModelProto (IR 8, opset 13) whose graph holds one initializer written by `body`.
    static func model(initializer body: (inout Proto) -> Void) -> [UInt8] {
        var tensor = Proto(); body(&tensor)
        var graph = Proto(); graph.bytes(5, tensor.bytes)
        var opset = Proto(); opset.varint(2, 13)
        var model = Proto(); model.varint(1, 8); model.bytes(7, graph.bytes); model.bytes(8, opset.bytes)
        return model.bytes
    }
}
