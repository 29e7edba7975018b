import Foundation
import XCTest

/// `micronet count FILE`: a real awd-lstm-lm checkpoint counts as the seed's test.py counts its model.
final class CountCheckpointTests: XCTestCase {
    private func fixture(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures").appendingPathComponent(name).path
    }

    func testWholePickledModelCountsLikeThePresetOfTheSameShape() throws {
        // fixtures/awd_*.pt: [model, criterion, optimizer] with V 40, E 8, H 12, 3 layers, Adam state.
        let preset = try MicronetProcess.run(["count", "--preset", "qrnn-lm", "--vocab", "40", "--emsize", "8", "--nhid", "12",
                                              "--nlayers", "3", "--input-bits", "16", "--format", "csv"])
        for file in ["awd_zip.pt", "awd_legacy.pt"] {
            let r = try MicronetProcess.run(["count", fixture(file), "--input-bits", "16", "--format", "csv"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, preset.stdout, file)
            XCTAssertTrue(r.stdout.hasSuffix(",1752\n"), "V·E + 3 layers + V = 1,752 parameters, criterion left out: \(r.stdout)")
        }
    }

    func testTableSaysHowEachWeightWasCounted() throws {
        let r = try MicronetProcess.run(["count", fixture("awd_legacy.pt"), "--input-bits", "16"])
        XCTAssertTrue(r.stdout.contains("parameters: 1,752\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  embedding: encoder.weight 0.00% zeros -> dense"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  qrnn_2: rnns.2.linear weight 0.00% zeros -> dense"), r.stdout)
    }

    func testScoreAndGraphAcceptACheckpoint() throws {
        let graph = try MicronetProcess.run(["graph", fixture("awd_zip.pt")])
        XCTAssertEqual(graph.status, 0, graph.stderr)
        XCTAssertTrue(graph.stdout.contains("\"window\": 2"), graph.stdout)
        // A toy vocabulary of 40 words belongs to no track: the track is given.
        let score = try MicronetProcess.run(["score", fixture("awd_zip.pt"), "--track", "wikitext103", "--format", "json"])
        XCTAssertEqual(score.status, 0, score.stderr)
        // 1,752 / 159e6, as written (Foundation's parser rounds the last digit).
        XCTAssertTrue(score.stdout.contains("\"params_ratio\": \(1752 / 159e6),"), score.stdout)
    }

    func testUnrecognisedCheckpointListsWhatWasFound() throws {
        let r = try MicronetProcess.run(["count", fixture("views_zip.pt")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("micronet: error: \(fixture("views_zip.pt")): not a model micronet recognises (awd-lstm-lm QRNN, awd-lstm-lm LSTM/GRU); "),
                      r.stderr)
        XCTAssertTrue(r.stderr.contains("found base [4, 6]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--graph FILE"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1)
    }

    func testReadingACheckpointNeverChangesIt() throws {
        let path = fixture("awd_zip.pt")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        _ = try MicronetProcess.run(["count", path])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date, modified)
    }
}

/// Measured sparsity: fixtures/count, made by real torch with exact zero counts (fixtures/make_count_fixtures.py).
final class MeasuredSparsityTests: XCTestCase {
    private func path(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/count").appendingPathComponent(name).path
    }

    private func expected(_ file: String) throws -> [String: Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("expected_counts.json")))
        let all = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        let entry = try XCTUnwrap(all[file])
        return entry.compactMapValues { $0 as? Double }
    }

    private func total(_ arguments: [String]) throws -> [String: Double] {
        let r = try MicronetProcess.run(arguments + ["--input-bits", "16", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(json["total"] as? [String: Any]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    func testPrunedQRNNCountsEachWeightAtItsMeasuredSparsityWhereThatIsSmaller() throws {
        let want = try expected("pruned_awd.pt")
        let got = try total(["count", path("pruned_awd.pt")])
        for key in ["param_bits", "mults", "adds", "params"] {
            XCTAssertEqual(got[key], want[key], key)
        }
        let table = try MicronetProcess.run(["count", path("pruned_awd.pt"), "--input-bits", "16"]).stdout
        XCTAssertTrue(table.contains("  embedding: encoder.weight 50.00% zeros -> sparse"), table)
        XCTAssertTrue(table.contains("  qrnn_0: rnns.0.linear weight 2.95% zeros -> dense"), table)
        XCTAssertTrue(table.contains("  qrnn_1: rnns.1.linear weight 25.00% zeros -> sparse"), table)
    }

    func testGlobalSparsityOverridesWhatIsMeasured() throws {
        let dense = try total(["count", path("pruned_awd.pt"), "--sparsity", "0"])
        let preset = try total(["count", "--preset", "qrnn-lm", "--vocab", "40", "--emsize", "8", "--nhid", "12", "--nlayers", "3"])
        XCTAssertEqual(dense, preset)
    }

    func testCheckpointPairedWithAGraphFileTakesSparsityByTensorName() throws {
        let want = try expected("mlp_pruned.pt")
        let got = try total(["count", path("mlp_pruned.pt"), "--graph", path("mlp.graph.json")])
        for key in ["param_bits", "mults", "adds", "params"] {
            XCTAssertEqual(got[key], want[key], key)
        }
    }

    func testGraphPairingNeedsACheckpoint() throws {
        let r = try MicronetProcess.run(["count", "--preset", "qrnn-wt103", "--graph", path("mlp.graph.json")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("pairs with a checkpoint only"), r.stderr)
    }
}
