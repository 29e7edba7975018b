import Foundation
import Graph

/// Output formats of a count.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, markdown, csv
}

extension CountReport {
    /// Renders the report in `format`.
    public func rendered(as format: ReportFormat) -> String {
        switch format {
        case .table: return table()
        case .json: return json().serialized() + "\n"
        case .markdown: return markdown()
        case .csv: return csv()
        }
    }

    /// The reference's print_summary layout, then the raw totals and the settings.
    public func table() -> String {
        var lines = [
            pad("op_name", 25) + " " + lpad("inp_size", 10) + " " + lpad("kernel_size", 13) + " "
                + lpad("in channels", 13) + " " + lpad("out channels", 13) + " " + lpad("params(MBytes)", 15) + " "
                + lpad("mults(M)", 10) + " " + lpad("adds(M)", 10) + " " + lpad("MFLOPS", 10)
                + (showsBits ? " " + lpad("bits p/in/acc", 14) : ""),
            String(repeating: "=", count: showsBits ? 140 : 125),
        ]
        for row in rows {
            lines.append(pad(row.printedName, 25) + " " + lpad(String(row.info[0]), 10) + " " + lpad(String(row.info[1]), 13)
                         + " " + lpad(String(row.info[2]), 13) + " " + lpad(String(row.info[3]), 13) + " "
                         + figures(row.scaled) + (showsBits ? " " + lpad(row.bits.map(Self.bitsLabel) ?? "", 14) : ""))
        }
        lines.append(pad("total", 25) + " " + pad("", 10) + " " + pad("", 13) + " " + pad("", 13) + " " + pad("", 13)
                     + " " + figures(totalScaled))
        lines.append("")
        lines.append("parameters: \(grouped(total.params, decimals: 3))")
        lines.append("mults:      \(grouped(total.mults, decimals: 3))")
        lines.append("adds:       \(grouped(total.adds, decimals: 3))")
        lines.append("settings:   \(settingsLine)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// "8/8/32": an op's parameter, input and accumulator widths (with "+q40" for 40 quantizer bits).
    static func bitsLabel(_ b: OpCostContext) -> String {
        "\(num(b.paramBits))/\(num(b.inputBits))/\(num(b.accumulatorBits))" + (b.quantizerBits > 0 ? "+q\(num(b.quantizerBits))" : "")
    }

    /// A Markdown table like the seed's README (op, params, mults, adds, MFLOPS; bits when an op has its own).
    public func markdown() -> String {
        var lines = ["| op | params (MBytes) | mults (M) | adds (M) | MFLOPS |" + (showsBits ? " bits p/in/acc |" : ""),
                     "|---|---:|---:|---:|---:|" + (showsBits ? "---:|" : "")]
        for row in rows {
            lines.append("| \(row.printedName) | \(f3(row.scaled.paramsMBytes)) | \(f3(row.scaled.multsM)) | "
                         + "\(f3(row.scaled.addsM)) | \(f3(row.scaled.mflops)) |" + (showsBits ? " \(row.bits.map(Self.bitsLabel) ?? "") |" : ""))
        }
        lines.append("| **total** | **\(f3(totalScaled.paramsMBytes))** | **\(f3(totalScaled.multsM))** | "
                     + "**\(f3(totalScaled.addsM))** | **\(f3(totalScaled.mflops))** |" + (showsBits ? " |" : ""))
        lines.append("")
        lines.append("Parameters \(grouped(total.params, decimals: 3)), mults \(grouped(total.mults, decimals: 3)), adds \(grouped(total.adds, decimals: 3)); \(settingsLine).")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per row plus the total, unrounded.
    public func csv() -> String {
        var lines = ["name,block,inp_size,kernel_size,in_channels,out_channels,params_mbytes,mults_m,adds_m,mflops,param_bits,mults,adds,params"]
        func line(_ name: String, _ block: String?, _ info: [String], _ c: OpCost, _ s: ScaledCost) -> String {
            ([name, block ?? ""] + info + [num(s.paramsMBytes), num(s.multsM), num(s.addsM), num(s.mflops),
                                           num(c.paramBits), num(c.mults), num(c.adds), num(c.params)])
                .joined(separator: ",")
        }
        for row in rows {
            lines.append(line(row.name, row.block, row.info.map(String.init), row.cost, row.scaled))
        }
        lines.append(line("total", nil, ["", "", "", ""], total, totalScaled))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The documented JSON contract: settings, rows, total; numbers unrounded.
    public func json() -> JSONValue {
        func figures(_ c: OpCost, _ s: ScaledCost) -> [(String, JSONValue)] {
            [("params_mbytes", .number(s.paramsMBytes)), ("mults_m", .number(s.multsM)), ("adds_m", .number(s.addsM)),
             ("mflops", .number(s.mflops)), ("param_bits", .number(c.paramBits)), ("mults", .number(c.mults)),
             ("adds", .number(c.adds))]
        }
        var top: [(String, JSONValue)] = []
        if let modelName { top.append(("model", .string(modelName))) }
        if let modelInput { top.append(("input", modelInput.json)) }
        top.append(("settings", .object([
            ("param_bits", .number(settings.paramBits)), ("input_bits", .number(settings.inputBits)),
            ("accumulator_bits", .number(settings.accumulatorBits)), ("add_bits_base", .number(settings.addBitsBase)),
            ("mul_bits_base", .number(settings.mulBitsBase)), ("sparsity", .number(settings.sparsity)),
            ("convention", .string(settings.convention.rawValue)),
        ])))
        top.append(("rows", .array(rows.map { row in
            .object([("name", .string(row.name)), ("block", row.block.map { .string($0) } ?? .null),
                     ("kind", .string(row.isBlock ? "block" : "op"))] + figures(row.cost, row.scaled)
                    + [("params", .number(row.cost.params)), ("bits", row.bits.map(Self.bitsJSON) ?? .null)])
        })))
        top.append(("total", .object(figures(total, totalScaled) + [("params", .number(total.params))])))
        return .object(top)
    }

    /// An op's resolved widths: {"param": 8, "input": 8, "accumulator": 32, "quantizer": 40}.
    static func bitsJSON(_ b: OpCostContext) -> JSONValue {
        .object([("param", .number(b.paramBits)), ("input", .number(b.inputBits)), ("accumulator", .number(b.accumulatorBits)),
                 ("quantizer", .number(b.quantizerBits))])
    }

    /// "param bits 16, mults 16/32, adds 32/32, sparsity 0, convention seed".
    public var settingsLine: String {
        "param bits \(num(settings.paramBits)), mults \(num(settings.inputBits))/\(num(settings.mulBitsBase)) bits, "
            + "adds \(num(settings.accumulatorBits))/\(num(settings.addBitsBase)) bits, sparsity \(num(settings.sparsity)), "
            + "convention \(settings.convention.rawValue)"
            + (showsBits ? "; ops with bits of their own keep them (the bits column)" : "")
    }

    private func figures(_ s: ScaledCost) -> String {
        lpad(f3(s.paramsMBytes), 15) + " " + lpad(f3(s.multsM), 10) + " " + lpad(f3(s.addsM), 10) + " " + lpad(f3(s.mflops), 10)
    }
}

