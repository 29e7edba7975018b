import ArgumentParser
import Checkpoint
import Counter
import Foundation
import Graph
import ModelImport

/// `micronet inspect`: what a PyTorch checkpoint or an ONNX model holds, read natively (nothing in it is executed).
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a PyTorch checkpoint or an ONNX model holds: format, structure and every tensor.",
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
          # an ONNX model: producer, opsets, inputs and outputs, op types, every initializer
          micronet inspect resnet.onnx
        """
    )

    @Argument(help: "The checkpoint file (torch.save output or a pickle), or an ONNX model.")
    var file: String

    @Option(help: "table or json.")
    var format: InspectFormat = .table

    @Flag(inversion: .prefixedNo, help: "Count the fraction of exact zeros of every tensor (reads all weights).")
    var zeros = true

    @Flag(help: "List model tensors only, leaving out optimizer state (which is then never read).")
    var modelOnly = false

    func run() throws {
        let imported = try ModelImport.open(path: file)
        if let onnx = imported.onnx {
            let report = try ONNXInspection(onnx, zeros: zeros)
            print(format == .json ? report.json() : report.table(), terminator: "")
            return
        }
        guard let ckpt = imported.checkpoint else {
            throw CLIError.badInput("\(file): this is a \(imported.kind.rawValue); inspect reads checkpoints and ONNX models")
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
        let tiedTo: String?, zeroFraction: Double?, role: TensorRole
        let quantization: Quantization?
        var optimizer: Bool { role == .optimizer }
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
            // quint4x2 packs two elements per byte.
            let bytes = (t.tensor.count * t.tensor.dtype.bits + 7) / 8
            // Names over 4 KiB print elided (length and hash), so output stays proportional to the file.
            return Row(name: NameElision.display(t.name), dtype: t.tensor.dtype.rawValue, shape: t.tensor.shape, count: t.tensor.count,
                       bytes: bytes, tiedTo: t.tiedTo.map { NameElision.display($0) }, zeroFraction: fraction, role: t.role,
                       quantization: t.tensor.quantization)
        }
    }

    struct Totals {
        var parameters = 0, parameterElements = 0, buffers = 0, bufferElements = 0
        var optimizer = 0, optimizerElements = 0, bytes = 0
    }

    /// Totals over distinct tensors (tied names counted once), split into parameters, buffers and optimizer state.
    var totals: Totals {
        var r = Totals()
        for row in rows {
            switch row.role {
            case .parameter: r.parameters += 1
            case .buffer: r.buffers += 1
            case .optimizer: r.optimizer += 1
            }
            guard row.tiedTo == nil else { continue }
            switch row.role {
            case .parameter: r.parameterElements += row.count
            case .buffer: r.bufferElements += row.count
            case .optimizer: r.optimizerElements += row.count
            }
            r.bytes += row.bytes
        }
        return r
    }

    private static func quantizationJSON(_ q: Quantization) -> [(String, JSONValue)] {
        [("qscheme", .string(q.scheme.rawValue)),
         ("scales", .array(q.scales.map { .double($0) })),
         ("zero_points", .array(q.zeroPoints.map { q.floatZeroPoints ? .double($0) : .int(Int(exactly: $0) ?? 0) })),
         ("axis", q.axis.map { .int($0) } ?? .null)]
    }

    func json() -> String {
        let t = totals
        let tensors: [JSONValue] = rows.map { r in
            var fields: [(String, JSONValue)] = [
                ("name", .string(r.name)), ("dtype", .string(r.dtype)), ("shape", .array(r.shape.map { .int($0) })),
                ("bytes", .int(r.bytes)), ("tied_to", r.tiedTo.map { .string($0) } ?? .null),
                ("zero_fraction", r.zeroFraction.map { .double($0) } ?? .null), ("optimizer_state", .bool(r.optimizer)),
                ("role", .string(r.role.rawValue))]
            if let q = r.quantization { fields += Self.quantizationJSON(q) }
            return .object(fields)
        }
        let quantizers: [JSONValue] = ckpt.activationQuantizers.map { a in
            .object([("module", .string(a.module)), ("scale", .double(a.scale)), ("zero_point", .int(Int(exactly: a.zeroPoint) ?? 0)),
                     ("dynamic_placeholder", .bool(a.isDynamicPlaceholder))])
        }
        let document = JSONValue.object([
            ("file", .string(ckpt.path)), ("format", .string(ckpt.format.rawValue)), ("file_bytes", .int(ckpt.fileSize)),
            ("markers", .object(ckpt.markers.sorted(by: { $0.key < $1.key }).map { ($0.key, .string($0.value)) })),
            ("structure", .string(ckpt.structure)), ("classes", .array(ckpt.classes.map { .string($0) })),
            ("inert_calls", .array(ckpt.inertCalls.map { .string($0) })),
            ("suspicious_calls", .array(ckpt.suspiciousCalls.map { .string($0) })),
            ("tensors", .array(tensors)),
            ("activation_quantizers", .array(quantizers)),
            ("totals", .object([("tensors", .int(rows.count)),
                                ("model_tensors", .int(t.parameters + t.buffers)),
                                ("model_elements", .int(t.parameterElements + t.bufferElements)),
                                ("parameter_tensors", .int(t.parameters)), ("parameter_elements", .int(t.parameterElements)),
                                ("buffer_tensors", .int(t.buffers)), ("buffer_elements", .int(t.bufferElements)),
                                ("optimizer_tensors", .int(t.optimizer)),
                                ("optimizer_elements", .int(t.optimizerElements)), ("bytes", .int(t.bytes))])),
        ])
        return document.serialized() + "\n"
    }

    /// "per_channel_affine axis 0, 8 scales" / "per_tensor_affine scale 0.0032 zp 0".
    private static func quantizationCell(_ q: Quantization?) -> String {
        guard let q else { return "" }
        if q.axis == nil, let s = q.scales.first, let z = q.zeroPoints.first {
            return "\(q.scheme.rawValue) scale \(String(format: "%.4g", s)) zp \(Int(exactly: z).map(String.init) ?? String(z))"
        }
        return "\(q.scheme.rawValue) axis \(q.axis ?? 0), \(q.channels) scales"
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
        let quantized = rows.contains { $0.quantization != nil }
        var header = ["name", "dtype", "shape", "bytes", "zeros", "role", "tied to"]
        if quantized { header.append("quantization") }
        var cells: [[String]] = [header]
        for r in rows {
            var row = [r.name, r.dtype, "(" + r.shape.map(String.init).joined(separator: ", ") + ")", grouped(Double(r.bytes)),
                       r.zeroFraction.map { String(format: "%.4f", $0) } ?? "-", r.role.rawValue, r.tiedTo ?? ""]
            if quantized { row.append(Self.quantizationCell(r.quantization)) }
            cells.append(row)
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
        lines.append("parameters: \(t.parameters) tensors, \(grouped(Double(t.parameterElements))) elements (tied counted once; only these reach count)")
        lines.append("buffers:    \(t.buffers) tensors, \(grouped(Double(t.bufferElements))) elements (BatchNorm statistics, counters, EMA shadows, quantizer scales and zero points)")
        lines.append("optimizer:  \(t.optimizer) tensors, \(grouped(Double(t.optimizerElements))) elements")
        if !ckpt.activationQuantizers.isEmpty {
            let list = ckpt.activationQuantizers.map { a -> String in
                let zp = Int(exactly: a.zeroPoint).map(String.init) ?? String(a.zeroPoint)
                return "\(a.module) (scale \(String(format: "%.4g", a.scale)), zero point \(zp)\(a.isDynamicPlaceholder ? ", dynamic: not stored at inference" : ""))"
            }
            lines.append("activation quantizers: " + list.joined(separator: ", "))
        }
        lines.append("total:      \(rows.count) tensors, \(grouped(Double(t.bytes))) bytes")
        return lines.joined(separator: "\n") + "\n"
    }
}
