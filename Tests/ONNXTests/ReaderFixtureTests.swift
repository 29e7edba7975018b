import XCTest
@testable import ONNX

/// Every reader fixture against what onnx 1.23 says about the same file (expected.json).
final class ReaderFixtureTests: XCTestCase {
    func testFixturesArePresent() {
        XCTAssertGreaterThanOrEqual(ReaderFixtures.expected.count, 7, "run fixtures/onnx_reader/make_reader_fixtures.py")
    }

    func testMetadataOpsAndInitializersMatchOnnx() throws {
        for (name, want) in ReaderFixtures.expected.sorted(by: { $0.key < $1.key }) {
            let model = try ONNXModel(path: ReaderFixtures.path(name))
            XCTAssertEqual(model.producerName, want["producer"] as? String, name)
            XCTAssertEqual(model.irVersion, want["ir_version"] as? Int, name)
            let opsets = Dictionary(uniqueKeysWithValues: model.opsets.map { ($0.domain, $0.version) })
            XCTAssertEqual(opsets, want["opsets"] as? [String: Int], name)
            XCTAssertEqual(model.graph.nodes.count, want["nodes"] as? Int, name)
            var counts: [String: Int] = [:]
            for n in model.graph.nodes { counts[n.qualifiedOpType, default: 0] += 1 }
            XCTAssertEqual(counts, want["op_counts"] as? [String: Int], name)

            let inits = want["initializers"] as? [[String: Any]] ?? []
            XCTAssertEqual(model.graph.initializers.map(\.name), inits.map { $0["name"] as? String ?? "" }, name)
            for (tensor, w) in zip(model.graph.initializers, inits) {
                let label = "\(name): \(tensor.name)"
                XCTAssertEqual(tensor.dataType.rawValue, w["data_type"] as? Int, label)
                XCTAssertEqual(tensor.shape, w["shape"] as? [Int], label)
                XCTAssertEqual(try tensor.zeroCount(), w["zeros"] as? Int, label)
                let sum = try tensor.values().reduce(0, +)
                let expected = w["sum"] as? Double ?? .nan
                XCTAssertEqual(sum, expected, accuracy: 1e-6 * max(1, abs(expected)), label)
            }
        }
    }

    func testInferredShapesMatchOnnxShapeInference() throws {
        let cases: [(String, [Int]?)] = [("convnet_ts.onnx", nil), ("convnet_dynamo/model.onnx", nil), ("block_ts.onnx", nil),
                                         ("typed_fields.onnx", nil), ("convnet_hw.onnx", [1, 3, 16, 16])]
        for (name, inputShape) in cases {
            let model = try ONNXModel(path: ReaderFixtures.path(name))
            let shapes = try ShapeInference.infer(model, inputShape: inputShape)
            let want = ReaderFixtures.expected[name]?["shapes"] as? [String: [Int]] ?? [:]
            XCTAssertFalse(want.isEmpty, name)
            for (value, shape) in want {
                XCTAssertEqual(shapes.shape(of: value), shape, "\(name): \(value)")
            }
            // Every node output gets a shape, not only those onnx could infer.
            for node in model.graph.nodes { for out in node.outputs where !out.isEmpty { XCTAssertNotNil(shapes[out], "\(name): \(out)") } }
        }
    }

    func testExternalDataIsReadRelativeToTheModelsFolder() throws {
        let model = try ONNXModel(path: ReaderFixtures.path("convnet_dynamo/model.onnx"))
        let external = model.graph.initializers.filter { $0.externalFile != nil }
        XCTAssertFalse(external.isEmpty)
        for t in external { XCTAssertTrue(t.externalFile!.hasSuffix("convnet_dynamo/model.onnx.data"), t.externalFile!) }
    }

    func testDynamoNodesCarryTheirModuleScopes() throws {
        let model = try ONNXModel(path: ReaderFixtures.path("convnet_dynamo/model.onnx"))
        let conv = try XCTUnwrap(model.graph.nodes.first { $0.opType == "Conv" })
        XCTAssertNotNil(conv.metadata("pkg.torch.onnx.name_scopes"))
    }

    func testTorchScriptNodeAttributesAndInputs() throws {
        let model = try ONNXModel(path: ReaderFixtures.path("convnet_ts.onnx"))
        let stem = try XCTUnwrap(model.graph.nodes.first { $0.opType == "Conv" })
        XCTAssertEqual(stem.attribute("kernel_shape")?.ints, [3, 5])
        XCTAssertEqual(stem.attribute("pads")?.ints, [1, 2, 1, 2])
        XCTAssertEqual(stem.attribute("strides")?.ints, [2, 1])
        XCTAssertEqual(model.graph.realInputs.map(\.name), ["image"])
        XCTAssertEqual(model.graph.realInputs.first?.shape, [.symbol("batch"), .value(3), .value(20), .value(24)])
    }
}
