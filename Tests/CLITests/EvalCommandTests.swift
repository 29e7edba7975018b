import Foundation
import XCTest

/// End-to-end `micronet eval`: the built binary on the torch-made fixtures.
final class EvalCommandTests: XCTestCase {
    static let fixtures = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures")

    func fixture(_ p: String) -> String { Self.fixtures.appendingPathComponent(p).path }

    /// Runs the built micronet binary (through the suite's shared runner); returns exit status, stdout and stderr.
    func micronet(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let r = try MicronetProcess.run(args)
        return (r.status, r.stdout, r.stderr)
    }

    func expectedPerplexity(_ name: String) throws -> Double {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("qrnn/expected.json")))
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let c = try XCTUnwrap(all[name] as? [String: Any]), f = try XCTUnwrap(c["float32"] as? [String: Any])
        return try XCTUnwrap(f["perplexity"] as? Double)
    }

    var splitCase: [String] {
        [fixture("qrnn/split-w211-b1-zip.pt"), "--text", fixture("qrnn/corpus/test.txt"), "--vocab", fixture("qrnn/vocab.txt"),
         "--bptt", "37"]
    }

    func testJSONReportsTorchPerplexityAndTheContractFields() throws {
        let r = try micronet(["eval"] + splitCase + ["--format", "json", "--max-ppl", "1000"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err, "", "nothing on stderr when piped")
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        for key in ["perplexity", "loss", "tokens", "seconds", "tokens_per_second", "max_ppl", "passed"] {
            XCTAssertNotNil(obj[key], key)
        }
        let ppl = try XCTUnwrap(obj["perplexity"] as? Double), torch = try expectedPerplexity("split-w211-b1-zip")
        XCTAssertLessThanOrEqual(abs(ppl - torch), 1e-5 * torch)
        XCTAssertEqual(obj["tokens"] as? Int, 2010)
        XCTAssertEqual(obj["passed"] as? Bool, true)
        XCTAssertEqual(obj["max_ppl"] as? Double, 1000)
        let loss = try XCTUnwrap(obj["loss"] as? Double)
        XCTAssertEqual(exp(loss), ppl, accuracy: 1e-9 * ppl)
    }

    func testPerplexityAboveMaxPplExitsOne() throws {
        let r = try micronet(["eval"] + splitCase + ["--max-ppl", "35"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.out.contains("max-ppl     FAILED"), r.out)
        XCTAssertTrue(r.out.contains("perplexity  565.26"), r.out)
    }

    func testTextReportNamesEveryFigure() throws {
        let r = try micronet(["eval"] + splitCase)
        XCTAssertEqual(r.status, 0, r.err)
        for word in ["perplexity", "nats", "bits per token", "2010 tokens", "tokens/s", "split softmax 40/120/250"] {
            XCTAssertTrue(r.out.contains(word), "\(word) in \(r.out)")
        }
    }

    func testSixteenBitRunReportsTheChangeAgainstFloat32() throws {
        let r = try micronet(["eval"] + splitCase + ["--precision", "fp16", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let base = try XCTUnwrap(obj["fp32_perplexity"] as? Double), change = try XCTUnwrap(obj["perplexity_change"] as? Double)
        XCTAssertEqual(base, try expectedPerplexity("split-w211-b1-zip"), accuracy: 1e-5 * base)
        XCTAssertNotEqual(change, 0)
        XCTAssertLessThan(abs(change), 2e-3)
    }

    func testMissingWordIsBadInput() throws {
        let text = NSTemporaryDirectory() + "/qrnn-eval-\(getpid()).txt"
        try " w1 w2 zebra w3 quokka\n".write(toFile: text, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: text) }
        let r = try micronet(["eval", fixture("qrnn/split-w211-b1-zip.pt"), "--text", text, "--vocab", fixture("qrnn/vocab.txt")])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.err, "micronet: error: \(text): 2 words of the text missing from the vocabulary, first: 'zebra', 'quokka'\n")
    }

    func testNonCheckpointModelIsBadInput() throws {
        let r = try micronet(["eval", fixture("qrnn/vocab.txt"), "--text", fixture("qrnn/corpus/test.txt"),
                              "--vocab", fixture("qrnn/vocab.txt")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.hasPrefix("micronet: error: ") && r.err.contains("vocab.txt") && r.err.filter { $0 == "\n" }.count == 1, r.err)
    }

    func testVocabularyOfAnotherSizeIsBadInput() throws {
        let r = try micronet(["eval", fixture("qrnn/split-w211-b1-zip.pt"), "--text", fixture("qrnn/corpus/test.txt"),
                              "--vocab", fixture("wikitext-2/vocab.txt")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("the vocabulary has 33278 words but"), r.err)
    }

    func testZeroBpttIsBadUsage() throws {
        let r = try micronet(["eval"] + splitCase.dropLast(2) + ["--bptt", "0"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.err, "micronet: error: --bptt must be an integer from 1 to 1048576, got 0\n")
    }
}
