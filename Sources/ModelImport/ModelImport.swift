import Checkpoint
import Counter
import Foundation
import Graph
import ONNX

/// The front door: every command gets its model from here. A file is sniffed and read once.
public enum ModelImport {
    /// Opens a model file: a graph file (JSON), a PyTorch checkpoint (zip, legacy or pickle), or an ONNX model.
    /// Only regular files are read; a folder, FIFO, socket or device is refused without blocking.
    public static func open(path: String) throws -> ImportedModel {
        let prefix = try ModelFile.read(path, role: "model", length: FileKind.prefixLength)
        guard let kind = FileKind.sniff(prefix: prefix) else {
            let head = prefix.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
            throw ImportError(path, prefix.isEmpty ? "the file is empty" : "not a model file micronet reads: unknown magic bytes [\(head)] "
                              + "(expected a graph file (JSON), a PyTorch checkpoint (zip, legacy or pickle) or an ONNX model)")
        }
        switch kind {
        case .graphJSON:
            return ImportedModel(path: path, kind: kind, content: .graph(try readGraph(path, sniffed: true)))
        case .torchZip, .torchLegacy, .pickle, .torchObsolete:
            return ImportedModel(path: path, kind: kind, content: .checkpoint(try LoadedCheckpoint.load(path: path)))
        case .onnx:
            return ImportedModel(path: path, kind: kind, content: .onnx(try ONNXModel(path: path)))
        }
    }

    /// Resolves what a command names: `preset`, else `model` (a file, or else a preset name), else the seed entry
    /// (qrnn-wt103). `pairedGraph` (a graph file) counts a checkpoint the recognisers do not know.
    /// A model whose totals pass the 64-bit range (every op fits, their sum does not) is refused here, so no
    /// command prints a total it could not read back.
    public static func resolve(model: String?, preset: String? = nil, pairedGraph: String? = nil,
                               sizes: PresetSizes = PresetSizes(), convention: CountingConvention = .seed,
                               sparsity: SparsityPolicy, inputShape: [Int]? = nil) throws -> ResolvedModel {
        let resolved = try resolveUnchecked(model: model, preset: preset, pairedGraph: pairedGraph, sizes: sizes,
                                            convention: convention, sparsity: sparsity, inputShape: inputShape)
        // The widest totals any settings give: 64-bit parameters, every op counted.
        let widest = CountSettings(paramBits: 64, inputBits: 64, accumulatorBits: 64)
        let total = MicroNetCounter(graph: resolved.graph).count(settings: widest).total
        for (name, value) in [("parameter bits (at 64 bits each)", total.paramBits), ("mults", total.mults), ("adds", total.adds)]
        where !(value < Double(Int64.max)) {
            throw ImportError(model ?? preset ?? resolved.name, "the model's total \(name), \(value), passes the 64-bit range")
        }
        return resolved
    }

    private static func resolveUnchecked(model: String?, preset: String?, pairedGraph: String?, sizes: PresetSizes,
                                         convention: CountingConvention, sparsity: SparsityPolicy,
                                         inputShape: [Int]?) throws -> ResolvedModel {
        if let pairedGraph { try ModelFile.requireRegular(pairedGraph, role: "graph") }
        let named = preset ?? model
        if let named, preset != nil || (!FileManager.default.fileExists(atPath: named) && Presets.named(named) != nil) {
            if pairedGraph != nil { throw ImportError("--graph", "a graph file pairs with a checkpoint only, not with a preset") }
            if inputShape != nil { throw ImportError("--input-shape", "applies to ONNX models only, not to the preset \(named)") }
            return try self.preset(named, sizes: sizes, convention: convention)
        }
        guard let model else {
            if pairedGraph != nil { throw ImportError("--graph", "a graph file pairs with a checkpoint: name the checkpoint as MODEL") }
            return try self.preset("qrnn-wt103", sizes: sizes, convention: convention)
        }
        if !sizes.isEmpty {
            throw ImportError("--vocab/--emsize/--nhid/--nlayers", "apply to presets only, not to \(model)")
        }
        if !FileManager.default.fileExists(atPath: model) {
            throw ImportError(model, "no such file, and not a preset (presets: \(Presets.catalogue))")
        }
        return try open(path: model).opGraph(convention: convention, sparsity: sparsity, pairedGraph: pairedGraph,
                                             inputShape: inputShape)
    }

    /// A preset's graph with `sizes` applied; throws for an unknown name or sizes the preset cannot take.
    public static func preset(_ name: String, sizes: PresetSizes = PresetSizes(),
                              convention: CountingConvention = .seed) throws -> ResolvedModel {
        guard let preset = Presets.named(name) else {
            throw ImportError(name, "unknown preset (presets: \(Presets.catalogue))")
        }
        if !sizes.isEmpty && !preset.takesSizes {
            throw ImportError("--vocab/--emsize/--nhid/--nlayers", "apply to language-model presets only, not to \(name)")
        }
        try sizes.validate()
        let (label, graph) = try preset.build(sizes, convention)
        return ResolvedModel(name: label, graph: graph, source: .preset)
    }

    /// Reads a graph file (a regular file only).
    static func readGraph(_ path: String, sniffed: Bool = false) throws -> OpGraph {
        let bytes = try ModelFile.read(path, role: "graph")
        if !sniffed, FileKind.sniff(prefix: Array(bytes.prefix(FileKind.prefixLength))) != .graphJSON {
            throw ImportError(path, "not a graph file: it does not start with '{' (a JSON object)")
        }
        return try GraphFile.decode(Data(bytes), path: path)
    }
}
