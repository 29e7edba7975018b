import ArgumentParser
import Graph
import ModelImport

/// Which model a command works on: a positional MODEL (graph file, checkpoint or preset name) or --preset.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A graph file (.json), a PyTorch checkpoint, or a preset name.", valueName: "model"))
    var model: String?

    @Option(help: "A built-in model: \(Presets.catalogue).")
    var preset: String?

    @Option(help: "A graph file describing a checkpoint the counter does not recognise (each op's weight is checked against the tensor of the same name, and its sparsity measured).")
    var graph: String?

    @Option(help: "LM preset vocabulary size (overrides the preset's; 1 to 2^31).")
    var vocab: Int?
    @Option(help: "LM preset embedding size (1 to 2^31).")
    var emsize: Int?
    @Option(help: "LM preset hidden size (1 to 2^31).")
    var nhid: Int?
    @Option(help: "LM preset layer count (1 to 4096).")
    var nlayers: Int?
    @Option(name: .customLong("bias-vectors"), help: "LSTM preset bias vectors per layer: 1 or 2 (PyTorch: 2).")
    var biasVectors: Int?
    @Option(help: "LSTM preset output projection width, H → P without bias (1 to 2^31).")
    var proj: Int?

    /// The size overrides as given.
    var sizes: PresetSizes {
        PresetSizes(vocab: vocab, emsize: emsize, nhid: nhid, nlayers: nlayers, biasVectors: biasVectors, proj: proj)
    }

    func validate() throws {
        if model != nil && preset != nil { throw ValidationError("give a MODEL or --preset, not both") }
        do { try sizes.validate() } catch let error as RangeError { throw ValidationError(error.description) }
    }

    /// Whether the user named a model at all.
    var isGiven: Bool { model != nil || preset != nil || !sizes.isEmpty || graph != nil }

    /// Resolves what was named; with nothing named, the seed entry (qrnn-wt103).
    /// A checkpoint's weights are counted at their measured sparsity unless `globalSparsity` is given.
    func resolve(convention: CountingConvention, paramBits: Double = 32, globalSparsity: Bool = false) throws -> ResolvedModel {
        try ModelImport.resolve(model: model, preset: preset, pairedGraph: graph, sizes: sizes, convention: convention,
                                sparsity: SparsityPolicy(paramBits: paramBits, measure: !globalSparsity))
    }
}
