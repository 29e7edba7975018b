import Counter
import Foundation
import Graph
import ModelImport

/// The two renderings of `inspect` for an ONNX model.
extension ONNXInspection {
    func json() -> String {
        func shape(_ s: [String]?) -> JSONValue {
            s.map { .array($0.map { Int($0).map(JSONValue.int) ?? .string($0) }) } ?? .null
        }
        func values(_ list: [Value]) -> JSONValue {
            .array(list.map { .object([("name", .string($0.name)), ("dtype", .string($0.dtype)), ("shape", shape($0.shape))]) })
        }
        let document = JSONValue.object([
            ("file", .string(path)), ("format", .string("onnx")), ("file_bytes", .int(fileBytes)),
            ("ir_version", .int(irVersion)), ("producer", .string(producer)),
            ("opsets", .object(opsets.map { ($0.domain, .int($0.version)) })),
            ("inputs", values(inputs)), ("outputs", values(outputs)),
            ("ops", .object(opCounts.map { ($0.op, .int($0.count)) })),
            ("initializers", .array(initializers.map { t in
                .object([("name", .string(t.name)), ("dtype", .string(t.dtype)), ("shape", .ints(t.shape)),
                         ("bytes", .int(t.bytes)), ("external_file", t.externalFile.map { .string($0) } ?? .null),
                         ("zero_fraction", t.zeroFraction.map { .double($0) } ?? .null)])
            })),
            ("totals", .object([("initializers", .int(initializers.count)),
                                ("elements", .int(initializers.reduce(0) { $0 + $1.count })),
                                ("bytes", .int(initializers.reduce(0) { $0 + $1.bytes }))])),
        ])
        return document.serialized() + "\n"
    }

    func table() -> String {
        func shape(_ s: [String]?) -> String { s.map { "(" + $0.joined(separator: ", ") + ")" } ?? "(undeclared)" }
        var lines: [String] = []
        lines.append("file:       \(path) (\(grouped(Double(fileBytes))) bytes)")
        lines.append("format:     ONNX (IR \(irVersion))" + (producer.isEmpty ? "" : ", from \(producer)"))
        lines.append("opsets:     " + opsets.map { "\($0.domain) \($0.version)" }.joined(separator: ", "))
        for v in inputs { lines.append("input:      \(v.name) \(v.dtype) \(shape(v.shape))") }
        for v in outputs { lines.append("output:     \(v.name) \(v.dtype) \(shape(v.shape))") }
        lines.append("ops:        \(opCounts.reduce(0) { $0 + $1.count }) nodes: " + opCounts.map { "\($0.op) ×\($0.count)" }.joined(separator: ", "))
        lines.append("")
        let header = ["name", "dtype", "shape", "bytes", "zeros", "external file"]
        var cells: [[String]] = [header]
        for t in initializers {
            cells.append([t.name, t.dtype, "(" + t.shape.map(String.init).joined(separator: ", ") + ")", grouped(Double(t.bytes)),
                          t.zeroFraction.map { String(format: "%.4f", $0) } ?? "-", t.externalFile.map { URL(fileURLWithPath: $0).lastPathComponent } ?? ""])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        for (n, row) in cells.enumerated() {
            var line = ""
            for (i, c) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - c.count)
                line += (i == 3 || i == 4) ? pad + c : c + pad
                if i < row.count - 1 { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
            if n == 0 { lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))) }
        }
        lines.append("")
        lines.append("total:      \(initializers.count) initializers, \(grouped(Double(initializers.reduce(0) { $0 + $1.count }))) elements, \(grouped(Double(initializers.reduce(0) { $0 + $1.bytes }))) bytes")
        return lines.joined(separator: "\n") + "\n"
    }
}
