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

    /// The file to read: `.xz` fixtures are decompressed into a temporary folder with xz(1).
    private func modelPath(_ name: String) throws -> String {
        let path = Fixtures.path("fixtures/onnx/\(name)")
        guard name.hasSuffix(".xz") else { return path }
        guard let xz = ["/usr/bin/xz", "/bin/xz"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("xz is not installed")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-\(UUID().uuidString).onnx")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xz)
        process.arguments = ["-dc", path]
        process.standardOutput = try FileHandle(forWritingTo: out)
        try process.run()
        process.waitUntilExit()
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        return out.path
    }

    private func assertClose(_ a: Double, _ b: Double?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let b else { return XCTFail("\(what): no expected value", file: file, line: line) }
        XCTAssertEqual(a, b, accuracy: max(1e-9, abs(b) * 1e-9), what, file: file, line: line)
    }

    func testFloatFixturesCountExactlyAsCountingPy() throws {
        XCTAssertGreaterThanOrEqual(Self.floatFixtures.count, 14, "run fixtures/make_onnx_fixtures.py")
        for (name, want) in Self.floatFixtures {
            let path = try modelPath(name)
            let inputShape = (want["needs_flag"] as? String).map { _ in want["input_shape"] as? [Int] ?? [] }
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
                if let input = want["input_shape"] as? [Int], input.count == 4 {
                    XCTAssertEqual(resolved.graph.input, .image(height: input[2], width: input[3], channels: input[1]), label)
                }
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
