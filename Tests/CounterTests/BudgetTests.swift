import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import Graph
@testable import Counter

final class BudgetTests: XCTestCase {
    private func parse(_ text: String) throws -> Budget { try BudgetFile.parse(text, path: "/tmp/b/micronet.budget.yml") }

    private func rejection(_ text: String, line: UInt = #line) -> BudgetFileError? {
        do { _ = try parse(text); XCTFail("accepted", line: line); return nil } catch let e as BudgetFileError { return e } catch {
            XCTFail("\(error)", line: line); return nil
        }
    }

    func testParsesEveryLimitFormAndItsLine() throws {
        let budget = try parse("""
        models:
          - name: seed
            model: seed.pt
            settings: {input_bits: 16, convention: full}
            limits:
              params: 104_905_335
              mflops: {max: 157, tolerance: 1%}
              adds_m: {max: 105, tolerance: 0.5}
              score: {max: 0.7, baseline: 153886638, baseline_ops: 300000000}
              perplexity: {max: 35, text: data/test.txt, vocab: vocab.txt, bptt: 70}
        """)
        let m = budget.models[0]
        XCTAssertEqual(m.model, "/tmp/b/seed.pt")
        XCTAssertEqual(m.settings, CountSettings(paramBits: 16, inputBits: 16, accumulatorBits: 32, convention: .full))
        XCTAssertEqual(m.limits.map(\.metric), [.params, .mflops, .addsM, .score, .perplexity])
        XCTAssertEqual(m.limits.map(\.line), [6, 7, 8, 9, 10])
        XCTAssertEqual(m.limits[0].max, 104_905_335)
        XCTAssertEqual(m.limits[1].tolerance, .percent(1))
        XCTAssertEqual(m.limits[1].ceiling, 158.57)
        XCTAssertEqual(m.limits[2].ceiling, 105.5)
        XCTAssertEqual(m.limits[3].baselineParams, 153_886_638)
        XCTAssertNil(m.limits[3].track)
        XCTAssertEqual(m.limits[4].evaluation, EvaluationSpec(text: "/tmp/b/data/test.txt", vocab: "/tmp/b/vocab.txt", bptt: 70))
    }

    func testJSONBudgetsReadTheSame() throws {
        let json = try parse(#"{"models": [{"name": "m", "model": "graph.json", "limits": {"mults": 10}}]}"#)
        XCTAssertEqual(json.models[0].model, "/tmp/b/graph.json")
        XCTAssertEqual(json.models[0].limits[0].metric, .mults)
    }

    func testToleranceEdgeHoldsExactlyAtTheCeiling() {
        let limit = BudgetLimit(metric: .mflops, max: 100, tolerance: .absolute(2), line: 3)
        let budget = Budget(path: "b.yml", models: [BudgetModel(name: "m", model: "p", line: 1, settings: CountSettings(), graph: nil, limits: [limit])])
        func status(_ v: Double) -> BudgetStatus { BudgetCheck.evaluate(budget, measured: ["m": [.mflops: v]], accepted: nil)[0].status }
        XCTAssertEqual(status(102), .pass)
        XCTAssertEqual(status(102.000001), .exceeded)
        XCTAssertEqual(status(99), .pass)
        XCTAssertEqual(Tolerance.percent(10).ceiling(for: 50), 55)
    }

    func testChangeIsAgainstTheAcceptedFigure() {
        let limit = BudgetLimit(metric: .params, max: 200, tolerance: nil, line: 3)
        let budget = Budget(path: "b.yml", models: [BudgetModel(name: "m", model: "p", line: 1, settings: CountSettings(), graph: nil, limits: [limit])])
        let r = BudgetCheck.evaluate(budget, measured: ["m": [.params: 110]], accepted: BudgetLock(figures: ["m": ["params": 100]]))[0]
        XCTAssertEqual(r.accepted, 100)
        XCTAssertEqual(r.changePercent, 10)
        XCTAssertEqual(BudgetCheck.evaluate(budget, measured: [:], accepted: nil)[0].status, .skipped)
    }

    func testRejectsUnknownFieldsWithTheirLine() {
        let e = rejection("models:\n  - model: qrnn-wt103\n    limits:\n      flops: 3\n")
        XCTAssertEqual(e?.line, 4)
        XCTAssertTrue(e?.problem.contains("unknown field 'flops'") ?? false, e?.description ?? "")
        XCTAssertEqual(rejection("models:\n  - model: m\n    colour: red\n    limits: {params: 1}\n")?.line, 3)
    }

    func testRejectsMalformedLimits() {
        XCTAssertTrue(rejection("models:\n  - model: m\n    limits: {params: lots}\n")?.problem.contains("must be a number") ?? false)
        XCTAssertTrue(rejection("models:\n  - model: m\n    limits: {mflops: {tolerance: 1%}}\n")?.problem.contains("'max' missing") ?? false)
        XCTAssertTrue(rejection("models:\n  - model: m\n    limits: {mflops: {max: 1, tolerance: -2}}\n")?.problem.contains("non-negative") ?? false)
        XCTAssertTrue(rejection("models:\n  - model: m\n    limits: {score: {max: 1, track: mnist}}\n")?.problem.contains("unknown track") ?? false)
        XCTAssertTrue(rejection("models:\n  - model: m\n    limits: {score: {max: 1, baseline: 5}}\n")?.problem.contains("baseline_ops") ?? false)
        XCTAssertTrue(rejection("models:\n  - model: m\n    limits: {perplexity: 35}\n")?.problem.contains("text, vocab") ?? false)
        XCTAssertTrue(rejection("models:\n  - model: m\n    limits: {}\n")?.problem.contains("empty") ?? false)
        XCTAssertTrue(rejection("models:\n  - model: m\n")?.problem.contains("'limits' missing") ?? false)
        XCTAssertTrue(rejection("models: [\n")?.problem.contains("not valid YAML") ?? false)
        XCTAssertTrue(rejection("models:\n  - model: m\n    settings: {sparsity: 1}\n    limits: {params: 1}\n")?.problem.contains("[0, 1)") ?? false)
    }

    func testLockWriteReplacesTheOldFileAndLeavesNoTemporary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let limit = BudgetLimit(metric: .params, max: 1, tolerance: nil, line: 1)
        let budget = Budget(path: dir.appendingPathComponent("b.yml").path,
                            models: [BudgetModel(name: "m", model: "p", line: 1, settings: CountSettings(), graph: nil, limits: [limit])])
        let path = BudgetLock.path(forBudget: budget.path)
        XCTAssertEqual(path, dir.appendingPathComponent("b.lock.json").path)
        try BudgetLock(figures: ["m": ["params": 5]]).write(path: path, order: budget)
        try BudgetLock(figures: ["m": ["params": 7]]).write(path: path, order: budget)
        XCTAssertEqual(try BudgetLock.read(path: path), BudgetLock(figures: ["m": ["params": 7]]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["b.lock.json"])
    }

    // Issue 9: numbers that once trapped while the file was read are range errors naming line and column.
    func testEveryNumberIsRangeCheckedAtParse() {
        let cases: [(String, String)] = [
            ("perplexity: {max: 35, text: t, vocab: v, bptt: 1e300}", "'bptt' must be a whole number from 1 to 100,000, got 1e+300"),
            ("perplexity: {max: 35, text: t, vocab: v, batch_size: 1e30}", "'batch_size' must be a whole number from 1 to 100,000"),
            ("perplexity: {max: 35, text: t, vocab: v, bptt: 0}", "'bptt' must be a whole number from 1 to 100,000, got 0"),
            ("perplexity: {max: 35, text: t, vocab: v, bptt: 2.5}", "'bptt' must be a whole number"),
            ("params: {max: .inf}", "must be a number"),
            ("params: {max: 1, tolerance: .nan}", "non-negative number or a percentage"),
            ("params: {max: 1, tolerance: 1e999%}", "non-negative number or a percentage"),
            ("params: {max: 1, max_growth: -1%}", "non-negative number or a percentage"),
            ("score: {max: 1, baseline: 1e-300, baseline_ops: 5}", "'baseline' must be a finite number of at least 1, got 1e-300"),
        ]
        for (limit, needle) in cases {
            let e = rejection("models:\n  - model: m.pt\n    limits:\n      \(limit)\n")
            XCTAssertTrue(e?.problem.contains(needle) ?? false, "\(limit): \(e?.description ?? "accepted")")
            XCTAssertEqual(e?.line, 4, limit)
            XCTAssertNotNil(e?.column, limit)
        }
        for bits in ["param_bits: 1e300", "input_bits: 0", "accumulator_bits: 65", "add_bits_base: 1.5", "mul_bits_base: -8"] {
            let e = rejection("models:\n  - model: m\n    settings: {\(bits)}\n    limits: {params: 1}\n")
            XCTAssertTrue(e?.problem.contains("must be an integer from 1 to 64") ?? false, e?.description ?? bits)
            XCTAssertEqual(e?.line, 3, bits)
        }
    }

    func testErrorsNameLineAndColumn() {
        let e = rejection("models:\n  - model: m\n    limits: {params: 1, flops: 3}\n")
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 25)
        XCTAssertEqual(e?.description.hasPrefix("/tmp/b/micronet.budget.yml:3:25: "), true, e?.description ?? "")
        // A syntax error in JSON, too.
        let j = rejection("{\"models\": [{\"model\": \"m\",\n  \"limits\": {\"params\": 1}}}\n")
        XCTAssertEqual(j?.line, 2, j?.description ?? "")
        XCTAssertNotNil(j?.column)
        XCTAssertTrue(j?.problem.hasPrefix("not valid YAML or JSON: ") ?? false, j?.description ?? "")
    }

    func testPerplexityOnAPresetIsRefusedWhereItIsWritten() {
        let e = rejection("models:\n  - model: qrnn-wt103\n    limits:\n      params: 1\n      perplexity: {max: 35, text: t, vocab: v}\n")
        XCTAssertEqual(e?.line, 5)
        XCTAssertEqual(e?.column, 19)
        XCTAssertTrue(e?.problem.contains("'qrnn-wt103' is a preset") ?? false, e?.description ?? "")
    }

    // Issue 9: 100,000 keys in one mapping must be checked in linear time (the quadratic scan took minutes).
    func testDuplicateKeyCheckIsLinear() {
        var text = "models:\n  - model: m\n    limits:\n"
        for i in 0..<100_000 { text += "      k\(i): 1\n" }
        text += "      k7: 2\n"
        let start = Date()
        let e = rejection(text)
        XCTAssertEqual(e?.problem, "not valid YAML or JSON: key 'k7' appears twice in one mapping")
        XCTAssertEqual(e?.line, 11, "the first k7")
        XCTAssertEqual(e?.column, 7)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    func testMaxGrowthFailsACreepUnderTheHardLimit() throws {
        let budget = try parse("""
        models:
          - model: m
            max_growth: 1%
            limits:
              params: 1000
              mults: {max: 1000, max_growth: 5}
        """)
        let limits = budget.models[0].limits
        XCTAssertEqual(limits.map(\.maxGrowth), [.percent(1), .absolute(5)])
        let lock = BudgetLock(figures: ["m": ["params": 500, "mults": 500]])
        func statuses(_ params: Double, _ mults: Double, _ accepted: BudgetLock?) -> [BudgetStatus] {
            BudgetCheck.evaluate(budget, measured: ["m": [.params: params, .mults: mults]], accepted: accepted).map(\.status)
        }
        XCTAssertEqual(statuses(505, 505, lock), [.pass, .pass], "exactly at the growth ceilings")
        XCTAssertEqual(statuses(506, 506, lock), [.grew, .grew])
        XCTAssertEqual(statuses(1001, 400, lock), [.exceeded, .pass], "the hard limit wins")
        XCTAssertEqual(statuses(900, 900, nil), [.pass, .pass], "nothing locked yet: no growth to measure")
        let report = BudgetReport(budgetPath: "b.yml", results: BudgetCheck.evaluate(
            budget, measured: ["m": [.params: 510, .mults: 500]], accepted: lock))
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.message(report.results[0]), "m: params 510 grew more than 1% over its accepted 500 (+2.00%)")
        XCTAssertTrue(report.text().contains("1 held, 0 exceeded, 1 grew past max_growth"), report.text())
    }

    // Issue 9: XML 1.0 cannot carry C0 controls even as character references; they become U+FFFD.
    func testJUnitReplacesControlCharactersAndStaysValidXML() throws {
        let name = "m\u{1}o\u{1B}[31md\u{0}el<&>\""
        let limit = BudgetLimit(metric: .params, max: 1, tolerance: nil, line: 3)
        let budget = Budget(path: "b\u{7}.yml", models: [BudgetModel(name: name, model: "p", line: 1, settings: CountSettings(), graph: nil, limits: [limit])])
        let report = BudgetReport(budgetPath: budget.path, results: BudgetCheck.evaluate(budget, measured: [name: [.params: 2]], accepted: nil))
        let xml = report.junit()
        XCTAssertFalse(xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, xml)
        let doc = try XMLDocument(data: Data(xml.utf8))
        let testcase = try XCTUnwrap(try doc.nodes(forXPath: "//testcase").first as? XMLElement)
        XCTAssertEqual(testcase.attribute(forName: "classname")?.stringValue, "m\u{FFFD}o\u{FFFD}[31md\u{FFFD}el<&>\"")
        XCTAssertEqual(try doc.nodes(forXPath: "//testcase/failure").count, 1)
    }

    // Issue 9: a model name from the budget file never sends escape codes to a terminal or a CI log.
    func testTextFormatsReplaceControlCharacters() {
        let name = "m\u{1B}[31mo\u{9B}del\u{7F}"
        let limit = BudgetLimit(metric: .params, max: 1, tolerance: nil, line: 3)
        let budget = Budget(path: "b\u{1B}.yml", models: [BudgetModel(name: name, model: "p", line: 1, settings: CountSettings(), graph: nil, limits: [limit])])
        let report = BudgetReport(budgetPath: budget.path, results: BudgetCheck.evaluate(budget, measured: [name: [.params: 2]], accepted: nil))
        for out in [report.text(), report.markdown(), report.github()] {
            XCTAssertFalse(out.unicodeScalars.contains { BudgetReport.isControl($0) && $0 != "\n" }, out)
            XCTAssertTrue(out.contains("m\u{FFFD}[31mo\u{FFFD}del\u{FFFD}"), out)
        }
    }

    func testLockFileErrorsNameLineAndColumn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("b.lock.json").path
        try #"{"version": 1, "accepted": {"m": {"params": "many"}}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BudgetLock.read(path: path)) { error in
            let e = error as? BudgetFileError
            XCTAssertEqual(e?.line, 1)
            XCTAssertEqual(e?.column, 45)
            XCTAssertTrue(e?.problem.contains("finite numbers") ?? false, "\(error)")
        }
        try "{\"version\": 1,\n \"accepted\": {\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BudgetLock.read(path: path)) { error in
            XCTAssertNotNil((error as? BudgetFileError)?.column, "\(error)")
        }
    }
}
