import Foundation
import XCTest

/// `micronet count CHECKPOINT --graph FILE` on torch.ao quantized and half-precision checkpoints: every op at the
/// widths the file stores, against fixtures/quant/expected.json (the reference counting.py's count_ops op by op at
/// each op's bits, in fixtures/make_quant_fixtures.py).
final class CountQuantizedTests: XCTestCase {
    private func path(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/quant").appendingPathComponent(name).path
    }

    private func expected() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("expected.json")))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    private func total(_ arguments: [String]) throws -> (total: [String: Double], stdout: String, stderr: String) {
        let r = try MicronetProcess.run(arguments + ["--format", "json"])
        XCTAssertEqual(r.status, 0, "\(arguments): \(r.stderr)")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let t = try XCTUnwrap(json["total"] as? [String: Any])
        return (t.compactMapValues { ($0 as? NSNumber)?.doubleValue }, r.stdout, r.stderr)
    }

    private func assertTotals(_ got: [String: Double], _ want: [String: Any], _ label: String) throws {
        XCTAssertEqual(got["param_bits"] ?? -1, try XCTUnwrap(want["param_bits"] as? Double), accuracy: 1e-6, "\(label) param_bits")
        XCTAssertEqual(got["params"] ?? -1, try XCTUnwrap(want["params"] as? Double), accuracy: 1e-6, "\(label) params")
        XCTAssertEqual(got["params_mbytes"] ?? -1, try XCTUnwrap(want["params_mb"] as? Double), accuracy: 1e-12, "\(label) MB")
        XCTAssertEqual(got["mults_m"] ?? -1, try XCTUnwrap(want["mults_m"] as? Double), accuracy: 1e-12, "\(label) mults")
        XCTAssertEqual(got["adds_m"] ?? -1, try XCTUnwrap(want["adds_m"] as? Double), accuracy: 1e-12, "\(label) adds")
    }

    /// Static (8-bit mults), dynamic (32-bit mults in a whole pickle, the weights' 8 in a state dict), 4-bit
    /// embedding, fp16 and bf16 (16-bit parameters and mults), zip and legacy.
    func testEveryFixtureCountsAtItsStoredWidths() throws {
        var checked = 0
        for (file, e) in try expected().sorted(by: { $0.key < $1.key }) {
            guard let graph = e["graph"] as? String, let counts = e["counts"] as? [String: Any] else { continue }
            let got = try total(["count", path(file), "--graph", path(graph)])
            try assertTotals(got.total, counts, file)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 16)
    }

    /// Rows of `count --format json` by op name.
    private func rows(_ arguments: [String]) throws -> [String: [String: Any]] {
        let r = try MicronetProcess.run(arguments + ["--format", "json"])
        XCTAssertEqual(r.status, 0, "\(arguments): \(r.stderr)")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let list = try XCTUnwrap(json["rows"] as? [[String: Any]])
        return Dictionary(list.compactMap { row in (row["name"] as? String).map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
    }

    /// A QFunctional add (a converted FloatFunctional) stores its output's scale and zero point: 32 + 8 bits on the
    /// add op, whole and as a state dict; the pool after it consumes its 8-bit output.
    func testQuantizedAddCountsItsOutputQuantizer() throws {
        for file in ["res_model.pt", "res_sd.pt"] {
            let ops = try rows(["count", path(file), "--graph", path("res.graph.json")])
            let add = try XCTUnwrap(ops["add"]?["bits"] as? [String: Any], file)
            XCTAssertEqual((add["quantizer"] as? NSNumber)?.intValue, 32 + 8, file)
            XCTAssertEqual((add["input"] as? NSNumber)?.intValue, 8, file)
            let pool = try XCTUnwrap(ops["pool"]?["bits"] as? [String: Any], file)
            XCTAssertEqual((pool["input"] as? NSNumber)?.intValue, 8, file)
        }
    }

    /// A two-layer LSTM: op `lstm` counts layer 0 and op `lstm_l1` layer 1, each layer's scales, zero points and
    /// wider biases once (2 per-tensor weights at 32 + 8, 2 float32 biases of 4H at 24 extra bits); a graph with no
    /// op for layer 1 is refused rather than counted without it.
    func testEachLSTMLayerCountsOnceOnItsOwnOp() throws {
        let perLayer = 2 * (32 + 8) + 2 * 4 * 8 * (32 - 8)
        for file in ["lstm2_model.pt", "lstm2_sd.pt"] {
            let ops = try rows(["count", path(file), "--graph", path("lstm2.graph.json")])
            for op in ["lstm", "lstm_l1"] {
                let bits = try XCTUnwrap(ops[op]?["bits"] as? [String: Any], "\(file) \(op)")
                XCTAssertEqual((bits["quantizer"] as? NSNumber)?.intValue, perLayer, "\(file) \(op)")
                XCTAssertEqual((bits["param"] as? NSNumber)?.intValue, 8, "\(file) \(op)")
            }
        }
        let r = try MicronetProcess.run(["count", path("lstm2_model.pt"), "--graph", path("lstm2_layer0.graph.json")])
        XCTAssertEqual(r.status, 2, r.stdout)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("lstm2_model.pt: no op of the graph counts layer 1 of 'lstm' (lstm.weight_ih_l1"), r.stderr)
        XCTAssertTrue(r.stderr.contains("add an op named 'lstm_l1'"), r.stderr)
    }

    /// A graph file's `input_bits` says what a state dict cannot: float inputs of dynamic modules.
    func testGraphInputBitsSetWhatAStateDictCannotSay() throws {
        let want = try XCTUnwrap(try expected()["dynmlp_sd.pt"]?["counts_with_graph_input_bits_32"] as? [String: Any])
        let got = try total(["count", path("dynmlp_sd.pt"), "--graph", path("mlp_float_inputs.graph.json")])
        try assertTotals(got.total, want, "dynmlp_sd.pt with input_bits 32")
    }

    /// `--input-bits 16` on an 8-bit model: the same totals as no flag, and a note that the freebie is refused.
    func testFreebieFlagChangesNothingOnAQuantizedModel() throws {
        let plain = try total(["count", path("static_sd.pt"), "--graph", path("static.graph.json")])
        let asked = try total(["count", path("static_sd.pt"), "--graph", path("static.graph.json"), "--input-bits", "16"])
        XCTAssertEqual(plain.total, asked.total)
        XCTAssertTrue((asked.stderr + asked.stdout).contains("freebie"), asked.stderr)
    }

    /// A recognised model stored in float16 counts, with no flag, as its float32 original does under the freebie
    /// (fixtures/count/expected_counts.json), and says why.
    func testRecognisedHalfModelCountsAtSixteenByDefault() throws {
        let want = try XCTUnwrap(try expected()["awd_fp16.pt"]?["counts_default"] as? [String: Any])
        for flags in [[], ["--input-bits", "16"]] {
            let got = try total(["count", path("awd_fp16.pt")] + flags)
            for key in ["param_bits", "mults", "adds", "params"] {
                XCTAssertEqual(got.total[key], want[key] as? Double, "\(key) \(flags)")
            }
            XCTAssertEqual(got.total["mults_m"] ?? -1, (want["mults"] as? Double ?? 0) * 16 / 32 / 1e6, accuracy: 1e-12)
        }
        let r = try MicronetProcess.run(["count", path("awd_fp16.pt")])
        XCTAssertTrue(r.stdout.contains("weights stored in float16, so 16-bit parameters and mults"), r.stdout)
        // The defaults line promises no difference the model does not have: count and score agree on it.
        XCTAssertTrue(r.stdout.contains("this model's ops carry the bits their file stores, so they give these figures too"), r.stdout)
        XCTAssertFalse(r.stdout.contains("their MB and MFLOPS differ"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ops with bits of their own keep them"), "the settings line says so: \(r.stdout)")
    }

    /// A quantized model's score says the freebie is refused, and its defaults line does not promise it.
    func testQuantizedScoreDoesNotPromiseTheFreebie() throws {
        let qdq = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/onnx/convzoo_qdq_int8.onnx").path
        let r = try MicronetProcess.run(["score", qdq, "--track", "cifar100"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let defaults = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("defaults:") }, r.stdout)
        XCTAssertTrue(defaults.contains("quantized below 16 bits: it is refused"), String(defaults))
    }

    /// fp16 / bf16 checkpoints count at 16 bits by default and say so; a float32 one is untouched.
    func testHalfPrecisionCountsAtSixteenBitsAndSaysSo() throws {
        let r = try MicronetProcess.run(["count", path("mlp_fp16.pt"), "--graph", path("mlp.graph.json")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("fc1: parameters 16-bit, mults 16-bit"), r.stdout)
        XCTAssertTrue(r.stdout.contains("half precision is not quantization below 16 bits"), r.stdout)
        XCTAssertFalse(r.stdout.contains("refused"), r.stdout)
        // A float32 checkpoint keeps the global settings: nothing is read from it.
        let float = try MicronetProcess.run(["count", MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/count/mlp_pruned.pt").path,
                                             "--graph", path("mlp.graph.json")])
        XCTAssertEqual(float.status, 0, float.stderr)
        XCTAssertFalse(float.stdout.contains("bits read from"), float.stdout)
    }
}
