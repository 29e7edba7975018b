import Counter
import Foundation
import Graph

/// One self-contained HTML page about a model: its count, charts, score and per-op precision.
///
/// The page is well-formed XHTML (it parses as XML) with inline CSS and SVG: no scripts, fonts or
/// anything else fetched, so it opens offline and can be checked by a parser. Every figure also sits
/// unrounded in a `data-value` attribute beside its printed form.
public struct HTMLReport: Sendable {
    public var modelName: String
    /// The count as `micronet count` prints it (blocks summarized).
    public var report: CountReport
    /// The same count with every op of a block on its own row.
    public var opReport: CountReport
    public var graph: OpGraph
    public var score: Score
    /// Lines the count printed under its table (measured sparsity and the like).
    public var notes: [String]
    /// One line saying how these settings differ from another command's default, if they do.
    public var defaultsNote: String?

    /// Creates a report page.
    public init(modelName: String, report: CountReport, opReport: CountReport, graph: OpGraph, score: Score,
                notes: [String] = [], defaultsNote: String? = nil) {
        self.modelName = modelName
        self.report = report
        self.opReport = opReport
        self.graph = graph
        self.score = score
        self.notes = notes
        self.defaultsNote = defaultsNote
    }

    /// The whole page.
    public func html() -> String {
        var page = """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="generator" content="micronet report"/>
        <title>micronet report: \(escaped(modelName))</title>
        <style>\(Self.css)</style>
        </head>
        <body>

        """
        page += header() + countTable() + charts() + scoreSection() + precisionTable()
        page += "<footer><p>Written by <code>micronet report</code>. Leaderboard figures: \(escaped(Leaderboard.source)). "
            + "Counting follows the reference counter (google-research micronet_challenge/counting.py).</p></footer>\n"
        page += "</body>\n</html>\n"
        return page
    }

    static let css = """
    body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1160px;padding:0 1em;color:#1b1b1b}
    .wide{overflow-x:auto}
    h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
    table{border-collapse:collapse;font-size:13px;margin:.5em 0}
    th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
    th:first-child,td:first-child,td.text,th.text{text-align:left}
    tr.total td{font-weight:bold;border-top:2px solid #999}
    tr.you td{background:#fff4d6;font-weight:bold}
    td.sub{padding-left:1.5em;color:#555}
    .totals{font-size:1.1em}.totals b{font-size:1.2em}
    .note{color:#555;font-size:13px}code{font-size:13px}
    svg{max-width:100%;height:auto}
    """

    private func header() -> String {
        let t = report.total, s = report.totalScaled
        var h = "<h1>micronet report: \(escaped(modelName))</h1>\n"
        h += "<p class=\"totals\" id=\"total\" data-params=\"\(exact(t.params))\" data-params-mbytes=\"\(exact(s.paramsMBytes))\" "
            + "data-mflops=\"\(exact(s.mflops))\">Total: <b>\(grouped(t.params, decimals: 3))</b> parameters, "
            + "<b>\(f3(s.paramsMBytes))</b> MBytes, <b>\(f3(s.mflops))</b> MFLOPS"
            + (score.score.map { ", score <b>\(String(format: "%.4f", $0))</b>" } ?? "") + "</p>\n"
        h += "<p>settings: <code id=\"settings\">\(escaped(report.settingsLine))</code></p>\n"
        if let defaultsNote { h += "<p class=\"note\">\(escaped(defaultsNote))</p>\n" }
        return h
    }

    private func cell(_ field: String, _ value: Double, _ text: String) -> String {
        "<td data-field=\"\(field)\" data-value=\"\(exact(value))\">\(text)</td>"
    }

    private func countTable() -> String {
        var h = "<h2 id=\"count\">Count</h2>\n<div class=\"wide\"><table id=\"count-table\">\n<thead><tr><th>op_name</th><th>inp_size</th>"
            + "<th>kernel_size</th><th>in channels</th><th>out channels</th><th>params(MBytes)</th><th>mults(M)</th>"
            + "<th>adds(M)</th><th>MFLOPS</th><th>params</th><th>mults</th><th>adds</th></tr></thead>\n<tbody>\n"
        func figures(_ c: OpCost, _ s: ScaledCost) -> String {
            cell("params_mbytes", s.paramsMBytes, f3(s.paramsMBytes)) + cell("mults_m", s.multsM, f3(s.multsM))
                + cell("adds_m", s.addsM, f3(s.addsM)) + cell("mflops", s.mflops, f3(s.mflops))
                + cell("params", c.params, grouped(c.params, decimals: 3)) + cell("mults", c.mults, grouped(c.mults, decimals: 3))
                + cell("adds", c.adds, grouped(c.adds, decimals: 3))
        }
        for row in report.rows {
            h += "<tr class=\"row\" data-name=\"\(escaped(row.name))\" data-kind=\"\(row.isBlock ? "block" : "op")\"><td>\(escaped(row.printedName))</td>"
                + row.info.map { "<td>\($0)</td>" }.joined() + figures(row.cost, row.scaled) + "</tr>\n"
        }
        h += "<tr class=\"total\" data-name=\"total\"><td>total</td><td></td><td></td><td></td><td></td>"
            + figures(report.total, report.totalScaled) + "</tr>\n</tbody>\n</table></div>\n"
        for note in notes { h += "<p class=\"note\">\(escaped(note))</p>\n" }
        return h
    }

    private func charts() -> String {
        let chart = BarChart(report: report, opReport: opReport, title: modelName)
        var h = "<h2 id=\"charts\">Params and ops</h2>\n"
        if chart.hasBlocks {
            h += "<figure>" + chart.svg(caption: "per block", bars: chart.perBlock) + "</figure>\n"
        }
        h += "<figure>" + chart.svg(caption: "per op", bars: chart.perOp) + "</figure>\n"
        return h
    }

    private func scoreSection() -> String {
        let i = score.input
        var h = "<h2 id=\"score\">Score</h2>\n"
        if let track = score.track {
            h += "<p id=\"baseline\" data-track=\"\(track.rawValue)\">Against the \(track.rawValue) baseline: "
                + "\(grouped(track.baselineParams)) parameters and \(grouped(track.baselineOps)) ops; an entry qualifies at "
                + "\(escaped(track.qualityBar)).</p>\n"
        } else {
            h += "<p id=\"baseline\">Against a given baseline of \(grouped(score.baselineParams)) parameters"
                + (score.baselineOps.map { " and \(grouped($0)) ops" } ?? "") + ".</p>\n"
        }
        h += "<table id=\"score-table\">\n<thead><tr><th>term</th><th>this model (32-bit equivalents)</th><th>baseline</th><th>term</th></tr></thead>\n<tbody>\n"
        h += "<tr><td>parameters</td><td>\(grouped(i.equivalentParams))</td><td>\(grouped(score.baselineParams))</td>"
            + cell("params_term", score.paramsTerm, String(format: "%.4f", score.paramsTerm)) + "</tr>\n"
        if let ops = score.opsTerm, let baseOps = score.baselineOps {
            h += "<tr><td>operations</td><td>\(grouped(i.equivalentOps))</td><td>\(grouped(baseOps))</td>"
                + cell("ops_term", ops, String(format: "%.4f", ops)) + "</tr>\n"
        }
        if let total = score.score {
            h += "<tr class=\"total\"><td>score</td><td></td><td></td>" + cell("score", total, String(format: "%.4f", total)) + "</tr>\n"
        }
        h += "</tbody>\n</table>\n"
        return h + leaderboard()
    }

    private func leaderboard() -> String {
        guard let track = score.track, let mine = score.score else {
            return "<p class=\"note\">No track, so no leaderboard to compare with (give --track to compare).</p>\n"
        }
        let entries = Leaderboard.entries(for: track)
        let place = Leaderboard.place(of: mine, on: track)
        var h = "<h3>Against the challenge's \(track.rawValue) leaderboard</h3>\n"
        h += "<p id=\"place\" data-place=\"\(place)\">This model's score would place \(ordinal(place)) of \(entries.count + 1)"
            + (Leaderboard.isComplete(track) ? "" : " among the top entries listed") + ".</p>\n"
        h += "<table id=\"leaderboard\">\n<thead><tr><th>entry</th><th>affiliation</th><th>score</th><th>this model / entry</th></tr></thead>\n<tbody>\n"
        var rows = entries.map { e in
            "<tr><td>\(escaped(e.entry))</td><td>\(escaped(e.affiliation))</td>" + cell("entry_score", e.score, String(format: "%.4f", e.score))
                + "<td>\(String(format: "%.2f×", mine / e.score))</td></tr>\n"
        }
        rows.insert("<tr class=\"you\"><td>this model</td><td></td>" + cell("score", mine, String(format: "%.4f", mine)) + "<td>1.00×</td></tr>\n",
                    at: place - 1)
        h += rows.joined() + "</tbody>\n</table>\n"
        h += "<p class=\"note\">Source: \(escaped(Leaderboard.source)); lower is better.</p>\n"
        return h
    }

    private func precisionTable() -> String {
        var h = "<h2 id=\"precision\">Bits and sparsity of every op</h2>\n<table id=\"precision-table\">\n<thead><tr><th>op</th>"
            + "<th class=\"text\">block</th><th class=\"text\">type</th><th>param bits</th><th>mult input bits</th><th>accumulator bits</th><th>sparsity</th>"
            + "<th>params(MBytes)</th></tr></thead>\n<tbody>\n"
        let costs = Dictionary(opReport.rows.filter { !$0.isBlock }.map { ($0.printedName, $0) }, uniquingKeysWith: { a, _ in a })
        for (block, op) in graph.allOps {
            let precision = OpPrecision(op, settings: report.settings)
            let printed = block.map { "\($0)_\(op.name)" } ?? op.name
            h += "<tr class=\"op\" data-name=\"\(escaped(op.name))\"><td>\(escaped(op.name))</td><td class=\"text\">\(escaped(block ?? ""))</td>"
                + "<td class=\"text\">\(op.op.typeName)</td>" + cell("param_bits", precision.paramBits, exact(precision.paramBits))
                + cell("input_bits", precision.inputBits, exact(precision.inputBits))
                + cell("accumulator_bits", precision.accumulatorBits, exact(precision.accumulatorBits))
                + cell("sparsity", precision.sparsity, op.op.hasWeights ? String(format: "%.2f%%", precision.sparsity * 100) + precision.sparsitySource : "–")
                + (costs[printed].map { cell("params_mbytes", $0.scaled.paramsMBytes, f3($0.scaled.paramsMBytes)) } ?? "<td></td>")
                + "</tr>\n"
        }
        return h + "</tbody>\n</table>\n"
    }

    private func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}

/// The bits and sparsity an op is counted with.
public struct OpPrecision: Equatable, Sendable {
    public var paramBits: Double
    public var inputBits: Double
    public var accumulatorBits: Double
    public var sparsity: Double
    /// " (own)" when the op carries its own sparsity (measured or written in the graph), else " (global)".
    public var sparsitySource: String

    /// The op's own values where it has them, the count's settings otherwise.
    public init(_ op: NamedOp, settings: CountSettings) {
        paramBits = op.bits.param.map(Double.init) ?? settings.paramBits
        inputBits = op.bits.input.map(Double.init) ?? settings.inputBits
        accumulatorBits = op.bits.accumulator.map(Double.init) ?? settings.accumulatorBits
        sparsity = op.sparsity ?? settings.sparsity
        sparsitySource = op.sparsity == nil ? " (global)" : " (own)"
    }
}
