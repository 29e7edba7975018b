import Counter
import Foundation

/// One labelled row of a bar chart: a block or an op with its parameter storage and operations.
public struct ChartBar: Equatable, Sendable {
    public var name: String
    /// Parameter storage, MBytes.
    public var paramsMBytes: Double
    /// Scaled operations, MFLOPS (mults M + adds M).
    public var mflops: Double

    /// Creates a bar.
    public init(name: String, paramsMBytes: Double, mflops: Double) {
        self.name = name
        self.paramsMBytes = paramsMBytes
        self.mflops = mflops
    }
}

/// Horizontal bar charts of params and ops per block and per op, as inline SVG (no scripts, no fonts).
public struct BarChart: Sendable {
    /// Block-level rows (top-level entries) and op-level rows.
    public var perBlock: [ChartBar]
    public var perOp: [ChartBar]
    public var title: String

    static let labelWidth = 200.0
    static let barWidth = 250.0
    static let valueWidth = 90.0
    static let rowHeight = 20.0
    static let headerHeight = 44.0
    static var width: Double { labelWidth + 2 * (barWidth + valueWidth) + 20 }

    /// Creates the charts of a count: per block from a summarized count, per op from every op.
    public init(report: CountReport, opReport: CountReport, title: String) {
        func bar(_ row: ReportRow) -> ChartBar {
            ChartBar(name: row.printedName, paramsMBytes: row.scaled.paramsMBytes, mflops: row.scaled.mflops)
        }
        self.perBlock = report.rows.map(bar)
        self.perOp = opReport.rows.filter { !$0.isBlock }.map(bar)
        self.title = title
    }

    /// Whether the model has blocks (otherwise the per-block chart would repeat the per-op one).
    public var hasBlocks: Bool { perBlock.count != perOp.count || zip(perBlock, perOp).contains { $0.name != $1.name } }

    /// A standalone SVG document: the per-block chart (when there are blocks) above the per-op chart.
    public func svg() -> String {
        var panels: [(String, [ChartBar])] = []
        if hasBlocks { panels.append(("per block", perBlock)) }
        panels.append(("per op", perOp))
        var y = 0.0
        var body = ""
        for (caption, bars) in panels {
            body += panel(caption: "\(title): params and ops \(caption)", bars: bars, top: y)
            y += Self.height(bars.count) + 16
        }
        return svgElement(width: Self.width, height: y, body: body, label: "\(title): params and ops per block and per op")
    }

    /// One chart as an inline SVG element.
    public func svg(caption: String, bars: [ChartBar]) -> String {
        svgElement(width: Self.width, height: Self.height(bars.count), body: panel(caption: caption, bars: bars, top: 0), label: caption)
    }

    static func height(_ rows: Int) -> Double { headerHeight + Double(rows) * rowHeight + 6 }

    private func svgElement(width: Double, height: Double, body: String, label: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(escaped(label))" \
        font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">
        \(body)</svg>
        """
    }

    private func panel(caption: String, bars: [ChartBar], top: Double) -> String {
        let maxParams = bars.map(\.paramsMBytes).max() ?? 0
        let maxOps = bars.map(\.mflops).max() ?? 0
        let paramsX = Self.labelWidth
        let opsX = Self.labelWidth + Self.barWidth + Self.valueWidth
        var s = "<g class=\"chart\" transform=\"translate(0,\(Int(top)))\">\n"
        s += "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(escaped(caption))</text>\n"
        s += "<text x=\"\(Int(paramsX))\" y=\"36\" fill=\"#1f5fa8\">params (MBytes)</text>\n"
        s += "<text x=\"\(Int(opsX))\" y=\"36\" fill=\"#b8561a\">ops (MFLOPS)</text>\n"
        for (i, bar) in bars.enumerated() {
            let y = Self.headerHeight + Double(i) * Self.rowHeight
            let pw = maxParams > 0 ? bar.paramsMBytes / maxParams * Self.barWidth : 0
            let ow = maxOps > 0 ? bar.mflops / maxOps * Self.barWidth : 0
            s += "<g class=\"bar\" data-name=\"\(escaped(bar.name))\" data-params-mbytes=\"\(exact(bar.paramsMBytes))\" data-mflops=\"\(exact(bar.mflops))\">"
            s += "<title>\(escaped(bar.name)): \(f3(bar.paramsMBytes)) MB, \(f3(bar.mflops)) MFLOPS</title>"
            s += "<text x=\"0\" y=\"\(f1(y + 14))\">\(escaped(shortened(bar.name)))</text>"
            s += "<rect x=\"\(Int(paramsX))\" y=\"\(f1(y + 3))\" width=\"\(f1(pw))\" height=\"\(f1(Self.rowHeight - 6))\" fill=\"#3b82c4\"/>"
            s += "<text x=\"\(f1(paramsX + pw + 4))\" y=\"\(f1(y + 14))\">\(f3(bar.paramsMBytes))</text>"
            s += "<rect x=\"\(Int(opsX))\" y=\"\(f1(y + 3))\" width=\"\(f1(ow))\" height=\"\(f1(Self.rowHeight - 6))\" fill=\"#e07b39\"/>"
            s += "<text x=\"\(f1(opsX + ow + 4))\" y=\"\(f1(y + 14))\">\(f3(bar.mflops))</text>"
            s += "</g>\n"
        }
        return s + "</g>\n"
    }

    private func f1(_ x: Double) -> String { String(format: "%.1f", x) }
}
