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

    private func assertMismatch(_ graph: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try MicronetProcess.run(["count", path("cnn_pruned.pt"), "--graph", graph])
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("micronet: error: \(graph): op '"), r.stderr, file: file, line: line)
        for fragment in fragments { XCTAssertTrue(r.stderr.contains(fragment), "\(fragment) in \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr, file: file, line: line)
    }

    func testPrunedCheckpointCountsTheMaskedWeight() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("expected_counts.json")))
        let all = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        let want = try XCTUnwrap(all["cnn_pruned.pt"]).compactMapValues { $0 as? Double }
        let r = try MicronetProcess.run(["count", path("cnn_pruned.pt"), "--graph", path("cnn.graph.json"),
                                         "--input-bits", "16", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let got = try XCTUnwrap(json["total"] as? [String: Any]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        for key in ["param_bits", "mults", "adds", "params"] {
            let w = try XCTUnwrap(want[key], key), g = try XCTUnwrap(got[key], key)
            XCTAssertEqual(g, w, accuracy: abs(w) * 1e-12, key)
        }
        let table = try MicronetProcess.run(["count", path("cnn_pruned.pt"), "--graph", path("cnn.graph.json"), "--input-bits", "16"])
        XCTAssertTrue(table.stdout.contains("  conv2: conv2.weight_orig * conv2.weight_mask 50.00% zeros (pruning mask applied) -> sparse"),
                      table.stdout)
        XCTAssertTrue(table.stdout.contains("  conv1: conv1.weight 0.00% zeros -> dense"), table.stdout)
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

    func testGraphOfAnotherModelIsRefused() throws {
        try assertMismatch(path("mlp.graph.json"), ["op 'fc1' (FullyConnected) has no weight in"])
        let r = try MicronetProcess.run(["count", path("mlp_pruned.pt"), "--graph", path("cnn.graph.json")])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("op 'conv1' (Conv2D) has no weight in"), r.stderr)
    }

    func testGlobalSparsityStillChecksShapes() throws {
        let graph = try editedGraph { $0.replacingOccurrences(of: "\"name\": \"fc\"", with: "\"name\": \"head\"") }
        let r = try MicronetProcess.run(["count", path("cnn_pruned.pt"), "--graph", graph, "--sparsity", "0.5"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("op 'head' (FullyConnected) has no weight"), r.stderr)
    }
}
