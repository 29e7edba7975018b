import Foundation
import XCTest

/// count and score on a graph file with hand-set per-op bits, and the range checks on flags and piped counts.
final class MixedPrecisionCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("micronet-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// An 8-bit conv (one 32-bit scale and one 8-bit zero point) and a float dense layer, for CIFAR-100.
    private func mixedGraph() throws -> String {
        let url = dir.appendingPathComponent("mixed.json")
        try """
        {"name": "mixed", "input": {"image": [32, 32, 3]}, "ops": [
          {"name": "conv", "op": "Conv2D", "input_size": 32, "kernel_shape": [3, 3, 3, 16], "strides": [1, 1],
           "padding": "same", "use_bias": true, "activation": "relu", "param_bits": 8, "input_bits": 8, "quantizer_bits": 40},
          {"name": "fc", "op": "FullyConnected", "kernel_shape": [16, 100], "use_bias": true}]}
        """.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testCountWeighsEachOpAtItsBitsAndRefusesTheFreebie() throws {
        let path = try mixedGraph()
        let plain = try MicronetProcess.run(["count", path, "--format", "json"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let asked = try MicronetProcess.run(["count", path, "--input-bits", "16", "--format", "json"])
        XCTAssertEqual(asked.status, 0, asked.stderr)
        // The freebie changes nothing on a quantized model, and says why.
        XCTAssertEqual(asked.stdout, plain.stdout)
        XCTAssertTrue(asked.stderr.contains("the 16-bit freebie is refused: op 'conv' is quantized below 16 bits"), asked.stderr)
        // Hand count. conv: 3·3·3·16 = 432 weights + 16 biases at 8 bits + 40 quantizer bits = 3624 bits;
        // outputs 32·32·16 = 16384; mults 27·16384 + relu 16384 = 458752 at 8 bits; adds 26·16384 + 16384 = 442368 at 32.
        // fc: 1600 weights + 100 biases at 32 = 54400 bits; 1600 mults, 15·100 + 100 = 1600 adds, at 32.
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        let total = try XCTUnwrap(j["total"] as? [String: Any])
        XCTAssertEqual(total["param_bits"] as? Int, 3624 + 54400)
        XCTAssertEqual(total["params"] as? Int, 448 + 1700)
        let multsM: Double = (458_752.0 * 8 + 1600 * 32) / 32 / 1e6
        let addsM: Double = (442_368.0 + 1600) / 1e6
        XCTAssertEqual(total["mults_m"] as? Double ?? 0, multsM, accuracy: 1e-12)
        XCTAssertEqual(total["adds_m"] as? Double ?? 0, addsM, accuracy: 1e-12)
        let table = try MicronetProcess.run(["count", path, "--input-bits", "16"]).stdout
        XCTAssertTrue(table.contains("bits p/in/acc"), table)
        XCTAssertTrue(table.contains("8/8/32+q40"), table)
        XCTAssertTrue(table.contains("the 16-bit freebie is refused"), table)
    }

    func testScoreInfersTheTrackAndRefusesTheFreebie() throws {
        let r = try MicronetProcess.run(["score", try mixedGraph(), "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(j["track"] as? String, "cifar100")
        XCTAssertTrue((j["note"] as? String ?? "").hasPrefix("the 16-bit freebie is refused"))
        // 58024 bits / 32 = 1813.25 equivalent params over 36.5M.
        XCTAssertEqual(j["params_term"] as? Double ?? 0, 1813.25 / 36.5e6, accuracy: 1e-15)
    }

    func testScoreAsksForATrackWhenTheInputIsNoTracks() throws {
        let url = dir.appendingPathComponent("odd.json")
        try #"{"input": {"image": [64, 64, 3]}, "ops": [{"name": "a", "op": "Add", "input_size": 2, "n_channels": 2}]}"#
            .write(to: url, atomically: true, encoding: .utf8)
        let r = try MicronetProcess.run(["score", url.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("give --track or --baseline"), r.stderr)
        XCTAssertEqual(try MicronetProcess.run(["score", url.path, "--track", "imagenet"]).status, 0)
    }

    func testFlagsOutOfRangeExitTwo() throws {
        for (args, message) in [(["count", "--param-bits", "1e12"], "--param-bits must be an integer from 1 to 64"),
                                (["count", "--input-bits", "1e300"], "--input-bits must be an integer from 1 to 64"),
                                (["count", "--accumulator-bits", "12.5"], "--accumulator-bits must be an integer from 1 to 64"),
                                (["count", "--add-bits-base", "1e-300"], "--add-bits-base must be an integer from 1 to 64"),
                                (["score", "--mul-bits-base", "0"], "--mul-bits-base must be an integer from 1 to 64"),
                                (["score", "--baseline", "1e-300"], "--baseline must be a finite number of at least 1"),
                                (["score", "--baseline", "10", "--baseline-ops", "inf"], "--baseline-ops must be a finite number of at least 1")] {
            let r = try MicronetProcess.run(args)
            XCTAssertEqual(r.status, 2, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "")
        }
    }

    func testPipedCountsThatCannotBeACountsAreRefused() throws {
        func piped(_ total: String, settings: String = "") throws -> MicronetProcess.Result {
            try MicronetProcess.run(["score"], stdin: Data("{\(settings)\"total\": {\(total)}}".utf8))
        }
        for total in ["\"param_bits\": -5, \"mults_m\": 1, \"adds_m\": 1, \"params\": 3",
                      "\"param_bits\": 50, \"mults_m\": 1e300, \"adds_m\": 1, \"params\": 3",
                      "\"param_bits\": 1e19, \"mults_m\": 1, \"adds_m\": 1, \"params\": 1e18",
                      "\"param_bits\": 50, \"mults_m\": 1, \"adds_m\": 1, \"params\": 3, \"mults\": -104939535",
                      "\"param_bits\": 50, \"mults_m\": 1, \"adds_m\": 1, \"params\": 3, \"adds\": 9.3e18",
                      "\"param_bits\": 50, \"mults_m\": 1, \"adds_m\": -1, \"params\": 3"] {
            let r = try piped(total)
            XCTAssertEqual(r.status, 2, total)
            XCTAssertTrue(r.stderr.hasPrefix("micronet: error: standard input: total."), r.stderr)
        }
        let widths = try piped("\"param_bits\": 50, \"mults_m\": 1, \"adds_m\": 1, \"params\": 3",
                               settings: "\"settings\": {\"param_bits\": 1e12}, ")
        XCTAssertEqual(widths.status, 2)
        XCTAssertTrue(widths.stderr.contains("settings.param_bits must be an integer from 1 to 64"), widths.stderr)
        let dup = try MicronetProcess.run(["score"], stdin: Data("{\"total\": {\"params\": 1, \"params\": 2}}".utf8))
        XCTAssertEqual(dup.status, 2)
        XCTAssertTrue(dup.stderr.contains("duplicate key \"params\""), dup.stderr)
    }

    func testGraphWritesEveryKindBackToTheSameCount() throws {
        let path = try mixedGraph()
        let url = dir.appendingPathComponent("again.json")
        let graph = try MicronetProcess.run(["graph", path])
        XCTAssertEqual(graph.status, 0, graph.stderr)
        try graph.stdout.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertTrue(graph.stdout.contains("\"param_bits\": 8"), graph.stdout)
        XCTAssertTrue(graph.stdout.contains("\"image\": [32, 32, 3]"), graph.stdout)
        XCTAssertEqual(try MicronetProcess.run(["count", url.path, "--format", "csv"]).stdout,
                       try MicronetProcess.run(["count", path, "--format", "csv"]).stdout)
    }
}
