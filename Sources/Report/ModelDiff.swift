import Counter
import Foundation
import Graph

/// The figures a diff compares for one op, block or model.
public struct DiffFigures: Equatable, Sendable {
    /// Stored parameter values.
    public var params: Double
    public var paramsMBytes: Double
    /// Raw multiplications and additions.
    public var mults: Double
    public var adds: Double
    public var mflops: Double
    /// The row's share of the score (its params and ops over the baseline's), or the model's score.
    public var score: Double?

    /// The figures of a counted row, scored against `baseline`.
    public init(cost: OpCost, scaled: ScaledCost, baseline: Score) {
        params = cost.params
        paramsMBytes = scaled.paramsMBytes
        mults = cost.mults
        adds = cost.adds
        mflops = scaled.mflops
        let input = ScoreInput(paramBits: cost.paramBits, multsM: scaled.multsM, addsM: scaled.addsM, params: cost.params)
        score = baseline.baselineOps.map { _ in
            Score(input, baselineParams: baseline.baselineParams, baselineOps: baseline.baselineOps).score ?? 0
        }
    }

    /// Creates figures.
    public init(params: Double, paramsMBytes: Double, mults: Double, adds: Double, mflops: Double, score: Double?) {
        self.params = params
        self.paramsMBytes = paramsMBytes
        self.mults = mults
        self.adds = adds
        self.mflops = mflops
        self.score = score
    }

    /// B − A; an absent side counts as zero.
    static func delta(_ a: DiffFigures?, _ b: DiffFigures?) -> DiffFigures {
        let zero = DiffFigures(params: 0, paramsMBytes: 0, mults: 0, adds: 0, mflops: 0, score: 0)
        let x = a ?? zero, y = b ?? zero
        let score: Double? = (x.score != nil || a == nil) && (y.score != nil || b == nil) ? (y.score ?? 0) - (x.score ?? 0) : nil
        return DiffFigures(params: y.params - x.params, paramsMBytes: y.paramsMBytes - x.paramsMBytes, mults: y.mults - x.mults,
                           adds: y.adds - x.adds, mflops: y.mflops - x.mflops, score: score)
    }
}

/// One op, block or total in both models.
public struct DiffRow: Equatable, Sendable {
    public enum Change: String, Sendable { case same, changed, added, removed }

    /// The name as `count` prints it ("block_qrnn_qrnn_0" for an op inside a block).
    public var name: String
    public var a: DiffFigures?
    public var b: DiffFigures?
    public var delta: DiffFigures

    /// Whether the row exists on both sides and moved.
    public var change: Change {
        switch (a, b) {
        case (nil, _): return .added
        case (_, nil): return .removed
        case let (x?, y?): return x == y ? .same : .changed
        }
    }
}

/// One side of a diff: a counted model and its score.
public struct DiffSide: Sendable {
    public var name: String
    /// Summarized (one row per block) and per-op counts of the model.
    public var report: CountReport
    public var opReport: CountReport
    public var score: Score

    /// Creates a side.
    public init(name: String, report: CountReport, opReport: CountReport, score: Score) {
        self.name = name
        self.report = report
        self.opReport = opReport
        self.score = score
    }

    var total: DiffFigures {
        var f = DiffFigures(cost: report.total, scaled: report.totalScaled, baseline: score)
        f.score = score.score
        return f
    }
}

/// What changed between two models: totals, blocks and ops, in params, mults, adds and score.
public struct ModelDiff: Sendable {
    public var a: DiffSide
    public var b: DiffSide
    /// Top-level entries (blocks and ops outside blocks), A's order then B's new ones.
    public var blocks: [DiffRow]
    /// Every op, blocks flattened.
    public var ops: [DiffRow]
    public var total: DiffRow

    /// Compares two counted models (both scored against the same baseline, so scores compare).
    public init(a: DiffSide, b: DiffSide) {
        self.a = a
        self.b = b
        blocks = Self.rows(a.report.rows, a.score, b.report.rows, b.score)
        ops = Self.rows(a.opReport.rows.filter { !$0.isBlock }, a.score, b.opReport.rows.filter { !$0.isBlock }, b.score)
        total = DiffRow(name: "total", a: a.total, b: b.total, delta: DiffFigures.delta(a.total, b.total))
    }

    private static func rows(_ left: [ReportRow], _ leftScore: Score, _ right: [ReportRow], _ rightScore: Score) -> [DiffRow] {
        func figures(_ rows: [ReportRow], _ score: Score) -> [String: DiffFigures] {
            Dictionary(rows.map { ($0.printedName, DiffFigures(cost: $0.cost, scaled: $0.scaled, baseline: score)) },
                       uniquingKeysWith: { a, _ in a })
        }
        let l = figures(left, leftScore), r = figures(right, rightScore)
        var seen = Set<String>()
        var names: [String] = []
        for name in left.map(\.printedName) + right.map(\.printedName) where seen.insert(name).inserted {
            names.append(name)
        }
        return names.map { DiffRow(name: $0, a: l[$0], b: r[$0], delta: DiffFigures.delta(l[$0], r[$0])) }
    }

    /// `{"a": {...totals}, "b": {...}, "total": row, "blocks": [rows], "ops": [rows]}`, numbers unrounded.
    public func json() -> JSONValue {
        func figures(_ f: DiffFigures?) -> JSONValue {
            guard let f else { return .null }
            return .object([("params", .number(f.params)), ("params_mbytes", .number(f.paramsMBytes)), ("mults", .number(f.mults)),
                            ("adds", .number(f.adds)), ("mflops", .number(f.mflops)), ("score", f.score.map(JSONValue.number) ?? .null)])
        }
        func row(_ r: DiffRow) -> JSONValue {
            .object([("name", .string(r.name)), ("change", .string(r.change.rawValue)), ("a", figures(r.a)), ("b", figures(r.b)),
                     ("delta", figures(r.delta))])
        }
        func side(_ s: DiffSide) -> JSONValue {
            .object([("model", .string(s.name)), ("settings", .string(s.report.settingsLine)),
                     ("track", s.score.track.map { .string($0.rawValue) } ?? .null), ("totals", figures(s.total))])
        }
        return .object([("a", side(a)), ("b", side(b)), ("total", row(total)), ("blocks", .array(blocks.map(row))),
                        ("ops", .array(ops.map(row)))])
    }

    /// Both models' totals, then the blocks and ops that changed (all of them with `showAll`).
    public func table(showAll: Bool = false) -> String {
        var lines: [String] = []
        let baseline = a.score.track.map { "the \($0.rawValue) baseline" } ?? "a baseline of \(grouped(a.score.baselineParams)) parameters"
        for (label, side) in [("A", a), ("B", b)] {
            let t = side.total
            lines.append("\(label): \(side.name): \(grouped(t.params, decimals: 3)) parameters (\(f3(t.paramsMBytes)) MB), "
                         + "\(grouped(t.mults, decimals: 3)) mults, \(grouped(t.adds, decimals: 3)) adds, \(f3(t.mflops)) MFLOPS"
                         + (t.score.map { ", score \(String(format: "%.4f", $0))" } ?? ""))
        }
        lines.append("settings: \(a.report.settingsLine); scores against \(baseline)")
        let hasBlocks = blocks.map(\.name) != ops.map(\.name)
        if hasBlocks { lines += [""] + section("per block", blocks, showAll: showAll) }
        lines += [""] + section("per op", ops, showAll: showAll)
        return lines.joined(separator: "\n") + "\n"
    }

    private func section(_ title: String, _ rows: [DiffRow], showAll: Bool) -> [String] {
        let shown = rows.filter { showAll || $0.change != .same }
        let header = ["\(title) (B − A)", "params", "mults", "adds", "MFLOPS", "score", "change"]
        var table = [header]
        for r in shown + [total] {
            table.append([r.name, signed(r.delta.params), signed(r.delta.mults), signed(r.delta.adds),
                          signed(r.delta.mflops, decimals: 3), r.delta.score.map { signed($0, decimals: 4) } ?? "-",
                          r.name == "total" && r == total ? "" : r.change.rawValue])
        }
        let widths = header.indices.map { i in table.map { $0[i].count }.max() ?? 0 }
        var out = table.map { row in
            row.enumerated().map { i, c in
                let fill = String(repeating: " ", count: widths[i] - c.count)
                return i == 0 || i == 6 ? c + fill : fill + c
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        out.insert(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "), at: 1)
        out.insert(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "), at: out.count - 1)
        let hidden = rows.count - shown.count
        if hidden > 0 { out.append("(\(hidden) unchanged \(title == "per op" ? "op" : "block")\(hidden == 1 ? "" : "s") not shown; --all shows them)") }
        return out
    }

    private func signed(_ x: Double, decimals: Int = 0) -> String {
        if x == 0 { return "0" }
        if decimals == 0 && x == x.rounded() {
            return x > 0 ? "+" + grouped(x) : (x == 0 ? "0" : grouped(x))
        }
        let s = String(format: "%+.\(decimals)f", x)
        return s == "-0." + String(repeating: "0", count: decimals) ? String(s.dropFirst()) : s
    }
}
