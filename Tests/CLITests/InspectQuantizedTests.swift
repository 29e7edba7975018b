import Foundation
import XCTest

/// `micronet inspect` on torch.ao quantized and half-precision checkpoints (fixtures/quant, real PyTorch).
final class InspectQuantizedTests: XCTestCase {
    private func fixture(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/quant").appendingPathComponent(name).path
    }

    private func json(_ name: String) throws -> [String: Any] {
        let r = try MicronetProcess.run(["inspect", fixture(name), "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func testJSONListsQuantizerOfEveryQuantizedTensor() throws {
        let doc = try json("static_model.pt")
        let tensors = try XCTUnwrap(doc["tensors"] as? [[String: Any]])
        let conv = try XCTUnwrap(tensors.first { $0["name"] as? String == "conv1.weight" })
        XCTAssertEqual(conv["dtype"] as? String, "qint8")
        XCTAssertEqual(conv["qscheme"] as? String, "per_channel_affine")
        XCTAssertEqual((conv["scales"] as? [Double])?.count, 8)
        XCTAssertEqual(conv["zero_points"] as? [Int], [Int](repeating: 0, count: 8))
        XCTAssertEqual(conv["axis"] as? Int, 0)
        XCTAssertEqual(conv["role"] as? String, "parameter")
        let bias = try XCTUnwrap(tensors.first { $0["name"] as? String == "conv1.bias" })
        XCTAssertNil(bias["qscheme"], "float tensors carry no quantizer fields")
        let quantizers = try XCTUnwrap(doc["activation_quantizers"] as? [[String: Any]])
        XCTAssertEqual(quantizers.compactMap { $0["module"] as? String }, ["quant", "conv1", "conv2", "fc"])

        let dynamic = try XCTUnwrap(try json("dynamic_sd.pt")["tensors"] as? [[String: Any]])
        let w = try XCTUnwrap(dynamic.first { $0["name"] as? String == "lstm.weight_hh_l0" })
        XCTAssertEqual(w["qscheme"] as? String, "per_tensor_affine")
        XCTAssertTrue(w["axis"] is NSNull)
        let emb = try XCTUnwrap(try json("emb4_sd.pt")["tensors"] as? [[String: Any]]).first
        XCTAssertEqual(emb?["dtype"] as? String, "quint4x2")
        XCTAssertEqual(emb?["qscheme"] as? String, "per_channel_affine_float_qparams")
        XCTAssertEqual(emb?["bytes"] as? Int, 40, "two 4-bit elements per byte")
        let half = try XCTUnwrap(try json("mlp_bf16.pt")["tensors"] as? [[String: Any]])
        XCTAssertEqual(Set(half.compactMap { $0["dtype"] as? String }), ["bfloat16"])
    }

    func testTotalsSeparateParametersFromBuffers() throws {
        let totals = try XCTUnwrap(try json("bn_ema.pt")["totals"] as? [String: Any])
        // torch: conv 108 + 4, bn 4 + 4 trainable; running stats, the counter and the EMA copy are buffers.
        XCTAssertEqual(totals["parameter_elements"] as? Int, 120)
        XCTAssertEqual(totals["buffer_elements"] as? Int, 138)
        XCTAssertEqual(totals["optimizer_elements"] as? Int, 244)
        let r = try MicronetProcess.run(["inspect", fixture("bn_ema.pt")])
        XCTAssertTrue(r.stdout.contains("parameters: 4 tensors, 120 elements (tied counted once; only these reach count)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("buffers:    10 tensors, 138 elements"), r.stdout)
        let ema = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("ema.module.conv.weight ") })
        XCTAssertTrue(ema.contains(" buffer"), String(ema))
    }

    func testBadQuantizedFilesExitTwoWithOneLine() throws {
        for (file, words) in [("unknown_qscheme.pt", "'conv1.weight'"),
                              ("unknown_qdtype.pt", "quantized tensor 'conv1.weight': unknown quantized dtype: storage type torch.QInt2Storage"),
                              ("unknown_qdtype_legacy.pt", "quantized tensor 'conv1.weight': unknown quantized dtype: storage type torch.QInt2Storage"),
                              ("scales_mismatch.pt", "'conv.weight' has 3 scales for 4 channels")] {
            let r = try MicronetProcess.run(["inspect", fixture("bad/" + file)])
            XCTAssertEqual(r.status, 2, file)
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(words), r.stderr)
        }
    }
}
