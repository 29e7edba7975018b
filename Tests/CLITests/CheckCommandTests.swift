import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

final class CheckCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func budget(_ text: String, name: String = "micronet.budget.yml") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private let holding = """
    models:
      - name: seed
        model: qrnn-wt103
        settings: {input_bits: 16}
        limits:
          params: 104905335
          mflops: {max: 156, tolerance: 1%}
          score: {max: 0.8232, track: wikitext103}
    """

    private let exceeding = """
    models:
      - name: seed
        model: qrnn-wt103
        settings: {input_bits: 16}
        limits:
          params: 104905335
          mflops: {max: 150, tolerance: 1%}
    """

    func testPassingBudgetExitsZeroFromTheDefaultFile() throws {
        _ = try budget(holding)
        let r = try MicronetProcess.run(["check"], currentDirectory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("seed   mflops    156.857  156 (+1%)         -       -  pass"), r.stdout)
        XCTAssertTrue(r.stdout.contains("3 held, 0 exceeded"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("micronet.budget.lock.json").path),
                       "no file is written without --update")
    }

    /// A score limit without a track or baseline scores on the track the model reads, as `score` does, and
    /// exits 2 at the limit's line when no track reads that input.
    func testScoreLimitTakesItsTrackFromTheModel() throws {
        let fixtures = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/onnx")
        // One model with a bare score limit (line 5 of the file).
        func scoreBudget(_ model: String, file: String) throws -> URL {
            try budget("models:\n  - name: m\n    model: \(fixtures.appendingPathComponent(model).path)\n    limits:\n      score: 1\n",
                       name: file)
        }
        let file = try scoreBudget("convzoo_ts13.onnx", file: "micronet.budget.yml")
        let r = try MicronetProcess.run(["check", file.path, "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        let direct = try MicronetProcess.run(["score", fixtures.appendingPathComponent("convzoo_ts13.onnx").path, "--input-bits", "32",
                                              "--format", "json"])
        let cifar = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(direct.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(cifar["track"] as? String, "cifar100")
        XCTAssertEqual(results.first?["measured"] as? Double, cifar["score"] as? Double)

        let undecided = try scoreBudget("plainnet_ts13.onnx", file: "small.yml")
        let u = try MicronetProcess.run(["check", undecided.path])
        XCTAssertEqual(u.status, 2)
        XCTAssertTrue(u.stderr.contains("small.yml:5:"), u.stderr)
        XCTAssertTrue(u.stderr.contains("cannot tell which track to score against: no track reads a 16×16×3 image"), u.stderr)
    }

    func testAcceptExceededNeedsUpdate() throws {
        let file = try budget(exceeding)
        let r = try MicronetProcess.run(["check", file.path, "--accept-exceeded"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--accept-exceeded only applies with --update"), r.stderr)
    }

    func testExceededBudgetExitsOne() throws {
        let file = try budget(exceeding)
        let r = try MicronetProcess.run(["check", file.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("EXCEEDED"), r.stdout)
    }

    func testGithubFormatAnnotatesTheLimitsLine() throws {
        let file = try budget(exceeding)
        let r = try MicronetProcess.run(["check", file.path, "--format", "github"])
        XCTAssertEqual(r.status, 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let pattern = try NSRegularExpression(pattern: #"^::(error|warning|notice)( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::.+$"#)
        for line in lines {
            XCTAssertNotNil(pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)), line)
        }
        let path = file.path.replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
        XCTAssertEqual(lines.first, "::error file=\(path),line=7,title=micronet budget::seed: mflops 156.857 exceeds its limit 150 (+1%25)")
    }

    func testJUnitParsesAsXMLWithOneCasePerModelAndMetric() throws {
        let file = try budget(exceeding)
        let r = try MicronetProcess.run(["check", file.path, "--format", "junit"])
        let doc = try XMLDocument(data: Data(r.stdout.utf8))
        let cases = try doc.nodes(forXPath: "//testcase")
        XCTAssertEqual(cases.count, 2)
        XCTAssertEqual(try doc.nodes(forXPath: "//testcase[@name='mflops']/failure").count, 1)
        XCTAssertEqual(try doc.nodes(forXPath: "//testcase[@name='params']/failure").count, 0)
    }

    func testJSONAndMarkdownFormats() throws {
        let file = try budget(holding)
        let j = try MicronetProcess.run(["check", file.path, "--format", "json"])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["passed"] as? Bool, true)
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["metric"] as? String }, ["params", "mflops", "score"])
        XCTAssertEqual(results[0]["measured"] as? Int, 104_905_335)
        XCTAssertEqual(results[1]["line"] as? Int, 7)
        let md = try MicronetProcess.run(["check", file.path, "--format", "markdown"]).stdout
        XCTAssertTrue(md.contains("| seed | params | 104905335 | 104905335 | - | - | pass |"), md)
    }

    func testStepSummaryGetsTheMarkdownTable() throws {
        let file = try budget(holding)
        let summary = dir.appendingPathComponent("summary.md")
        try "earlier step\n".write(to: summary, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["GITHUB_STEP_SUMMARY"] = summary.path
        _ = try MicronetProcess.run(["check", file.path], environment: env)
        let text = try String(contentsOf: summary, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("earlier step\n### micronet budget: all limits hold"), text)
    }

    func testUpdateRecordsAcceptedFiguresAndTheNextRunReportsDrift() throws {
        let file = try budget(holding)
        XCTAssertEqual(try MicronetProcess.run(["check", file.path, "--update"]).status, 0)
        let lock = dir.appendingPathComponent("micronet.budget.lock.json")
        let locked = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: lock)) as? [String: Any])
        XCTAssertEqual((locked["accepted"] as? [String: [String: Any]])?["seed"]?["params"] as? Int, 104_905_335)
        // Same model at 32-bit parameters: params unchanged, mflops drifts.
        try holding.replacingOccurrences(of: "{input_bits: 16}", with: "{input_bits: 16, param_bits: 32}")
            .write(to: file, atomically: true, encoding: .utf8)
        let r = try MicronetProcess.run(["check", file.path, "--format", "json"])
        let results = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        XCTAssertEqual(results[0]["change_percent"] as? Int, 0)
        XCTAssertEqual(results[0]["accepted"] as? Int, 104_905_335)
        XCTAssertEqual(r.status, 1, "the score at 32-bit parameters exceeds 0.8232")
    }

    func testKillDuringUpdateLeavesTheOldLockWhole() throws {
        let file = try budget(holding)
        let lock = dir.appendingPathComponent("micronet.budget.lock.json")
        let old = #"{"version": 1, "accepted": {"seed": {"params": 1}}}"# + "\n"
        try old.write(to: lock, atomically: false, encoding: .utf8)
        for attempt in 0..<12 {
            let process = Process()
            process.executableURL = MicronetProcess.binary
            process.arguments = ["check", file.path, "--update"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(attempt * 4_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = try String(contentsOf: lock, encoding: .utf8)
            let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            XCTAssertNotNil(json?["accepted"], "attempt \(attempt): the lock file is not whole: \(text)")
            XCTAssertTrue(text == old || text.contains("\"params\": 104905335"), text)
        }
    }

    func testUpdateRefusesToLockExceededFiguresUnlessAccepted() throws {
        let file = try budget(exceeding)
        let lock = dir.appendingPathComponent("micronet.budget.lock.json")
        let refused = try MicronetProcess.run(["check", file.path, "--update"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: lock.path), "no lock file at all")
        XCTAssertTrue(refused.stderr.contains("not updating") && refused.stderr.contains("seed mflops")
                      && refused.stderr.contains("--accept-exceeded"), refused.stderr)
        let accepted = try MicronetProcess.run(["check", file.path, "--update", "--accept-exceeded"])
        XCTAssertEqual(accepted.status, 1, "the limit is still exceeded")
        let locked = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: lock)) as? [String: Any])
        let mflops = try XCTUnwrap((locked["accepted"] as? [String: [String: Any]])?["seed"]?["mflops"] as? Double)
        XCTAssertEqual(mflops, 156.8567325, accuracy: 1e-9)
    }

    func testMaxGrowthFailsAgainstTheLockedFigures() throws {
        // Locked at 16-bit parameters; the same model at 17 bits grows 6.25% in MB, far under the hard limit.
        let text = """
        models:
          - name: seed
            model: qrnn-wt103
            settings: {input_bits: 16}
            limits:
              params_mbytes: {max: 1000, max_growth: 5%}
              mults: {max: 200000000, max_growth: 0}
        """
        let file = try budget(text)
        XCTAssertEqual(try MicronetProcess.run(["check", file.path, "--update"]).status, 0)
        try text.replacingOccurrences(of: "{input_bits: 16}", with: "{input_bits: 16, param_bits: 17}")
            .write(to: file, atomically: true, encoding: .utf8)
        let grew = try MicronetProcess.run(["check", file.path, "--format", "github"])
        XCTAssertEqual(grew.status, 1, grew.stdout)
        XCTAssertTrue(grew.stdout.contains("line=6,title=micronet budget::seed: params_mbytes 222.924 grew more than 5%25 over its accepted 209.811 (+6.25%25)"), grew.stdout)
        XCTAssertFalse(grew.stdout.contains("seed: mults"), "mults did not move")
        // --update accepts the growth.
        XCTAssertEqual(try MicronetProcess.run(["check", file.path, "--update"]).status, 0)
        XCTAssertEqual(try MicronetProcess.run(["check", file.path]).status, 0)
    }

    func testEvalErrorsNameTheLimitsLine() throws {
        let file = try budget("""
        models:
          - name: small
            model: \(MicronetProcess.repositoryRoot.path)/fixtures/qrnn/split-w211-b1-zip.pt
            limits:
              perplexity: {max: 35, text: missing.txt, vocab: missing.vocab}
        """)
        let r = try MicronetProcess.run(["check", file.path, "--with-eval"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("micronet: error: \(file.path):5:19: small: "), r.stderr)
    }

    func testBadInputExitsTwo() throws {
        let missing = try budget("models:\n  - model: nowhere/model.json\n    limits: {params: 1}\n", name: "missing.yml")
        let unknown = try budget("models:\n  - model: qrnn-wt103\n    limits: {flops: 1}\n", name: "unknown.yml")
        let malformed = try budget("models:\n  - model: qrnn-wt103\n    limits: {params: {max: many}}\n", name: "malformed.yml")
        for (file, needle) in [(missing, "no such file"), (unknown, "unknown field 'flops'"), (malformed, "must be a number")] {
            let r = try MicronetProcess.run(["check", file.path])
            XCTAssertEqual(r.status, 2, file.lastPathComponent)
            XCTAssertTrue(r.stderr.hasPrefix("micronet: error: ") && r.stderr.contains(needle), r.stderr)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        }
        let none = try MicronetProcess.run(["check"], currentDirectory: dir)
        XCTAssertEqual(none.status, 2)
    }
}

/// Perplexity limits: evaluated only with --with-eval, on a checkpoint made by real torch.
final class CheckPerplexityTests: XCTestCase {
    private func budget(max: Double) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("check-ppl-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let qrnn = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/qrnn").path
        let text = """
        models:
          - name: small-qrnn
            model: \(qrnn)/split-w211-b1-zip.pt
            limits:
              params: 100000
              perplexity: {max: \(max), text: \(qrnn)/corpus/test.txt, vocab: \(qrnn)/vocab.txt, bptt: 37}
        """
        let url = dir.appendingPathComponent("b.yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func results(_ r: MicronetProcess.Result) throws -> [[String: Any]] {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stderr)
        return try XCTUnwrap(json["results"] as? [[String: Any]])
    }

    func testPerplexityIsSkippedWithoutWithEval() throws {
        let r = try MicronetProcess.run(["check", try budget(max: 1).path, "--format", "json"])
        XCTAssertEqual(r.status, 0, "a skipped limit does not fail the check")
        XCTAssertEqual(try results(r)[1]["status"] as? String, "skipped")
    }

    func testPerplexityLimitHoldsAndFailsAroundTorchsValue() throws {
        // torch (fixtures/qrnn/expected.json): 565.2643585 in float32.
        let held = try MicronetProcess.run(["check", try budget(max: 565.27).path, "--with-eval", "--format", "json"])
        XCTAssertEqual(held.status, 0, held.stderr)
        let measured = try XCTUnwrap(try results(held)[1]["measured"] as? Double)
        XCTAssertEqual(measured, 565.2643585193762, accuracy: 565.26 * 1e-5)
        let failed = try MicronetProcess.run(["check", try budget(max: 565.26).path, "--with-eval", "--format", "json"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertEqual(try results(failed)[1]["status"] as? String, "exceeded")
    }
}

/// The README's budget example runs as written, from the repository's root, with and without --with-eval.
final class ReadmeBudgetExampleTests: XCTestCase {
    func testTheReadmeBudgetRunsAsWritten() throws {
        let root = MicronetProcess.repositoryRoot
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "## Budgets in CI: `micronet check`"))
        let fence = try XCTUnwrap(readme.range(of: "```yaml\n", range: section.upperBound..<readme.endIndex))
        let close = try XCTUnwrap(readme.range(of: "\n```\n", range: fence.upperBound..<readme.endIndex))
        let yaml = String(readme[fence.upperBound..<close.lowerBound])
        XCTAssertTrue(yaml.contains("graph:") && yaml.contains("max_growth:") && yaml.contains("perplexity:"))
        let name = ".readme-budget-\(UUID()).yml"
        let file = root.appendingPathComponent(name)
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(at: file)
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: BudgetLockPath.of(file.path)))
        }
        let plain = try MicronetProcess.run(["check", name], currentDirectory: root)
        XCTAssertEqual(plain.status, 0, plain.stdout + plain.stderr)
        let evaluated = try MicronetProcess.run(["check", name, "--with-eval", "--format", "json"], currentDirectory: root)
        XCTAssertEqual(evaluated.status, 0, evaluated.stdout + evaluated.stderr)
        XCTAssertTrue(evaluated.stdout.contains("\"metric\": \"perplexity\"") && !evaluated.stdout.contains("\"skipped\""), evaluated.stdout)
    }
}

private enum BudgetLockPath {
    static func of(_ budget: String) -> String { (budget as NSString).deletingPathExtension + ".lock.json" }
}
