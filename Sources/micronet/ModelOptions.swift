import ArgumentParser
import Foundation
import Graph
import LanguageModel
import QRNNModel

/// Which model a command works on: a positional MODEL (graph file, checkpoint or preset name) or --preset.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A graph file (.json), a PyTorch checkpoint, or a preset name.", valueName: "model"))
    var model: String?

    @Option(help: "A built-in model: \(Preset.catalogue).")
    var preset: String?

    @Option(help: "A graph file describing a checkpoint the counter does not recognise (sparsity is measured per op by tensor name).")
    var graph: String?

    @Option(help: "QRNN LM vocabulary size (overrides the QRNN preset's).")
    var vocab: Int?
    @Option(help: "QRNN LM embedding size.")
    var emsize: Int?
    @Option(help: "QRNN LM hidden size.")
    var nhid: Int?
    @Option(help: "QRNN LM layer count.")
    var nlayers: Int?

    func validate() throws {
        if model != nil && preset != nil { throw ValidationError("give a MODEL or --preset, not both") }
        for (name, value) in [("--vocab", vocab), ("--emsize", emsize), ("--nhid", nhid), ("--nlayers", nlayers)] {
            if let value, value <= 0 { throw ValidationError("\(name) must be positive, got \(value)") }
        }
    }

    /// Whether any QRNN size flag was given.
    var overridesQRNN: Bool { vocab != nil || emsize != nil || nhid != nil || nlayers != nil }

    /// Whether the user named a model at all.
    var isGiven: Bool { model != nil || preset != nil || overridesQRNN || graph != nil }

    /// Resolves what was named; with nothing named, the seed entry (qrnn-wt103).
    /// A checkpoint's weights are counted at their measured sparsity unless `globalSparsity` is given.
    func resolve(convention: CountingConvention, paramBits: Double = 32, globalSparsity: Bool = false) throws -> ResolvedModel {
        try ModelResolver(vocab: vocab, emsize: emsize, nhid: nhid, nlayers: nlayers,
                          sparsity: CheckpointModel.SparsityPolicy(paramBits: paramBits, measure: !globalSparsity))
            .resolve(model: model, preset: preset, convention: convention, pairedGraph: graph)
    }
}

/// Turns a model reference (a file path or preset name) into an op graph.
struct ModelResolver {
    var vocab: Int? = nil
    var emsize: Int? = nil
    var nhid: Int? = nil
    var nlayers: Int? = nil
    var sparsity = CheckpointModel.SparsityPolicy(paramBits: 32, measure: true)

    var overridesQRNN: Bool { vocab != nil || emsize != nil || nhid != nil || nlayers != nil }

    /// Resolves `preset`, else `model` (a file, or a preset name), else the seed entry.
    func resolve(model: String?, preset: String?, convention: CountingConvention,
                 pairedGraph: String? = nil) throws -> ResolvedModel {
        if let pairedGraph, !FileManager.default.fileExists(atPath: pairedGraph) {
            throw CLIError.badInput("\(pairedGraph): no such graph file")
        }
        if pairedGraph != nil && (preset != nil || model.map { Preset(rawValue: $0) != nil } ?? true) {
            throw CLIError.badInput("a graph file pairs with a checkpoint only, not with a preset")
        }
        if let preset { return try resolvePreset(preset, convention: convention) }
        guard let model else { return try resolvePreset(Preset.qrnnWT103.rawValue, convention: convention) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw CLIError.badInput("\(model): is a folder, not a model file") }
            return try resolveFile(model, convention: convention, pairedGraph: pairedGraph)
        }
        if Preset(rawValue: model) != nil { return try resolvePreset(model, convention: convention) }
        throw CLIError.badInput("\(model): no such file, and not a preset (presets: \(Preset.catalogue))")
    }
    private func resolvePreset(_ name: String, convention: CountingConvention) throws -> ResolvedModel {
        guard let preset = Preset(rawValue: name) else {
            throw CLIError.badInput("unknown preset '\(name)' (presets: \(Preset.catalogue))")
        }
        guard var config = preset.qrnnConfig else {
            if overridesQRNN { throw CLIError.badInput("--vocab/--emsize/--nhid/--nlayers apply to QRNN presets only") }
            return ResolvedModel(name: preset.rawValue, graph: OpGraph.referenceExample, source: .preset)
        }
        if overridesQRNN {
            config = QRNNConfig(vocabularySize: vocab ?? config.vocabularySize, embeddingSize: emsize ?? config.embeddingSize,
                                hiddenSize: nhid ?? config.hiddenSize, layerCount: nlayers ?? config.layerCount)
        }
        let name = overridesQRNN
            ? "qrnn-lm(vocab \(config.vocabularySize), emsize \(config.embeddingSize), nhid \(config.hiddenSize), nlayers \(config.layerCount))"
            : preset.rawValue
        return ResolvedModel(name: name, graph: config.opGraph(convention: convention, name: name), source: .preset)
    }

    private func resolveFile(_ path: String, convention: CountingConvention, pairedGraph: String?) throws -> ResolvedModel {
        if overridesQRNN { throw CLIError.badInput("--vocab/--emsize/--nhid/--nlayers apply to QRNN presets only, not to \(path)") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError.badInput("\(path): cannot open the file") }
        let head = handle.readData(ofLength: 64)
        try? handle.close()
        let firstByte = head.first { ![0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].contains($0) }
        if firstByte == UInt8(ascii: "{") {
            if pairedGraph != nil { throw CLIError.badInput("\(path): a graph file pairs with a checkpoint only") }
            do {
                let graph = try GraphFile.read(path: path)
                return ResolvedModel(name: graph.name ?? URL(fileURLWithPath: path).lastPathComponent, graph: graph, source: .graphFile)
            } catch let error as GraphFileError {
                throw CLIError.badInput(error.description)
            }
        }
        return try CheckpointModel.resolve(path: path, convention: convention, pairedGraph: pairedGraph, sparsity: sparsity)
    }
}

/// A model ready to count.
struct ResolvedModel {
    enum Source { case preset, graphFile, checkpoint }
    var name: String
    var graph: OpGraph
    var source: Source
    /// Lines to print under a table (how sparsity was measured, and the like).
    var notes: [String] = []
}
