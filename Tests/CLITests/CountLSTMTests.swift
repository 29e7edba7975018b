import Foundation
import XCTest

/// `micronet count` / `score` on awd-lstm-lm LSTM checkpoints (rows against the fixture script's independent
/// computation from the torch model's shapes) and the LSTM presets (the challenge's official figures).
final class CountLSTMTests: XCTestCase {
    static let fixtures = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures")

    func fixture(_ p: String) -> String { Self.fixtures.appendingPathComponent(p).path }

    func countJSON(_ args: [String]) throws -> [String: Any] {
        let r = try MicronetProcess.run(["count"] + args + ["--param-bits", "32", "--input-bits", "32", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func testCheckpointRowsMatchTheIndependentCount() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("lstm/expected.json")))
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for name in ["wdrop-full-zip", "wdrop-split-legacy", "plain-split-zip", "plain-full-legacy", "wdrop-full-statedict",
                     "gru-wdrop-split-zip", "gru-plain-full-legacy"] {
            let c = try XCTUnwrap(all[name] as? [String: Any])
            let block = "block_" + ((c["rnn_type"] as? String) ?? "LSTM").lowercased()
            let expected = try XCTUnwrap((c["counts"] as? [String: Any])?["rows"] as? [String: [String: Int]])
            let out = try countJSON([fixture("lstm/\(name).pt")])
            let rows = try XCTUnwrap(out["rows"] as? [[String: Any]])
            XCTAssertEqual(rows.map { $0["name"] as? String }, ["embedding", block, "block_decoder"], name)
            for row in rows {
                let want = try XCTUnwrap(expected[try XCTUnwrap(row["name"] as? String)])
                for key in ["params", "mults", "adds"] {
                    XCTAssertEqual((row[key] as? NSNumber)?.intValue, want[key], "\(name) \(row["name"] ?? "") \(key)")
                }
            }
        }
    }

    func testPrunedLSTMMeasuresBothGateMatricesTogether() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("lstm/pruned-statedict.expected.json")))
        let expected = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["rows"] as? [String: [String: Double]])
        let out = try countJSON([fixture("lstm/pruned-statedict.pt")])
        for row in try XCTUnwrap(out["rows"] as? [[String: Any]]) {
            let want = try XCTUnwrap(expected[try XCTUnwrap(row["name"] as? String)])
            for key in ["params", "mults", "adds"] {
                XCTAssertEqual((row[key] as? NSNumber)?.doubleValue ?? -1, try XCTUnwrap(want[key]), accuracy: 1e-9, "\(row["name"] ?? "") \(key)")
            }
        }
    }

    func testBaselinePresetGivesTheOfficialFigures() throws {
        let out = try countJSON(["--preset", "lstm-wt103-baseline"])
        let total = try XCTUnwrap(out["total"] as? [String: Any])
        XCTAssertEqual((total["params"] as? NSNumber)?.intValue, 159_376_343)
        XCTAssertEqual((total["mults"] as? NSNumber)?.intValue, 159_131_136)
        XCTAssertEqual((total["adds"] as? NSNumber)?.intValue, 159_116_288)
        let score = try MicronetProcess.run(["score", "--preset", "lstm-wt103-baseline", "--input-bits", "32"])
        XCTAssertEqual(score.status, 0, score.stderr)
        XCTAssertTrue(score.stdout.contains("score:        2.0031"), score.stdout)
    }

    func testLSTMPresetTakesBiasVectorsAndProjection() throws {
        // E 8, H 16, 2 layers, one bias vector, projection 8: per layer 4H(I+H) + 4H + H·P.
        let out = try countJSON(["--preset", "lstm-lm", "--vocab", "100", "--emsize", "8", "--nhid", "16", "--nlayers", "2",
                                 "--bias-vectors", "1", "--proj", "8"])
        let total = try XCTUnwrap(out["total"] as? [String: Any])
        let layer = 4 * 16 * (8 + 16) + 4 * 16 + 16 * 8
        XCTAssertEqual((total["params"] as? NSNumber)?.intValue, 100 * 8 + 2 * layer + 100)
        let bad = try MicronetProcess.run(["count", "--preset", "lstm-lm", "--emsize", "8", "--proj", "9"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--proj"), bad.stderr)
        let range = try MicronetProcess.run(["count", "--preset", "lstm-lm", "--bias-vectors", "3"])
        XCTAssertEqual(range.status, 2)
        XCTAssertTrue(range.stderr.contains("--bias-vectors must be an integer from 1 to 2, got 3"), range.stderr)
    }

    /// `micronet graph` writes a GRU checkpoint's layers as `GRU` ops, and counting that graph file gives the
    /// checkpoint's own totals.
    func testGRUGraphFileRoundTrips() throws {
        let model = fixture("lstm/gru-plain-full-legacy.pt")
        let graph = try MicronetProcess.run(["graph", model])
        XCTAssertEqual(graph.status, 0, graph.stderr)
        XCTAssertTrue(graph.stdout.contains("\"op\": \"GRU\""), graph.stdout)
        let file = NSTemporaryDirectory() + "/gru-graph-\(getpid()).json"
        try graph.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromGraph = try XCTUnwrap(try countJSON([file])["total"] as? [String: Any])
        let fromCheckpoint = try XCTUnwrap(try countJSON([model])["total"] as? [String: Any])
        for key in ["params", "mults", "adds"] {
            XCTAssertEqual((fromGraph[key] as? NSNumber)?.intValue, (fromCheckpoint[key] as? NSNumber)?.intValue, key)
        }
    }
}
