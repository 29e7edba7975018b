import ArgumentParser
import Checkpoint
import Counter
import Foundation
import Graph
import ModelImport

/// `micronet inspect`: what a PyTorch checkpoint holds, read natively (nothing in it is executed).
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a PyTorch checkpoint holds: format, structure, classes and every tensor.",
        discussion: """
        Reads torch.save files of any torch version natively: the zip format (torch >= 1.6), the legacy format (torch 0.4 to 1.5) and bare pickles, decided from the bytes. Nothing in the pickle is imported or run; classes outside a small allowlist stay inert records. Tensor names are state-dict names, prefixed by the position in a top-level list ('0.encoder.weight' for awd-lstm-lm's [model, criterion, optimizer]); optimizer state is listed after the model.

        Examples:
          # table of every tensor, with totals
          micronet inspect WT103.12hr.QRNN.pt
          micronet inspect model.pt --format json | jq '.tensors[] | select(.tied_to != null)'
          # skip counting zeros (touches no weights)
          micronet inspect model.pt --no-zeros
          # leave out optimizer state
          micronet inspect model.pt --model-only
        """
    )

    @Argument(help: "The checkpoint file (torch.save output or a pickle).")
    var file: String

    @Option(help: "table or json.")
    var format: InspectFormat = .table

    @Flag(inversion: .prefixedNo, help: "Count the fraction of exact zeros of every tensor (reads all weights).")
    var zeros = true

    @Flag(help: "List model tensors only, leaving out optimizer state (which is then never read).")
    var modelOnly = false

    func run() throws {
        let imported = try ModelImport.open(path: file)
        guard let ckpt = imported.checkpoint else {
            throw CLIError.badInput("\(file): this is a \(imported.kind.rawValue); inspect reads checkpoints")
        }
        if !ckpt.suspiciousCalls.isEmpty {
            printError("micronet: warning: \(file): the pickle asks to call \(ckpt.suspiciousCalls.joined(separator: ", ")); torch.load would run it, micronet kept it inert")
        }
        let report = InspectReport(ckpt, zeros: zeros, modelOnly: modelOnly)
        print(format == .json ? report.json() : report.table(), terminator: "")
    }
}

/// Output formats of `micronet inspect`.
enum InspectFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// The facts `inspect` prints, computed once for either format.
struct InspectReport {
    struct Row {
        let name: String, dtype: String, shape: [Int], count: Int, bytes: Int
        let tiedTo: String?, zeroFraction: Double?, optimizer: Bool
    }
    let ckpt: LoadedCheckpoint
    let rows: [Row]

    init(_ ckpt: LoadedCheckpoint, zeros: Bool, modelOnly: Bool = false) {
        self.ckpt = ckpt
        // Tied names view the same elements: count their zeros once.
        var fractions: [String: Double] = [:]
        rows = (modelOnly ? ckpt.modelTensors : ckpt.tensors).map { t in
            var fraction: Double?
            if zeros {
                let f = t.tiedTo.flatMap { fractions[$0] } ?? t.tensor.zeroFraction()
                fractions[t.name] = f
                fraction = f
            }
            // Names over 4 KiB print elided (length and hash), so output stays proportional to the file.
            return Row(name: NameElision.display(t.name), dtype: t.tensor.dtype.rawValue, shape: t.tensor.shape, count: t.tensor.count,
                       bytes: t.tensor.count * t.tensor.dtype.byteSize, tiedTo: t.tiedTo.map { NameElision.display($0) },
                       zeroFraction: fraction, optimizer: t.isOptimizerState)
        }
    }

    /// Totals over distinct tensors (tied names counted once).
    var totals: (model: Int, modelElements: Int, optimizer: Int, optimizerElements: Int, bytes: Int) {
        var r = (model: 0, modelElements: 0, optimizer: 0, optimizerElements: 0, bytes: 0)
        for row in rows {
            if row.optimizer { r.optimizer += 1 } else { r.model += 1 }
            guard row.tiedTo == nil else { continue }
            if row.optimizer { r.optimizerElements += row.count } else { r.modelElements += row.count }
            r.bytes += row.bytes
        }
        return r
    }

    func json() -> String {
        let t = totals
        let tensors: [JSONValue] = rows.map { r in
            .object([("name", .string(r.name)), ("dtype", .string(r.dtype)), ("shape", .array(r.shape.map { .int($0) })),
                     ("bytes", .int(r.bytes)), ("tied_to", r.tiedTo.map { .string($0) } ?? .null),
                     ("zero_fraction", r.zeroFraction.map { .double($0) } ?? .null), ("optimizer_state", .bool(r.optimizer))])
        }
        let document = JSONValue.object([
            ("file", .string(ckpt.path)), ("format", .string(ckpt.format.rawValue)), ("file_bytes", .int(ckpt.fileSize)),
            ("markers", .object(ckpt.markers.sorted(by: { $0.key < $1.key }).map { ($0.key, .string($0.value)) })),
            ("structure", .string(ckpt.structure)), ("classes", .array(ckpt.classes.map { .string($0) })),
            ("inert_calls", .array(ckpt.inertCalls.map { .string($0) })),
            ("suspicious_calls", .array(ckpt.suspiciousCalls.map { .string($0) })),
            ("tensors", .array(tensors)),
            ("totals", .object([("tensors", .int(rows.count)), ("model_tensors", .int(t.model)),
                                ("model_elements", .int(t.modelElements)), ("optimizer_tensors", .int(t.optimizer)),
                                ("optimizer_elements", .int(t.optimizerElements)), ("bytes", .int(t.bytes))])),
        ])
        return document.serialized() + "\n"
    }

    func table() -> String {
        var lines: [String] = []
        lines.append("file:       \(ckpt.path) (\(grouped(Double(ckpt.fileSize))) bytes)")
        let markers = ckpt.markers.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("format:     \(ckpt.format.rawValue)" + (markers.isEmpty ? "" : " (\(markers))"))
        lines.append("structure:  \(ckpt.structure)")
        lines.append("classes:    \(ckpt.classes.count): \(ckpt.classes.joined(separator: ", "))")
        if !ckpt.suspiciousCalls.isEmpty { lines.append("WARNING:    asks to call \(ckpt.suspiciousCalls.joined(separator: ", ")) (kept inert, never run)") }
        lines.append("")
        let header = ["name", "dtype", "shape", "bytes", "zeros", "tied to"]
        var cells: [[String]] = [header]
        for r in rows {
            cells.append([r.name, r.dtype, "(" + r.shape.map(String.init).joined(separator: ", ") + ")", grouped(Double(r.bytes)),
                          r.zeroFraction.map { String(format: "%.4f", $0) } ?? "-", r.tiedTo ?? ""])
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
        let t = totals
        lines.append("")
        lines.append("model:      \(t.model) tensors, \(grouped(Double(t.modelElements))) elements (tied counted once)")
        lines.append("optimizer:  \(t.optimizer) tensors, \(grouped(Double(t.optimizerElements))) elements")
        lines.append("total:      \(rows.count) tensors, \(grouped(Double(t.bytes))) bytes")
        return lines.joined(separator: "\n") + "\n"
    }
}
