import Foundation
import Graph

/// Output formats of `micronet check`.
public enum BudgetReportFormat: String, Sendable, CaseIterable {
    case text, json, markdown, junit, github
}

/// Renders check results for people, scripts and CI systems.
public struct BudgetReport: Sendable {
    public var budgetPath: String
    public var results: [BudgetResult]

    /// Creates a report.
    public init(budgetPath: String, results: [BudgetResult]) {
        self.budgetPath = budgetPath
        self.results = results
    }

    /// Whether every measured limit holds.
    public var passed: Bool { !results.contains { $0.failed } }

    /// The report in `format`.
    public func rendered(as format: BudgetReportFormat) -> String {
        switch format {
        case .text: return text()
        case .json: return json().serialized() + "\n"
        case .markdown: return markdown()
        case .junit: return junit()
        case .github: return github()
        }
    }

    private var header: [String] { ["model", "metric", "measured", "limit", "accepted", "change", "status"] }

    private func cells(_ r: BudgetResult) -> [String] {
        [printable(r.model), r.metric.rawValue, r.measured.map(figure) ?? "-",
         figure(r.limit.max) + (r.limit.tolerance.map { " (+\($0.text))" } ?? ""),
         r.accepted.map(figure) ?? "-", r.changePercent.map { String(format: "%+.2f%%", $0) } ?? "-",
         r.failed ? r.status.rawValue.uppercased() : r.status.rawValue]
    }

    private var summary: String {
        let exceeded = results.filter { $0.status == .exceeded }.count
        let grew = results.filter { $0.status == .grew }.count
        let skipped = results.filter { $0.status == .skipped }.count
        let held = results.count - exceeded - grew - skipped
        return "\(held) held, \(exceeded) exceeded" + (grew > 0 ? ", \(grew) grew past max_growth" : "")
            + (skipped > 0 ? ", \(skipped) skipped (perplexity runs with --with-eval)" : "")
    }

    /// An aligned table and a summary line.
    public func text() -> String {
        let rows = [header] + results.map(cells)
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { i, cell in
                let fill = String(repeating: " ", count: widths[i] - cell.count)
                return (2...5).contains(i) ? fill + cell : cell + fill
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        lines.insert(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "), at: 1)
        lines.append("")
        lines.append("budget \(printable(budgetPath)): \(summary)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Markdown table (also what goes to GITHUB_STEP_SUMMARY).
    public func markdown() -> String {
        var lines = ["### micronet budget: " + (passed ? "all limits hold" : "exceeded"), "",
                     "| " + header.joined(separator: " | ") + " |", "|---|---|---:|---:|---:|---:|---|"]
        for r in results {
            var c = cells(r)
            if r.failed { c[6] = "**\(c[6])**" }
            lines.append("| " + c.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append(summary + ".")
        return lines.joined(separator: "\n") + "\n"
    }

    /// {passed, budget, results: [{model, metric, measured, limit, tolerance, ceiling, accepted, change_percent, status, line}]}.
    public func json() -> JSONValue {
        .object([
            ("passed", .bool(passed)), ("budget", .string(budgetPath)),
            ("results", .array(results.map { r in
                .object([("model", .string(r.model)), ("metric", .string(r.metric.rawValue)),
                         ("measured", r.measured.map(JSONValue.number) ?? .null), ("limit", .number(r.limit.max)),
                         ("tolerance", r.limit.tolerance.map { .string($0.text) } ?? .null),
                         ("ceiling", .number(r.limit.ceiling)),
                         ("accepted", r.accepted.map(JSONValue.number) ?? .null),
                         ("change_percent", r.changePercent.map(JSONValue.number) ?? .null),
                         ("max_growth", r.limit.maxGrowth.map { .string($0.text) } ?? .null),
                         ("growth_ceiling", r.growthCeiling.map(JSONValue.number) ?? .null),
                         ("status", .string(r.status.rawValue)), ("line", .int(r.limit.line))])
            })),
        ])
    }

    /// JUnit XML: one test case per model and metric.
    public func junit() -> String {
        let failures = results.filter { $0.failed }.count
        let skipped = results.filter { $0.status == .skipped }.count
        var lines = [#"<?xml version="1.0" encoding="UTF-8"?>"#,
                     "<testsuites name=\"micronet budgets\" tests=\"\(results.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">",
                     "  <testsuite name=\"\(xml(budgetPath))\" tests=\"\(results.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">"]
        for r in results {
            let open = "    <testcase classname=\"\(xml(r.model))\" name=\"\(xml(r.metric.rawValue))\""
            switch r.status {
            case .pass:
                lines.append(open + "/>")
            case .skipped:
                lines.append(open + ">")
                lines.append("      <skipped message=\"run with --with-eval to measure\"/>")
                lines.append("    </testcase>")
            case .exceeded, .grew:
                lines.append(open + ">")
                lines.append("      <failure message=\"\(xml(message(r)))\" type=\"budget\">\(xml(budgetPath)):\(r.limit.line)</failure>")
                lines.append("    </testcase>")
            }
        }
        lines.append("  </testsuite>")
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// GitHub Actions workflow commands: an error annotation on the budget file's line of each exceeded limit.
    public func github() -> String {
        var lines = results.filter { $0.failed }.map { r in
            "::error file=\(property(printable(budgetPath))),line=\(r.limit.line),title=\(property("micronet budget"))::\(data(message(r)))"
        }
        lines.append((passed ? "::notice::" : "::error::") + data("micronet budget: " + summary))
        return lines.joined(separator: "\n") + "\n"
    }

    /// "seed: mflops 158.2 exceeds its limit 157 (+1%)", or how far it grew over the accepted figure.
    public func message(_ r: BudgetResult) -> String {
        let measured = "\(printable(r.model)): \(r.metric.rawValue) \(r.measured.map(figure) ?? "-")"
        if r.status == .grew, let accepted = r.accepted, let growth = r.limit.maxGrowth {
            return measured + " grew more than \(growth.text) over its accepted \(figure(accepted))"
                + (r.changePercent.map { String(format: " (%+.2f%%)", $0) } ?? "")
        }
        return measured + " exceeds its limit \(figure(r.limit.max))" + (r.limit.tolerance.map { " (+\($0.text))" } ?? "")
    }

    private func figure(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return String(format: "%.6g", x)
    }

    /// A name from the budget file as a terminal may show it: control characters (C0, DEL, C1), which could
    /// move the cursor or recolour a CI log, become U+FFFD.
    func printable(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: Self.isControl) else { return s }
        var out = ""
        for scalar in s.unicodeScalars { out.unicodeScalars.append(Self.isControl(scalar) ? "\u{FFFD}" : scalar) }
        return out
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool { c.value < 0x20 || (0x7F...0x9F).contains(c.value) }

    /// Escapes for an XML 1.0 attribute or text; characters XML 1.0 cannot carry at all (C0 controls other
    /// than tab, LF, CR; lone surrogates cannot occur in a String; U+FFFE/U+FFFF) become U+FFFD.
    func xml(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out += "&#x\(String(scalar.value, radix: 16, uppercase: true));"
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out.unicodeScalars.append("\u{FFFD}")
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    // Escaping rules of workflow commands (actions/toolkit): data escapes %, \r, \n; properties also : and ,.
    private func data(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    private func property(_ s: String) -> String {
        data(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
