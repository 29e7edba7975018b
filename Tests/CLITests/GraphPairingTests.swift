import Foundation
import XCTest

/// `count CHECKPOINT --graph G.json`: every op's weight must exist in the checkpoint with the shape the op
/// implies; pruned weights (torch.nn.utils.prune) count at their mask's sparsity. Fixtures from real torch
/// (fixtures/make_count_fixtures.py), expected totals computed there.
final class GraphPairingTests: XCTestCase {
    private func path(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/count").appendingPathComponent(name).path
    }

    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pairing-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// cnn.graph.json with `edit` applied to its text, written to a temporary file.
    private func editedGraph(_ edit: (String) -> String) throws -> String {
        let text = try String(contentsOfFile: path("cnn.graph.json"), encoding: .utf8)
        let edited = edit(text)
        XCTAssertNotEqual(edited, text, "the edit changed nothing")
        let url = dir.appendingPathComponent("edited.json")
        try edited.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func assertMismatch(_ graph: String, _ fragments: [String], prefix: String? = nil,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try MicronetProcess.run(["count", path("cnn_pruned.pt"), "--graph", graph])
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix(prefix ?? "micronet: error: \(graph): op '"), r.stderr, file: file, line: line)
        for fragment in fragments { XCTAssertTrue(r.stderr.contains(fragment), "\(fragment) in \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr, file: file, line: line)
    }

    func testPrunedCheckpointCountsTheMaskedWeight() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("expected_counts.json")))
        let all = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        let want = try XCTUnwrap(all["cnn_pruned.pt"]).compactMapValues { $0 as? Double }
        // The state dict, and the same module pickled whole, where the masks are buffers
        // (fixtures/make_pruned_whole_fixture.py checks the two hold the same tensors).
        for file in ["cnn_pruned.pt", "cnn_pruned_model.pt"] {
            let r = try MicronetProcess.run(["count", path(file), "--graph", path("cnn.graph.json"),
                                             "--input-bits", "16", "--format", "json"])
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let got = try XCTUnwrap(json["total"] as? [String: Any]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
            for key in ["param_bits", "mults", "adds", "params"] {
                let w = try XCTUnwrap(want[key], key), g = try XCTUnwrap(got[key], "\(file) \(key)")
                XCTAssertEqual(g, w, accuracy: abs(w) * 1e-12, "\(file) \(key)")
            }
        }
        let table = try MicronetProcess.run(["count", path("cnn_pruned.pt"), "--graph", path("cnn.graph.json"), "--input-bits", "16"])
        XCTAssertTrue(table.stdout.contains("  conv2: conv2.weight_orig * conv2.weight_mask 50.00% zeros (pruning mask applied) -> sparse"),
                      table.stdout)
        XCTAssertTrue(table.stdout.contains("  conv1: conv1.weight 0.00% zeros -> dense"), table.stdout)
    }

    func testGroupedAndDepthwiseConvolutionsPairWithTorchsLayout() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("expected_counts.json")))
        let all = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        let want = try XCTUnwrap(all["grouped_conv.pt"]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        let r = try MicronetProcess.run(["count", path("grouped_conv.pt"), "--graph", path("grouped_conv.graph.json"),
                                         "--input-bits", "16", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let got = try XCTUnwrap(json["total"] as? [String: Any]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        for key in ["param_bits", "mults", "adds", "params"] { XCTAssertEqual(got[key], want[key], key) }

        // Without "groups" the op wants a dense kernel: torch's grouped weight is 4 times thinner.
        let text = try String(contentsOfFile: path("grouped_conv.graph.json"), encoding: .utf8)
        let ungrouped = dir.appendingPathComponent("ungrouped.json")
        try text.replacingOccurrences(of: "\"groups\": 4,", with: "").write(to: ungrouped, atomically: true, encoding: .utf8)
        let bad = try MicronetProcess.run(["count", path("grouped_conv.pt"), "--graph", ungrouped.path])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("op 'grouped' (Conv2D) needs grouped.weight of shape [16, 8, 3, 1]"), bad.stderr)
        XCTAssertTrue(bad.stderr.hasSuffix("has [16, 2, 3, 1]\n"), bad.stderr)
    }

    func testWrongChannelsNameTheOpAndBothShapes() throws {
        let graph = try editedGraph { $0.replacingOccurrences(of: "\"conv2\",\n      \"op\": \"Conv2D\",\n      \"input_size\": 8,\n      \"kernel_shape\": [\n        3,\n        3,\n        8,\n        16",
                                                               with: "\"conv2\",\n      \"op\": \"Conv2D\",\n      \"input_size\": 8,\n      \"kernel_shape\": [\n        3,\n        3,\n        8,\n        32") }
        try assertMismatch(graph, ["op 'conv2' (Conv2D) needs conv2.weight_orig * conv2.weight_mask of shape [32, 8, 3, 3] (nn.Conv2d's [out, in/groups, kh, kw]), but \(path("cnn_pruned.pt")) has [16, 8, 3, 3]"])
    }

    func testTransposedDenseLayerIsAMismatch() throws {
        let graph = try editedGraph { $0.replacingOccurrences(of: "[\n        16,\n        10\n      ]", with: "[\n        10,\n        16\n      ]") }
        try assertMismatch(graph, ["op 'fc' (FullyConnected) needs fc.weight_orig * fc.weight_mask of shape [16, 10] (nn.Linear's [out, in])",
                                   "has [10, 16]"])
    }

    func testMissingLayerIsAnError() throws {
        let graph = try editedGraph { $0.replacingOccurrences(of: "\"name\": \"fc\"", with: "\"name\": \"classifier\"") }
        try assertMismatch(graph, ["op 'classifier' (FullyConnected) has no weight in \(path("cnn_pruned.pt"))",
                                   "no classifier.weight, classifier.weight_orig or classifier", "found conv1.weight [8, 3, 3, 3]"])
    }

    func testLayerTheGraphLeavesOutIsAnError() throws {
        let graph = try editedGraph { text in
            // Keep conv1 and conv2 only: fc's weight would be stored and run but never counted.
            let cut = text.range(of: ",\n    {\n      \"name\": \"pool\"")!.lowerBound
            return String(text[..<cut]) + "\n  ]\n}\n"
        }
        try assertMismatch(graph, ["no op counts fc.weight_orig [10, 16] of \(path("cnn_pruned.pt")) (add an op named after each layer)"],
                           prefix: "micronet: error: \(graph): no op counts ")
    }

    func testGraphOfAnotherModelIsRefused() throws {
        try assertMismatch(path("mlp.graph.json"), ["op 'fc1' (FullyConnected) has no weight in"])
        let r = try MicronetProcess.run(["count", path("mlp_pruned.pt"), "--graph", path("cnn.graph.json")])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("op 'conv1' (Conv2D) has no weight in"), r.stderr)
    }

    func testPruningTensorsThatDoNotFitAreRefused() throws {
        let url = dir.appendingPathComponent("conv2.json")
        try #"{"ops": [{"name": "conv2", "op": "Conv2D", "input_size": 8, "kernel_shape": [3, 3, 8, 16], "strides": [2, 2], "padding": "same", "use_bias": false, "activation": null}]}"#
            .write(to: url, atomically: true, encoding: .utf8)
        for (file, problem) in [
            ("bad_mask_shape.pt", "conv2.weight_mask is [16, 8, 3, 1] but conv2.weight_orig is [16, 8, 3, 3]"),
            ("bad_mask_missing.pt", "conv2.weight_orig has no conv2.weight_mask beside it (a torch.nn.utils.prune checkpoint keeps both)"),
            ("bad_mask_expanded.pt", "conv2.weight_mask is not stored contiguously (shape [16, 8, 3, 3], strides [0, 0, 0, 0]), "
                + "which torch.nn.utils.prune never writes"),
        ] {
            let r = try MicronetProcess.run(["count", path(file), "--graph", url.path])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderr, "micronet: error: \(path(file)): \(problem)\n")
        }
    }

    func testGlobalSparsityStillChecksShapes() throws {
        let graph = try editedGraph { $0.replacingOccurrences(of: "\"name\": \"fc\"", with: "\"name\": \"head\"") }
        let r = try MicronetProcess.run(["count", path("cnn_pruned.pt"), "--graph", graph, "--sparsity", "0.5"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("op 'head' (FullyConnected) has no weight"), r.stderr)
    }
}

/// An awd-lstm-lm QRNN pruned by torch.nn.utils.prune (fixtures/count/pruned_masks_awd.pt): not recognised on its
/// own, counted through a graph whose ops are named after its modules, at the mask's sparsity.
final class PrunedRecognisedModelTests: XCTestCase {
    private func path(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/count").appendingPathComponent(name).path
    }

    func testPrunedQRNNNeedsAGraphAndThenCountsTheMask() throws {
        let alone = try MicronetProcess.run(["count", path("pruned_masks_awd.pt")])
        XCTAssertEqual(alone.status, 2)
        XCTAssertTrue(alone.stderr.hasPrefix("micronet: error: \(path("pruned_masks_awd.pt")): an awd-lstm-lm QRNN pruned with "
                                             + "torch.nn.utils.prune (encoder.weight_orig) is not recognised yet;"), alone.stderr)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pruned-awd-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let graph = dir.appendingPathComponent("awd.json")
        try """
        {"ops": [
          {"name": "encoder", "op": "Embedding", "input_size": 40, "n_channels": 8},
          {"name": "rnns.0.linear.module", "op": "QRNN", "input_size": 8, "hidden_size": 12, "window": 2, "output_gate": true},
          {"name": "rnns.1.linear.module", "op": "QRNN", "input_size": 12, "hidden_size": 12, "window": 1, "output_gate": true},
          {"name": "rnns.2.linear.module", "op": "QRNN", "input_size": 12, "hidden_size": 8, "window": 1, "output_gate": true},
          {"name": "decoder", "op": "FullyConnected", "kernel_shape": [8, 40], "use_bias": true, "tied_weights": true}
        ]}
        """.write(to: graph, atomically: true, encoding: .utf8)
        let r = try MicronetProcess.run(["count", path("pruned_masks_awd.pt"), "--graph", graph.path, "--input-bits", "16"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("  encoder: encoder.weight_orig * encoder.weight_mask 50.00% zeros (pruning mask applied) -> sparse"),
                      r.stdout)
    }
}
