import Foundation
import XCTest

/// End-to-end `micronet eval` on awd-lstm-lm LSTM checkpoints (written by its main.py), bad LSTM files,
/// and the eval inputs issue 9 names (NaN weights, absurd sizes, FIFOs).
final class EvalLSTMCommandTests: XCTestCase {
    static let fixtures = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures")

    func fixture(_ p: String) -> String { Self.fixtures.appendingPathComponent(p).path }

    func micronet(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let r = try MicronetProcess.run(args)
        return (r.status, r.stdout, r.stderr)
    }

    func expected(_ name: String, batch: Int) throws -> (float64: Double, float32: Double) {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("lstm/expected.json")))
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let c = try XCTUnwrap(all[name] as? [String: Any]), e = try XCTUnwrap((c["eval"] as? [String: Any])?["\(batch)"] as? [String: Any])
        func ppl(_ k: String) throws -> Double { try XCTUnwrap((e[k] as? [String: Any])?["perplexity"] as? Double) }
        return (try ppl("float64"), try ppl("float32"))
    }

    func lstmCase(_ name: String, batch: Int) -> [String] {
        [fixture("lstm/\(name).pt"), "--text", fixture("lstm/corpus/test.txt"), "--vocab", fixture("lstm/vocab.txt"),
         "--bptt", "20", "--batch-size", "\(batch)"]
    }

    func testWeightDroppedSplitSoftmaxLSTMMatchesEvaluate() throws {
        for batch in [1, 5] {
            let r = try micronet(["eval"] + lstmCase("wdrop-split-legacy", batch: batch) + ["--format", "json"])
            XCTAssertEqual(r.status, 0, r.err)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let ppl = try XCTUnwrap(json["perplexity"] as? Double), want = try expected("wdrop-split-legacy", batch: batch)
            XCTAssertEqual(json["architecture"] as? String, "lstm")
            XCTAssertLessThanOrEqual(abs(ppl - want.float64) / want.float64, 2e-6, "batch \(batch): \(ppl) vs \(want.float64)")
            XCTAssertLessThanOrEqual(abs(ppl - want.float32) / want.float32, 1e-5, "batch \(batch): \(ppl) vs \(want.float32)")
        }
    }

    func testGRUMatchesEvaluate() throws {
        for (name, batch) in [("gru-wdrop-split-zip", 1), ("gru-plain-full-legacy", 4)] {
            let r = try micronet(["eval"] + lstmCase(name, batch: batch) + ["--format", "json"])
            XCTAssertEqual(r.status, 0, r.err)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let ppl = try XCTUnwrap(json["perplexity"] as? Double), want = try expected(name, batch: batch)
            XCTAssertEqual(json["architecture"] as? String, "gru")
            XCTAssertLessThanOrEqual(abs(ppl - want.float64) / want.float64, 2e-6, "\(name) batch \(batch): \(ppl) vs \(want.float64)")
            XCTAssertLessThanOrEqual(abs(ppl - want.float32) / want.float32, 1e-5, "\(name) batch \(batch): \(ppl) vs \(want.float32)")
        }
    }

    func testTextReportNamesTheLSTMAndPrecisionRuns() throws {
        let r = try micronet(["eval"] + lstmCase("plain-split-zip", batch: 3) + ["--precision", "bf16"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("LSTM, V 6330, E 12, H 24, 3 layers, split softmax 300/1200/2500"), r.out)
        XCTAssertTrue(r.out.contains("vs fp32"), r.out)
    }

    func testBadLSTMCheckpointsNameTheTensor() throws {
        let cases = [
            ("gates.pt", "rnns.1.weight_hh_l0 is [16, 5], expected [4·H, H] (gates i, f, g, o, as in rnns.0's LSTM)"),
            ("gru-gates.pt", "rnns.1.weight_hh_l0 is [12, 5], expected [3·H, H] (gates r, z, n, as in rnns.0's GRU)"),
            ("huge-whh.pt", "rnns.0.weight_hh_l0 is [0, 4611686018427387904], expected [4·H, H] (LSTM gates i, f, g, o) or [3·H, H] (GRU gates r, z, n)"),
            ("missing-layer.pt", "layer rnns.1 is missing"),
            ("projection.pt", "rnns.0.weight_hr_l0 is [4, 7], expected [P, 6]"),
            ("splits.pt", "the criterion's splits [10, 40] must increase strictly inside the vocabulary (0, 30)"),
            ("nan-weight.pt", "not finite: \(fixture("lstm/bad/nan-weight.pt")): rnns.0.weight_ih_l0 value [14] = nan"),
        ]
        for (file, message) in cases {
            let r = try micronet(["eval", fixture("lstm/bad/\(file)"), "--text", fixture("lstm/bad/text.txt"),
                                  "--vocab", fixture("lstm/bad/vocab.txt")])
            XCTAssertEqual(r.status, 2, file)
            XCTAssertTrue(r.err.contains(message), "\(file): \(r.err)")
            XCTAssertEqual(r.err.filter { $0 == "\n" }.count, 1, r.err)
        }
    }

    func testAbsurdSizesAreRejectedWithTheirRanges() throws {
        let base = lstmCase("plain-full-legacy", batch: 1).dropLast(4)
        let cases: [([String], String)] = [
            (["--batch-size", "1000000000000"], "--batch-size must be an integer from 1 to 1048576, got 1000000000000"),
            (["--bptt", "0"], "--bptt must be an integer from 1 to 1048576, got 0"),
            (["--bptt", "1048576", "--batch-size", "1048576"], "--bptt × --batch-size must be at most 16777216, got 1048576 × 1048576"),
        ]
        for (extra, message) in cases {
            let r = try micronet(["eval"] + base + extra)
            XCTAssertEqual(r.status, 2, "\(extra)")
            XCTAssertEqual(r.err, "micronet: error: \(message)\n")
        }
    }

    func testAFIFOAsVocabularyOrTextIsAnErrorNotAHang() throws {
        let fifo = NSTemporaryDirectory() + "/lstm-eval-fifo-\(getpid())"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        let a = try micronet(["eval", fixture("lstm/plain-full-legacy.pt"), "--text", fixture("lstm/corpus/test.txt"), "--vocab", fifo])
        XCTAssertEqual(a.status, 2)
        XCTAssertTrue(a.err.contains("\(fifo): is a FIFO (named pipe), not a vocabulary file"), a.err)
        let b = try micronet(["eval", fixture("lstm/plain-full-legacy.pt"), "--text", fifo, "--vocab", fixture("lstm/vocab.txt")])
        XCTAssertEqual(b.status, 2)
        XCTAssertTrue(b.err.contains("\(fifo): is a FIFO (named pipe), expected a regular file"), b.err)
    }
}
