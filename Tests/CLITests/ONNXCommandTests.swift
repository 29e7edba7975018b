import Foundation
import XCTest

/// `micronet count|graph|inspect FILE.onnx` end to end on real exports (fixtures/onnx, fixtures/onnx_reader).
final class ONNXCommandTests: XCTestCase {
    private func fixture(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures").appendingPathComponent(name).path
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testCountAnONNXModelByItsBytes() throws {
        // The same file under a name without .onnx is still read as ONNX.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("model.bin").path
        try FileManager.default.copyItem(atPath: fixture("onnx/convzoo_ts13.onnx"), toPath: copy)
        let r = try MicronetProcess.run(["count", copy, "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let total = try XCTUnwrap(try json(r.stdout)["total"] as? [String: Any])
        // counting.py's figures for ConvZoo (fixtures/onnx/expected_counts.json).
        XCTAssertEqual(try XCTUnwrap(total["mults_m"] as? Double), 0.572648, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(total["adds_m"] as? Double), 0.557016, accuracy: 1e-9)
    }

    func testAKerasModelReadsItsTrackFromItsChannelsLastInput() throws {
        // tf2onnx keeps Keras' N×H×W×C input (a Transpose follows it): 32×32×3 is the CIFAR-100 track.
        let r = try MicronetProcess.run(["score", fixture("onnx/tf2onnx/kerasnet_tf2onnx13.onnx"), "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try json(r.stdout)["track"] as? String, "cifar100")
    }

    func testSymbolicHeightNeedsInputShape() throws {
        let r = try MicronetProcess.run(["count", fixture("onnx/plainnet_hw_ts13.onnx")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--input-shape 1x3x224x224"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        let ok = try MicronetProcess.run(["count", fixture("onnx/plainnet_hw_ts13.onnx"), "--input-shape", "1x3x16x16", "--format", "json"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let total = try XCTUnwrap(try json(ok.stdout)["total"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(total["mults_m"] as? Double), 0.500064, accuracy: 1e-9)
        let bad = try MicronetProcess.run(["count", fixture("onnx/plainnet_ts13.onnx"), "--input-shape", "1x3x0x16"])
        XCTAssertEqual(bad.status, 2)
    }

    func testUnsupportedAndQuantizedModelsExit2() throws {
        let r = try MicronetProcess.run(["count", fixture("onnx/bad/unsupported_einsum.onnx")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("unsupported ONNX ops: Einsum ×2"), r.stderr)
        // Quantized models count (ONNXQDQTests checks their totals).
        let q = try MicronetProcess.run(["count", fixture("onnx_reader/qdq.onnx")])
        XCTAssertEqual(q.status, 0, q.stderr)
        let t = try MicronetProcess.run(["count", fixture("onnx/bad/truncated.onnx")])
        XCTAssertEqual(t.status, 2)
        XCTAssertTrue(t.stderr.contains("truncated"), t.stderr)
    }

    func testGraphWritesAGraphFileThatCountsTheSame() throws {
        let g = try MicronetProcess.run(["graph", fixture("onnx/oddconvs_pad_dynamo18.onnx")])
        XCTAssertEqual(g.status, 0, g.stderr)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("odd.graph.json")
        try Data(g.stdout.utf8).write(to: file)
        let a = try MicronetProcess.run(["count", fixture("onnx/oddconvs_pad_dynamo18.onnx"), "--format", "json"])
        let b = try MicronetProcess.run(["count", file.path, "--format", "json"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(try json(a.stdout)["total"] as? NSDictionary, try json(b.stdout)["total"] as? NSDictionary)
    }

    func testInspectListsWhatOnnxSees() throws {
        let r = try MicronetProcess.run(["inspect", fixture("onnx/convzoo_dynamo18.onnx"), "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try json(r.stdout)
        XCTAssertEqual(doc["format"] as? String, "onnx")
        XCTAssertEqual(doc["opsets"] as? [String: Int], ["ai.onnx": 18])
        // onnx.load's view of the same file (fixtures/onnx/expected_counts.json).
        XCTAssertEqual(doc["ops"] as? [String: Int], ["Conv": 5, "Relu": 2, "Clip": 1, "MaxPool": 1, "Sigmoid": 1,
                                                      "AveragePool": 1, "ReduceMean": 1, "Reshape": 1, "Gemm": 1])
        let inits = try XCTUnwrap(doc["initializers"] as? [[String: Any]])
        let conv = try XCTUnwrap(inits.first { $0["name"] as? String == "features.1.0.weight" })
        XCTAssertEqual(conv["shape"] as? [Int], [32, 4, 3, 3])
        XCTAssertEqual((conv["external_file"] as? String)?.hasSuffix("convzoo_dynamo18.onnx.data"), true)
        let inputs = try XCTUnwrap(doc["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.first?["shape"] as? [Int], [1, 3, 32, 32])
        let table = try MicronetProcess.run(["inspect", fixture("onnx/convzoo_batch_ts13.onnx")])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("input:      input float32 (batch, 3, 32, 32)"), table.stdout)
    }
}
