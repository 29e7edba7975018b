import ArgumentParser
import Graph
import ModelImport

/// Which model a command works on: a positional MODEL (graph file, checkpoint or preset name) or --preset.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A graph file (.json), a PyTorch checkpoint, an ONNX model, or a preset name.", valueName: "model"))
    var model: String?

    @Option(help: "A built-in model: \(Presets.catalogue).")
    var preset: String?

    @Option(help: "A graph file describing a checkpoint the counter does not recognise (each op's weight is checked against the tensor of the same name, and its sparsity measured).")
    var graph: String?

    @Option(help: ArgumentHelp("The ONNX model's input shape with batch 1, e.g. 1x3x224x224 (needed when its height or width is symbolic).", valueName: "NxCxHxW"))
    var inputShape: InputShape?

    @Option(parsing: .unconditional, help: "LM preset vocabulary size (overrides the preset's; 1 to 2^31).")
    var vocab: Int?
    @Option(parsing: .unconditional, help: "LM preset embedding size (1 to 2^31).")
    var emsize: Int?
    @Option(parsing: .unconditional, help: "LM preset hidden size (1 to 2^31).")
    var nhid: Int?
    @Option(parsing: .unconditional, help: "LM preset layer count (1 to 4096).")
    var nlayers: Int?
    @Option(name: .customLong("bias-vectors"), parsing: .unconditional, help: "LSTM preset bias vectors per layer: 1 or 2 (PyTorch: 2).")
    var biasVectors: Int?
    @Option(parsing: .unconditional, help: "LSTM preset output projection width, H → P without bias (1 to 2^31).")
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
    var isGiven: Bool { model != nil || preset != nil || !sizes.isEmpty || graph != nil || inputShape != nil }

    /// Resolves what was named; with nothing named, the seed entry (qrnn-wt103).
    /// A checkpoint's weights are counted at their measured sparsity unless `globalSparsity` is given.
    func resolve(convention: CountingConvention, paramBits: Double = 32, globalSparsity: Bool = false) throws -> ResolvedModel {
        try ModelImport.resolve(model: model, preset: preset, pairedGraph: graph, sizes: sizes, convention: convention,
                                sparsity: SparsityPolicy(paramBits: paramBits, measure: !globalSparsity),
                                inputShape: inputShape?.dims)
    }
}

/// `--input-shape 1x3x224x224`: dimensions separated by 'x', each from 1 to 2^24, checked at parse time.
struct InputShape: ExpressibleByArgument {
    let dims: [Int]

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        let dims = parts.compactMap { Int($0) }
        guard !parts.isEmpty, parts.count <= 8, dims.count == parts.count, dims.allSatisfy({ (1...(1 << 24)).contains($0) }) else { return nil }
        self.dims = dims
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
