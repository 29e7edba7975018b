import Foundation
import XCTest

/// `micronet inspect` end to end: the real binary on the committed real-PyTorch fixtures.
final class InspectCommandTests: XCTestCase {
    private func fixture(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures").appendingPathComponent(name).path
    }

    func testJSONContractOnTheWholeAwdCheckpoint() throws {
        for (name, format) in [("awd_legacy.pt", "legacy"), ("awd_zip.pt", "zip")] {
            let r = try MicronetProcess.run(["inspect", fixture(name), "--format", "json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "")
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(json["format"] as? String, format)
            let classes = try XCTUnwrap(json["classes"] as? [String])
            XCTAssertTrue(classes.contains("model.RNNModel") && classes.contains("weight_drop.WeightDrop"), "\(classes)")
            let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
            XCTAssertEqual(tensors.count, 44)
            XCTAssertEqual(tensors[0]["name"] as? String, "0.encoder.weight")
            XCTAssertEqual(tensors[0]["dtype"] as? String, "float32")
            XCTAssertEqual(tensors[0]["shape"] as? [Int], [40, 8])
            XCTAssertTrue(tensors[0]["tied_to"] is NSNull)
            XCTAssertEqual(tensors[0]["zero_fraction"] as? Double, 0)
            let decoder = try XCTUnwrap(tensors.first { $0["name"] as? String == "0.decoder.weight" })
            XCTAssertEqual(decoder["tied_to"] as? String, "0.encoder.weight")
            XCTAssertEqual(tensors[12]["name"] as? String, "1.tail_vectors")
            // SplitCrossEntropyLoss's tail vectors start at zero and Adam moved them: not all zero any more.
            XCTAssertLessThan(try XCTUnwrap(tensors[12]["zero_fraction"] as? Double), 1)
            XCTAssertEqual(tensors.last?["name"] as? String, "2.state.1.tail_bias.exp_avg_sq")
            XCTAssertEqual(tensors.last?["optimizer_state"] as? Bool, true)
            let totals = try XCTUnwrap(json["totals"] as? [String: Any])
            XCTAssertEqual(totals["model_tensors"] as? Int, 14)
            XCTAssertEqual(totals["optimizer_tensors"] as? Int, 30)
            // 40·8 + 3·(36+36·16... ) counted once for tied names: the model's distinct elements.
            XCTAssertEqual(totals["model_elements"] as? Int, 320 + 36 + 576 + 36 + 432 + 24 + 288 + 40 + 16 + 2)
        }
    }

    func testTableListsEveryTensorWithTotals() throws {
        let r = try MicronetProcess.run(["inspect", fixture("views_zip.pt")])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("format:     zip ("), r.stdout)
        XCTAssertTrue(r.stdout.contains("structure:  collections.OrderedDict[8]: keys base, slice"), r.stdout)
        let decoderLine = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("decoder.weight") })
        XCTAssertTrue(decoderLine.hasSuffix("encoder.weight"), String(decoderLine))
        XCTAssertTrue(r.stdout.contains("total:      8 tensors, 318 bytes"), r.stdout)
    }

    func testBadInputExitsTwoWithOneLineNamingTheFile() throws {
        let bad = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/bad")
        let cases = [("hostile_p2.pickle", "hostile pickle: it asks to call posix.system"),
                     ("deflate_bomb_lying.pt", "deflate bomb"),
                     ("stride_beyond.pt", "reaches element 4 but storage '0' has 4"),
                     ("missing_storage.pt", "missing storage")]
        for (name, fragment) in cases {
            let path = bad.appendingPathComponent(name).path
            let r = try MicronetProcess.run(["inspect", path])
            XCTAssertEqual(r.status, 2, name)
            XCTAssertEqual(r.stdout, "")
            XCTAssertTrue(r.stderr.hasPrefix("micronet: error: \(path): "), r.stderr)
            XCTAssertTrue(r.stderr.contains(fragment), r.stderr)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        }
        let missing = try MicronetProcess.run(["inspect", "/nonexistent.pt"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "micronet: error: /nonexistent.pt: no such file\n")
    }

    func testHelpHasExamples() throws {
        let r = try MicronetProcess.run(["inspect", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("Examples:"), r.stdout)
        XCTAssertTrue(r.stdout.contains("--format <format>"), r.stdout)
    }
}

final class InspectModelOnlyTests: XCTestCase {
    func testModelOnlyLeavesOutOptimizerState() throws {
        let path = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/awd_legacy.pt").path
        let r = try MicronetProcess.run(["inspect", path, "--format", "json", "--model-only"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.count, 14)
        XCTAssertEqual(tensors.last?["name"] as? String, "1.tail_bias")
    }
}
