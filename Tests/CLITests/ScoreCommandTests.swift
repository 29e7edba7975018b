import Foundation
import XCTest

final class ScoreCommandTests: XCTestCase {
    private func json(_ r: MicronetProcess.Result) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout + r.stderr)
    }

    func testSeedScoresItsLeaderboardValue() throws {
        let r = try MicronetProcess.run(["score"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("params term:  0.3299  (52,452,667.5 32-bit-equivalent parameters / 159,000,000)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ops term:     0.4933  (156,856,732.5 32-bit-equivalent ops / 318,000,000)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("score:        0.8232"), r.stdout)
    }

    func testSeedScoreJSON() throws {
        let r = try MicronetProcess.run(["score", "--format", "json"])
        let j = try json(r)
        // 52,452,667.5 / 159e6 + 156,856,732.5 / 318e6, unrounded (asserted on the text: Foundation's parser rounds).
        XCTAssertTrue(r.stdout.contains("\"score\": 0.8231511556603774,"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"params_term\": 0.3298909905660377,"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\"ops_term\": 0.49326016509433973,"), r.stdout)
        XCTAssertEqual(j["baseline_params"] as? Int, 159_000_000)
        XCTAssertEqual(j["baseline_ops"] as? Int, 318_000_000)
        XCTAssertEqual(j["track"] as? String, "wikitext103")
        XCTAssertEqual(String(format: "%.4f", j["score"] as? Double ?? 0), "0.8232")
    }

    func testBaselineComparesWithTheDefaultQRNN() throws {
        let r = try MicronetProcess.run(["score", "--baseline", "153886638"])
        XCTAssertTrue(r.stdout.contains("104,905,335 = 0.6817 of the baseline's (31.8% fewer)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ops term:     unknown (give --baseline-ops)"), r.stdout)
        let j = try json(try MicronetProcess.run(["score", "--baseline", "153886638", "--format", "json"]))
        XCTAssertEqual(j["params_ratio"] as? Double, 104_905_335 / 153_886_638.0)
        XCTAssertTrue(j["score"] is NSNull)
        XCTAssertTrue(j["track"] is NSNull)
        XCTAssertEqual(j["params_term"] as? Double, 52_452_667.5 / 153_886_638)
    }

    func testScoresACountPipedAsJSON() throws {
        let count = try MicronetProcess.run(["count", "--input-bits", "16", "--format", "json"])
        let r = try MicronetProcess.run(["score", "--track", "wikitext103", "--format", "json"], stdin: Data(count.stdout.utf8))
        XCTAssertEqual(String(format: "%.4f", try json(r)["score"] as? Double ?? 0), "0.8232")
        // A count at 32 bits scores higher: the piped settings are the ones used.
        let full = try MicronetProcess.run(["count", "--format", "json"])
        let r32 = try json(try MicronetProcess.run(["score", "--track", "wikitext103", "--format", "json"], stdin: Data(full.stdout.utf8)))
        XCTAssertEqual(r32["params_term"] as? Double, 104_905_335 / 159e6)
    }

    func testAPipedCountOfAVerySparseModelScoresAsTheModelDoes() throws {
        // At 99 % sparsity every kept value carries 32 bits plus the mask's 100 bits per kept value: a real
        // count with more than 64 bits per parameter, which must not be refused as impossible.
        let args = ["reference-example", "--sparsity", "0.99", "--input-bits", "16"]
        let count = try MicronetProcess.run(["count"] + args + ["--format", "json"])
        let piped = try MicronetProcess.run(["score", "--track", "cifar100", "--format", "json"], stdin: Data(count.stdout.utf8))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        let direct = try json(try MicronetProcess.run(["score"] + args + ["--track", "cifar100", "--format", "json"]))
        XCTAssertEqual(try json(piped)["score"] as? Double, direct["score"] as? Double)
    }

    func testOtherTracks() throws {
        let j = try json(try MicronetProcess.run(["score", "reference-example", "--track", "imagenet", "--format", "json"]))
        XCTAssertEqual(j["baseline_params"] as? Int, 6_900_000)
        XCTAssertEqual(j["baseline_ops"] as? Int, 1_170_000_000)
        let c = try json(try MicronetProcess.run(["score", "reference-example", "--track", "cifar100", "--format", "json"]))
        XCTAssertEqual(c["baseline_ops"] as? Int, 10_490_000_000)
    }

    func testGarbageOnStandardInputIsBadInput() throws {
        let r = try MicronetProcess.run(["score"], stdin: Data("{\"rows\": []}".utf8))
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("micronet: error: standard input: "), r.stderr)
    }

    // Issue 14: the track comes from what the model reads, and the output says which baseline was used.
    func testTrackIsInferredFromTheModelsInput() throws {
        let seed = try json(try MicronetProcess.run(["score", "--format", "json"]))
        XCTAssertEqual(seed["track"] as? String, "wikitext103")
        let text = try MicronetProcess.run(["score"]).stdout
        XCTAssertTrue(text.contains("track:        wikitext103 (inferred: the model reads a vocabulary of 267,735 tokens)"), text)
        // The reference example's stem reads 224×224×3: ImageNet's baseline, 6.9M / 1170M.
        let reference = try json(try MicronetProcess.run(["score", "reference-example", "--format", "json"]))
        XCTAssertEqual(reference["track"] as? String, "imagenet")
        XCTAssertEqual(reference["baseline_params"] as? Int, 6_900_000)
        let given = try MicronetProcess.run(["score", "reference-example", "--track", "cifar100"]).stdout
        XCTAssertTrue(given.contains("track:        cifar100 (given with --track)"), given)
        let baseline = try MicronetProcess.run(["score", "--baseline", "1000000", "--baseline-ops", "5000000"]).stdout
        XCTAssertTrue(baseline.contains("baseline:     1,000,000 parameters, 5,000,000 ops (given with --baseline)"), baseline)
    }

    func testUndecidableTrackExitsTwoAskingForOne() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("score-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let graph = dir.appendingPathComponent("tiny64.json")
        try #"{"name": "tiny64", "ops": [{"name": "conv", "op": "Conv2D", "input_size": 64, "kernel_shape": [3,3,3,8], "strides": [1,1], "padding": "same", "use_bias": true}]}"#
            .write(to: graph, atomically: true, encoding: .utf8)
        let r = try MicronetProcess.run(["score", graph.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("no track reads a 64×64×3 image") && r.stderr.contains("--track") && r.stderr.contains("--baseline"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        // A piped count says what the model reads when its JSON carries `input`; without it the track is asked for.
        let seedCount = try MicronetProcess.run(["count", "--format", "json"]).stdout
        XCTAssertEqual(try json(try MicronetProcess.run(["score", "--format", "json"], stdin: Data(seedCount.utf8)))["track"] as? String, "wikitext103")
        let tinyCount = try MicronetProcess.run(["count", graph.path, "--format", "json"]).stdout
        let piped = try MicronetProcess.run(["score"], stdin: Data(tinyCount.utf8))
        XCTAssertEqual(piped.status, 2, "a piped count of a graph without `input` does not say what the model reads")
        XCTAssertEqual(try json(try MicronetProcess.run(["score", graph.path, "--track", "imagenet", "--format", "json"]))["track"] as? String, "imagenet")
        // A graph file's declared input decides: 32×32×3 is CIFAR-100, even with the same ops.
        let cifar = dir.appendingPathComponent("cifar.json")
        try #"{"name": "c", "input": {"image": [32, 32, 3]}, "ops": [{"name": "fc", "op": "FullyConnected", "kernel_shape": [3072, 100], "use_bias": true}]}"#
            .write(to: cifar, atomically: true, encoding: .utf8)
        let c = try MicronetProcess.run(["score", cifar.path])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertTrue(c.stdout.contains("track:        cifar100 (inferred: the model reads a 32×32×3 image)"), c.stdout)
    }

    // Issue 14: count and score print the same settings line, and each says how its default differs.
    func testCountAndScoreStateTheirSettingsTheSameWay() throws {
        func settings(_ text: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix("settings:") }.map { $0.dropFirst("settings:".count).trimmingCharacters(in: .whitespaces) }
        }
        let count16 = try MicronetProcess.run(["count", "--input-bits", "16"]).stdout
        let score = try MicronetProcess.run(["score"]).stdout
        XCTAssertEqual(settings(score), "param bits 16, mults 16/32 bits, adds 32/32 bits, sparsity 0, convention seed")
        XCTAssertEqual(settings(count16), settings(score))
        XCTAssertTrue(score.contains("defaults:     score uses the 16-bit freebie"), score)
        let count = try MicronetProcess.run(["count"]).stdout
        XCTAssertTrue(count.contains("\ndefaults:   count uses 32 bits throughout unless told"), count)
        XCTAssertFalse(count16.contains("defaults:"), "bits were given: no note")
        let score32 = try MicronetProcess.run(["score", "--input-bits", "32"]).stdout
        XCTAssertEqual(settings(score32), settings(count))
        XCTAssertFalse(score32.contains("defaults:"))
    }
}
