import Foundation
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
            model: qrnn-wt103
            settings: {input_bits: 16, convention: full}
            limits:
              params: 104_905_335
              mflops: {max: 157, tolerance: 1%}
              adds_m: {max: 105, tolerance: 0.5}
              score: {max: 0.7, baseline: 153886638, baseline_ops: 300000000}
              perplexity: {max: 35, text: data/test.txt, vocab: vocab.txt, bptt: 70}
        """)
        let m = budget.models[0]
        XCTAssertEqual(m.model, "qrnn-wt103")
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
}
