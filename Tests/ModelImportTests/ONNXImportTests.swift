import Counter
import Foundation
import Graph
import ModelImport
import XCTest

/// ONNX files from both PyTorch exporters, lowered and counted, against the totals and block totals the
/// official counting.py gives for the same models (fixtures/onnx/expected_counts.json, made by
/// fixtures/make_onnx_fixtures.py from hand-transliterated op lists, not from the ONNX files).
final class ONNXImportTests: XCTestCase {
    private static let expected: [String: Any] = {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fixtures/onnx/expected_counts.json"))),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return json
    }()

    private static var fixtures: [String: [String: Any]] { expected["fixtures"] as? [String: [String: Any]] ?? [:] }

    /// The float fixtures (the quantized ones belong to issue 12).
    private static var floatFixtures: [(String, [String: Any])] {
        fixtures.filter { $0.value["blocks"] != nil }.sorted { $0.key < $1.key }
    }

    private func settings(_ s: [String: Any]) -> (CountSettings, SparsityPolicy) {
        let param = s["param_bits"] as? Double ?? 32, mul = s["mul_bits"] as? Double ?? 32, add = s["add_bits"] as? Double ?? 32
        let measured = (s["sparsity"] as? String) == "measured"
        return (CountSettings(paramBits: param, inputBits: mul, accumulatorBits: add, sparsity: measured ? 0 : s["sparsity"] as? Double ?? 0),
                SparsityPolicy(paramBits: param, measure: measured))
    }

    /// The file to read (`.xz` fixtures decompressed).
    private func modelPath(_ name: String) throws -> String { try Fixtures.readable("fixtures/onnx/\(name)", in: self) }

    private func assertClose(_ a: Double, _ b: Double?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let b else { return XCTFail("\(what): no expected value", file: file, line: line) }
        XCTAssertEqual(a, b, accuracy: max(1e-9, abs(b) * 1e-9), what, file: file, line: line)
    }

    func testFloatFixturesCountExactlyAsCountingPy() throws {
        XCTAssertGreaterThanOrEqual(Self.floatFixtures.count, 14, "run fixtures/make_onnx_fixtures.py")
        for (name, want) in Self.floatFixtures {
            let inputShape = (want["needs_flag"] as? String).map { _ in want["input_shape"] as? [Int] ?? [] }
            let input = (want["input_shape"] as? [Int]).flatMap { $0.count == 4 ? ModelInput.image(height: $0[2], width: $0[3], channels: $0[1]) : nil }
            try assertTotals(of: try modelPath(name), want, label: name, inputShape: inputShape, input: input)
        }
    }

    /// `path` counts to `want`'s totals under each of its settings, and reads `input` when that is given.
    private func assertTotals(of path: String, _ want: [String: Any], label name: String, inputShape: [Int]? = nil,
                              input: ModelInput?) throws {
        let imported = try ModelImport.open(path: path)
        XCTAssertEqual(imported.kind, .onnx, name)
        for (key, s) in want["settings"] as? [String: [String: Any]] ?? [:] {
            let (settings, policy) = self.settings(s)
            let resolved = try imported.opGraph(sparsity: policy, inputShape: inputShape)
            let report = MicroNetCounter(graph: resolved.graph).count(settings: settings)
            let total = (want["totals"] as? [String: [String: Double]])?[key] ?? [:]
            let label = "\(name) [\(key)]"
            assertClose(report.total.params, total["params"], "\(label) params")
            assertClose(report.totalScaled.paramsMBytes, total["params_mbytes"], "\(label) params MB")
            assertClose(report.totalScaled.multsM, total["mults_m"], "\(label) mults M")
            assertClose(report.totalScaled.addsM, total["adds_m"], "\(label) adds M")
            if let input { XCTAssertEqual(resolved.graph.input, input, label) }
        }
    }

    /// tf2onnx's files from Keras models (fixtures/onnx/tf2onnx, made by fixtures/make_tf2onnx_fixtures.py):
    /// N×H×W×C inputs, BatchNorms that tf2onnx folded or wrote out as a per-channel Mul and Add, ops named
    /// after their Keras layers. Keras' MobileNetV2 ×1.4 counts to the ImageNet baseline's 1,173.537008 MFLOPS.
    func testTF2ONNXFilesCountExactlyAsCountingPy() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fixtures/onnx/tf2onnx/expected_counts.json")))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let fixtures = try XCTUnwrap(json?["fixtures"] as? [String: [String: Any]])
        XCTAssertEqual(fixtures.count, 2, "run fixtures/make_tf2onnx_fixtures.py")
        for (name, want) in fixtures.sorted(by: { $0.key < $1.key }) {
            let path = try Fixtures.readable("fixtures/onnx/tf2onnx/\(name)", in: self)
            let nhwc = try XCTUnwrap(want["input_shape"] as? [Int])
            try assertTotals(of: path, want, label: name, input: .image(height: nhwc[1], width: nhwc[2], channels: nhwc[3]))
            guard let ops = want["ops"] as? [[String: Any]] else { continue }
            // Op by op at 32 bits; Keras names a layer's ops `<layer>_1` when it traces the model.
            let graph = try ModelImport.open(path: path).opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true)).graph
            XCTAssertEqual(graph.allOps.map(\.op.name), ops.map { "\($0["name"] as? String ?? "?")_1" }, name)
            for ((_, op), w) in zip(graph.allOps, ops) {
                let c = cost(of: op, settings: CountSettings()), w32 = w["32"] as? [String: Double]
                assertClose(c.mults, w32?["mults"], "\(name) \(op.name) mults")
                assertClose(c.adds, w32?["adds"], "\(name) \(op.name) adds")
                assertClose(c.params, w32?["params"], "\(name) \(op.name) params")
            }
        }
    }

    func testBlocksFollowTheModuleTree() throws {
        for (name, want) in Self.floatFixtures {
            let path = try modelPath(name)
            let inputShape = (want["needs_flag"] as? String).map { _ in want["input_shape"] as? [Int] ?? [] }
            let resolved = try ModelImport.open(path: path).opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true),
                                                                    inputShape: inputShape)
            // Per block totals at 32 bits; ops of the root module's own forward are block "".
            var sums: [String: (mults: Double, adds: Double, params: Double)] = [:]
            var order: [String] = []
            for (block, op) in resolved.graph.allOps {
                let key = block.map { String($0.dropFirst("block_".count)) } ?? ""
                let c = cost(of: op, settings: CountSettings())
                if sums[key] == nil { order.append(key) }
                sums[key, default: (0, 0, 0)].mults += c.mults
                sums[key, default: (0, 0, 0)].adds += c.adds
                sums[key, default: (0, 0, 0)].params += c.params
            }
            let blocks = (want["blocks"] as? [String: [[String: Any]]])?["32"] ?? []
            XCTAssertEqual(order, blocks.map { $0["block"] as? String ?? "?" }, name)
            for b in blocks {
                let key = b["block"] as? String ?? "?"
                let got = sums[key] ?? (0, 0, 0)
                assertClose(got.mults, b["mults"] as? Double, "\(name) \(key) mults")
                assertClose(got.adds, b["adds"] as? Double, "\(name) \(key) adds")
                assertClose(got.params, b["params"] as? Double, "\(name) \(key) params")
            }
        }
    }

    /// torchvision's VisionTransformer through the TorchScript exporter (fixtures/make_vit_fixture.py: image 32,
    /// patch 8, 2 layers, 2 heads, width 32, MLP 64, 10 classes): the class token's size comes from Mod, Equal
    /// and Where on constants, LayerNorms are written out, and the position embedding and class token are
    /// read by Add and Concat. Each op of the script's list (counting.py for the conv and the Linears, the
    /// README's MatMul convention for the attention products) is found among micronet's, and the parameters
    /// total PyTorch's sum(p.numel()).
    func testTorchScriptViTCountsItsAttentionAndEveryParameter() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fixtures/onnx/vit/expected.json")))
        let want = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let graph = try ModelImport.open(path: Fixtures.path("fixtures/onnx/vit/vit_tiny_ts14.onnx"))
            .opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true)).graph
        var costs = graph.allOps.map { cost(of: $0.op, settings: CountSettings()) }
        let ops = try XCTUnwrap(want["ops"] as? [[String: Any]])
        XCTAssertEqual(ops.count, 14)
        for op in ops {
            let key = ["params", "mults", "adds"].map { op[$0] as? Double ?? -1 }
            guard let i = costs.firstIndex(where: { [$0.params, $0.mults, $0.adds] == key }) else {
                XCTFail("\(op["name"] ?? "?"): no op counts \(key)")
                continue
            }
            costs.remove(at: i)
        }
        let params = graph.allOps.reduce(0) { $0 + cost(of: $1.op, settings: CountSettings()).params }
        XCTAssertEqual(params, try XCTUnwrap(want["torch_parameters"] as? Double))
        XCTAssertEqual(graph.input, .image(height: 32, width: 32, channels: 3))
    }

    /// A file exported with its batch fixed at 4 counts one input, exactly as the batch-1 export of the same
    /// model does (counting.py's PlainNet figures), and says so; `--input-shape` with a batch above 1 is refused.
    func testAFixedBatchCountsOneInput() throws {
        let want = try XCTUnwrap(Self.fixtures["plainnet_ts13.onnx"])
        try assertTotals(of: Fixtures.path("fixtures/onnx/batch/plainnet_b4_ts13.onnx"), want, label: "plainnet_b4_ts13.onnx",
                         input: .image(height: 16, width: 16, channels: 3))
        let resolved = try ModelImport.open(path: Fixtures.path("fixtures/onnx/batch/plainnet_b4_ts13.onnx"))
            .opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true))
        XCTAssertTrue(resolved.notes.contains { $0.contains("fixes it at 4; counted for one input") }, "\(resolved.notes)")
        XCTAssertThrowsError(try ModelImport.open(path: Fixtures.path("fixtures/onnx/convzoo_batch_ts13.onnx"))
            .opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true), inputShape: [2, 3, 32, 32])) { error in
            XCTAssertTrue("\(error)".contains("the batch (first dimension) must be 1"), "\(error)")
        }
    }

    /// fixtures/make_unfolded_fixture.py: a weight computed at run time from a stored tensor (w · 2.0, no
    /// constant folding) is that conv's parameter, counted once; a [17, 32] input without a batch axis keeps its
    /// 17 rows; a 1×1 AveragePool at stride 1 (an adaptive pool on a map already its size) is a copy. Figures
    /// from PyTorch's sum(p.numel()) and counting.py, in fixtures/onnx/unfolded/expected.json.
    func testComputedWeightsCountOnceAndOnlyImagesHaveABatchAxis() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fixtures/onnx/unfolded/expected.json")))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let fixtures = try XCTUnwrap(json?["fixtures"] as? [String: [String: Double]])
        XCTAssertEqual(fixtures.count, 3)
        for (name, want) in fixtures {
            let graph = try ModelImport.open(path: Fixtures.path("fixtures/onnx/unfolded/\(name)"))
                .opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true)).graph
            let total = MicroNetCounter(graph: graph).count(settings: CountSettings()).total
            XCTAssertEqual(total.params, want["torch_parameters"], name)
            for (key, got) in [("mults", total.mults), ("adds", total.adds)] where want[key] != nil {
                XCTAssertEqual(got, want[key], "\(name) \(key)")
            }
        }
    }

    func testGraphFileOfAnONNXModelCountsTheSame() throws {
        let resolved = try ModelImport.open(path: Fixtures.path("fixtures/onnx/preact_se_ts13.onnx"))
            .opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true))
        let text = GraphFile.encode(resolved.graph)
        let reread = try GraphFile.decode(Data(text.utf8), path: "preact_se.graph.json")
        let a = MicroNetCounter(graph: resolved.graph).count(settings: .freebie)
        let b = MicroNetCounter(graph: reread).count(settings: .freebie)
        XCTAssertEqual(a.total, b.total)
        XCTAssertEqual(reread.input, resolved.graph.input)
    }

    func testGlobalSparsityOverridesMeasured() throws {
        let imported = try ModelImport.open(path: Fixtures.path("fixtures/onnx/plainnet_pruned_ts17.onnx"))
        let measured = try imported.opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true))
        XCTAssertTrue(measured.graph.allOps.contains { $0.op.sparsity != nil })
        XCTAssertTrue(measured.notes.contains { $0.contains("-> sparse") })
        let global = try imported.opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: false))
        XCTAssertTrue(global.graph.allOps.allSatisfy { $0.op.sparsity == nil })
    }

    func testBadFilesGiveOneLineErrors() throws {
        let cases: [(String, String)] = [
            ("bad/truncated.onnx", "truncated"),
            ("bad/corrupt.onnx", "bad/corrupt.onnx: "),
            ("bad/missing_data.onnx", "is missing"),
            ("bad/escape_location.onnx", "escapes the model's folder"),
            ("bad/unsupported_einsum.onnx", "unsupported ONNX ops: Einsum ×2"),
            ("plainnet_hw_ts13.onnx", "--input-shape 1x3x224x224"),
        ]
        for (name, fragment) in cases {
            let path = Fixtures.path("fixtures/onnx/\(name)")
            XCTAssertThrowsError(try ModelImport.open(path: path).opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true)), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(fragment), "\(name): \(text)")
                XCTAssertTrue(text.hasPrefix(path), "\(name): \(text)")
                XCTAssertFalse(text.contains("\n"), text)
                XCTAssertEqual((error as? UserFacingError)?.exitCode, 2, "\(name): \(type(of: error))")
            }
        }
    }

    func testInputShapeIsForONNXOnly() {
        XCTAssertThrowsError(try ModelImport.resolve(model: Fixtures.path("fixtures/awd_zip.pt"),
                                                     sparsity: SparsityPolicy(paramBits: 32, measure: true), inputShape: [1, 3, 8, 8])) { error in
            XCTAssertTrue("\(error)".hasPrefix("--input-shape: applies to ONNX models only"), "\(error)")
        }
    }
}
