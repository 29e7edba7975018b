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
        let r32 = try json(try MicronetProcess.run(["score", "--format", "json"], stdin: Data(full.stdout.utf8)))
        XCTAssertEqual(r32["params_term"] as? Double, 104_905_335 / 159e6)
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
}
