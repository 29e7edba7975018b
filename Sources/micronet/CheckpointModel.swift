import Checkpoint
import Counter
import Graph
import QRNNModel

/// The op graph of a checkpoint, with each weight's sparsity measured from its zeros.
///
/// A recognised awd-lstm-lm QRNN language model gets the graph the seed's test.py builds (the
/// criterion's tail parameters left out, as the seed's table does); any other checkpoint needs a
/// graph file (`--graph`), whose ops take the sparsity of the tensor of the same name.
enum CheckpointModel {
    /// How sparsity is applied: measured per weight, or left to the global --sparsity.
    struct SparsityPolicy {
        /// Bits per parameter: a weight is counted sparse only where values plus mask take fewer bits than dense.
        var paramBits: Double
        /// False when the user gave a global sparsity, which then overrides what is measured.
        var measure: Bool
    }

    /// Loads `path` and builds its graph.
    static func resolve(path: String, convention: CountingConvention, pairedGraph: String?,
                        sparsity policy: SparsityPolicy) throws -> ResolvedModel {
        let checkpoint: LoadedCheckpoint
        do { checkpoint = try LoadedCheckpoint.load(path: path) } catch let error as CheckpointError {
            throw CLIError.badInput(error.description)
        }
        if let pairedGraph {
            return try paired(checkpoint, graphPath: pairedGraph, policy: policy)
        }
        let config: QRNNConfig, tensors: QRNNTensors
        do { (config, tensors) = try QRNNConfig.recognise(checkpoint) } catch let error as QRNNError {
            throw CLIError.badInput("\(error.description) (pair the checkpoint with a graph file: --graph FILE)")
        }
        let weights: [(op: String, tensorName: String, tensor: Tensor)] =
            [("embedding", "encoder.weight", tensors.embedding)]
            + tensors.layers.enumerated().map { ("qrnn_\($0.offset)", "rnns.\($0.offset).linear weight", $0.element.weight) }
        var measured: [String: Double] = [:]
        var notes: [String] = []
        if policy.measure {
            notes.append(header(policy))
            for w in weights {
                let (chosen, note) = decide(w.op, w.tensorName, w.tensor, bits: policy.paramBits)
                if let chosen { measured[w.op] = chosen }
                notes.append(note)
            }
            // The decoder multiplies by the same (tied) table, so it skips the same zeros.
            if let tied = measured["embedding"] { measured["decoder_weight"] = tied }
        } else {
            notes.append("sparsity: the global --sparsity applies (measured sparsity not used)")
        }
        let name = "\(path) (awd-lstm-lm QRNN: vocab \(config.vocabularySize), emsize \(config.embeddingSize), "
            + "nhid \(config.hiddenSize), \(config.layerCount) layers, windows \(config.windows.map(String.init).joined(separator: "/")), "
            + (config.splits.isEmpty ? "full softmax)" : "splits \(config.splits.map(String.init).joined(separator: "/")))")
        return ResolvedModel(name: name, graph: config.opGraph(convention: convention, name: name, sparsity: measured),
                             source: .checkpoint, notes: notes)
    }

    /// A checkpoint paired with a graph file: ops take the measured sparsity of the tensor named like them.
    private static func paired(_ checkpoint: LoadedCheckpoint, graphPath: String, policy: SparsityPolicy) throws -> ResolvedModel {
        var graph: OpGraph
        do { graph = try GraphFile.read(path: graphPath) } catch let error as GraphFileError {
            throw CLIError.badInput(error.description)
        }
        var byName: [String: NamedTensor] = [:]
        for t in checkpoint.modelTensors {
            let short = t.moduleName
            if byName[short] == nil { byName[short] = t }
        }
        var notes = [policy.measure ? header(policy) : "sparsity: the global --sparsity applies (measured sparsity not used)"]
        func measure(_ op: NamedOp) -> NamedOp {
            guard policy.measure, op.op.hasWeights else { return op }
            let candidates = [op.name + ".weight", op.name + ".weight_raw", op.name]
            guard let found = candidates.lazy.compactMap({ byName[$0] }).first else {
                notes.append("  \(op.name): no tensor named \(candidates[0]) or \(candidates[2]) (counted as the graph says)")
                return op
            }
            var op = op
            // Sparse or dense is decided at the op's own parameter width when it has one.
            let (chosen, note) = decide(op.name, found.name, found.tensor, bits: op.bits.param.map(Double.init) ?? policy.paramBits)
            op.sparsity = chosen ?? op.sparsity
            notes.append(note)
            return op
        }
        graph.entries = graph.entries.map { entry in
            switch entry {
            case .op(let op): return .op(measure(op))
            case .block(var block):
                block.ops = block.ops.map(measure)
                return .block(block)
            }
        }
        let name = "\(checkpoint.path) with \(graphPath)"
        graph.name = graph.name ?? name
        return ResolvedModel(name: name, graph: graph, source: .checkpoint, notes: notes)
    }

    private static func header(_ policy: SparsityPolicy) -> String {
        let bits = policy.paramBits == policy.paramBits.rounded() ? String(Int(policy.paramBits)) : "\(policy.paramBits)"
        return "sparsity measured from the checkpoint's zeros; sparse (values + 1-bit mask) only where smaller than dense at \(bits) bits:"
    }

    /// The sparsity to count a weight at (nil: dense) and the line saying so.
    private static func decide(_ op: String, _ tensorName: String, _ tensor: Tensor, bits: Double) -> (Double?, String) {
        let zeros = tensor.zeroFraction()
        let elements = Double(tensor.count)
        let sparseBits = sparseSizeBits(elements: elements, bits: bits, sparsity: zeros)
        let denseBits = elements * bits
        let percent = String(format: "%.2f%%", zeros * 100)
        if zeros > 0 && sparseBits < denseBits {
            return (zeros, "  \(op): \(tensorName) \(percent) zeros -> sparse (\(megabytes(sparseBits)) MB < \(megabytes(denseBits)) MB dense)")
        }
        return (nil, "  \(op): \(tensorName) \(percent) zeros -> dense")
    }

    private static func megabytes(_ bits: Double) -> String { String(format: "%.6g", bits / 8 / 1e6) }
}
