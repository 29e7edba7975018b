import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `micronet report` and `count --format svg`: the page parses as XML and its numbers are `count`'s.
final class ReportCommandTests: XCTestCase {
    private func countJSON(_ arguments: [String]) throws -> [String: Any] {
        let r = try MicronetProcess.run(["count"] + arguments + ["--format", "json"])
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stderr)
    }

    private func page(_ arguments: [String]) throws -> (String, XMLDocument) {
        let r = try MicronetProcess.run(["report"] + arguments + ["-o", "-"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return (r.stdout, try XMLDocument(data: Data(r.stdout.utf8)))
    }

    private func nodes(_ doc: XMLDocument, _ xpath: String) throws -> [XMLElement] {
        try doc.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    /// Every figure of the count table, by row name and field, from `data-value` attributes.
    private func table(_ doc: XMLDocument) throws -> [String: [String: Double]] {
        var rows: [String: [String: Double]] = [:]
        for tr in try nodes(doc, "//*[@id='count-table']//*[local-name()='tr'][@data-name]") {
            let name = try XCTUnwrap(tr.attr("data-name"))
            for td in try nodes(tr, "./*[@data-field]") {
                rows[name, default: [:]][td.attr("data-field")!] = Double(td.attr("data-value")!)
            }
        }
        return rows
    }

    private func nodes(_ element: XMLElement, _ xpath: String) throws -> [XMLElement] {
        try element.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    func testPageNumbersEqualCountJSON() throws {
        for (model, extra) in [("qrnn-wt103", [String]()), ("reference-example", ["--sparsity", "0.5"]),
                               (MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/count/pruned_awd.pt").path, [])] {
            let count = try countJSON([model, "--input-bits", "16"] + extra)
            let (html, doc) = try page([model, "--input-bits", "16", "--track", "wikitext103"] + extra)
            let figures = try table(doc)
            let rows = try XCTUnwrap(count["rows"] as? [[String: Any]])
            XCTAssertEqual(figures.count, rows.count + 1, model)
            for row in rows + [(count["total"] as! [String: Any]).merging(["name": "total"]) { a, _ in a }] {
                let name = row["name"] as! String
                for field in ["params_mbytes", "mults_m", "adds_m", "mflops", "params", "mults", "adds"] {
                    // Foundation's JSON parser can be off in the last digit: equal to 1e-13, relative.
                    let expected = try XCTUnwrap((row[field] as? NSNumber)?.doubleValue)
                    XCTAssertEqual(try XCTUnwrap(figures[name]?[field]), expected, accuracy: abs(expected) * 1e-13, "\(model) \(name) \(field)")
                }
            }
            let total = count["total"] as! [String: Any]
            let headline = try XCTUnwrap(try nodes(doc, "//*[@id='total']").first)
            XCTAssertEqual(headline.attr("data-params").flatMap(Double.init), (total["params"] as? NSNumber)?.doubleValue)
            // Self-contained: nothing to fetch, nothing to run.
            for needle in ["<script", "<link", "http://", "https://", "@import", "url("] {
                XCTAssertFalse(html.contains(needle) && !html.contains("xmlns=\"http://www.w3.org"), "\(model): \(needle)")
            }
            XCTAssertFalse(html.replacingOccurrences(of: "http://www.w3.org/1999/xhtml", with: "")
                .replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"), model)
        }
    }

    func testScoreAgainstBaselineAndLeaderboard() throws {
        let (_, doc) = try page(["qrnn-wt103"])
        XCTAssertEqual(try nodes(doc, "//*[@id='baseline']").first?.attr("data-track"), "wikitext103")
        let score = try XCTUnwrap(try nodes(doc, "//*[@id='score-table']//*[@data-field='score']").first?.attr("data-value"))
        XCTAssertEqual(score, "0.8231511556603774", "the score command's value")
        let entries = try nodes(doc, "//*[@id='leaderboard']//*[@data-field='entry_score']").compactMap { $0.attr("data-value") }
        XCTAssertEqual(entries, ["0.0475", "0.0482", "0.0485", "0.1657", "0.8232"], "counting.md §6, WikiText-103")
        // 0.82315… is just under JNLP's rounded 0.8232: fifth of six.
        XCTAssertEqual(try nodes(doc, "//*[@id='place']").first?.attr("data-place"), "5")
        // Every op's bits and sparsity: the seed's 8 ops at the freebie.
        let ops = try nodes(doc, "//*[@id='precision-table']//*[local-name()='tr'][@data-name]")
        XCTAssertEqual(ops.count, 8)
        for op in ops {
            XCTAssertEqual(try nodes(op, "./*[@data-field='param_bits']").first?.attr("data-value"), "16")
            XCTAssertEqual(try nodes(op, "./*[@data-field='accumulator_bits']").first?.attr("data-value"), "32")
        }
    }

    func testMeasuredSparsityShowsPerOp() throws {
        let model = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/count/pruned_awd.pt").path
        let (_, doc) = try page([model, "--track", "wikitext103"])
        let embedding = try XCTUnwrap(try nodes(doc, "//*[@id='precision-table']//*[@data-name='embedding']/*[@data-field='sparsity']").first)
        XCTAssertEqual(embedding.attr("data-value"), "0.5", "the fixture's encoder is half zeros")
    }

    func testWritesTheFileAndSaysSo() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID()).html")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try MicronetProcess.run(["report", "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("wrote \(out.path)") && r.stderr.contains("104,905,335 parameters"), r.stderr)
        XCTAssertNoThrow(try XMLDocument(contentsOf: out))
    }

    func testCountSVGIsTheChartWithCountsFigures() throws {
        let r = try MicronetProcess.run(["count", "reference-example", "--format", "svg"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XMLDocument(data: Data(r.stdout.utf8))
        XCTAssertEqual(doc.rootElement()?.name, "svg")
        let count = try countJSON(["reference-example", "--no-summarize-blocks"])
        let rows = try XCTUnwrap(count["rows"] as? [[String: Any]])
        let bars = try nodes(doc, "//*[@class='bar']")
        // Per block (6 top-level entries), then per op (10 ops).
        XCTAssertEqual(bars.count, 6 + 10)
        let opRows = rows.filter { $0["kind"] as? String == "op" }
        for (bar, row) in zip(bars.suffix(10), opRows) {
            let printed = (row["block"] as? String).map { "\($0)_\(row["name"] as! String)" } ?? row["name"] as! String
            XCTAssertEqual(bar.attr("data-name"), printed)
            for (attribute, field) in [("data-params-mbytes", "params_mbytes"), ("data-mflops", "mflops")] {
                let expected = try XCTUnwrap((row[field] as? NSNumber)?.doubleValue)
                XCTAssertEqual(try XCTUnwrap(bar.attr(attribute).flatMap(Double.init)), expected, accuracy: abs(expected) * 1e-13, printed)
            }
        }
    }
}

extension XMLElement {
    /// An attribute's value by name (corelibs' attribute(forName:) misses attributes of namespaced elements).
    func attr(_ name: String) -> String? {
        attributes?.first { $0.name == name || $0.localName == name }?.stringValue
    }
}

/// `micronet diff A B`: its differences are the differences of `count`'s own figures.
final class DiffCommandTests: XCTestCase {
    private func json(_ arguments: [String]) throws -> [String: Any] {
        let r = try MicronetProcess.run(arguments)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stderr)
    }

    func testDiffOfTwoPresetsIsTheDifferenceOfTheirCounts() throws {
        let a = try json(["count", "qrnn-wt103-default", "--input-bits", "16", "--no-summarize-blocks", "--format", "json"])
        let b = try json(["count", "qrnn-wt103", "--input-bits", "16", "--no-summarize-blocks", "--format", "json"])
        let diff = try json(["diff", "qrnn-wt103-default", "qrnn-wt103", "--format", "json"])
        let ops = try XCTUnwrap(diff["ops"] as? [[String: Any]])
        func figures(_ count: [String: Any]) -> [String: [String: Any]] {
            Dictionary(uniqueKeysWithValues: (count["rows"] as! [[String: Any]]).filter { $0["kind"] as? String == "op" }.map { row in
                ((row["block"] as? String).map { "\($0)_\(row["name"] as! String)" } ?? row["name"] as! String, row)
            })
        }
        let fa = figures(a), fb = figures(b)
        XCTAssertEqual(Set(ops.map { $0["name"] as! String }), Set(fa.keys))
        for op in ops {
            let name = op["name"] as! String, delta = op["delta"] as! [String: Any]
            for field in ["params", "mults", "adds"] {
                let expected = (fb[name]![field] as! NSNumber).doubleValue - (fa[name]![field] as! NSNumber).doubleValue
                XCTAssertEqual((delta[field] as! NSNumber).doubleValue, expected, "\(name) \(field)")
            }
        }
        let sideB = try XCTUnwrap((diff["b"] as? [String: Any])?["totals"] as? [String: Any])
        XCTAssertEqual((sideB["score"] as? NSNumber)?.doubleValue, 0.8231511556603774, "the score command's value")
        XCTAssertEqual((diff["a"] as? [String: Any])?["track"] as? String, "wikitext103")
        let total = try XCTUnwrap((diff["total"] as? [String: Any])?["delta"] as? [String: Any])
        XCTAssertEqual((total["params"] as? NSNumber)?.doubleValue, 104_905_335 - 153_885_435)
    }

    func testTableShowsTotalsAndChangedRows() throws {
        let r = try MicronetProcess.run(["diff", "qrnn-wt103-default", "qrnn-wt103"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("A: qrnn-wt103-default: 153,885,435 parameters"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\nB: qrnn-wt103: 104,905,335 parameters (209.811 MB), 104,939,535 mults, 104,386,965 adds, 156.857 MFLOPS, score 0.8232"), r.stdout)
        XCTAssertTrue(r.stdout.contains("total              -48,980,100  -48,993,300  -48,986,700  -73.483  -0.3851"), r.stdout)
    }

    func testModelsOfDifferentTracksNeedABaseline() throws {
        let r = try MicronetProcess.run(["diff", "qrnn-wt103", "reference-example"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("give --track or --baseline"), r.stderr)
        XCTAssertEqual(try MicronetProcess.run(["diff", "qrnn-wt103", "reference-example", "--track", "imagenet"]).status, 0)
        XCTAssertEqual(try MicronetProcess.run(["diff", "qrnn-wt103", "nowhere.json"]).status, 2)
        // Either way round: a model whose track cannot be told (16×16×3) is not scored on the other's track.
        let cifar = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/onnx/convzoo_ts13.onnx").path
        let small = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/onnx/plainnet_ts13.onnx").path
        for (a, b) in [(cifar, small), (small, cifar)] {
            let r = try MicronetProcess.run(["diff", a, b])
            XCTAssertEqual(r.status, 2, "\(a) vs \(b): \(r.stdout)")
            XCTAssertTrue(r.stderr.contains("cannot tell which track"), r.stderr)
        }
        XCTAssertEqual(try MicronetProcess.run(["diff", small, cifar, "--track", "cifar100"]).status, 0)
    }
}
