import Checkpoint
import Foundation
import Graph
import LanguageModel
import ONNX
import QRNNModel

/// A model file, sniffed and read once. Counting asks it for an op graph; evaluation for the loaded checkpoint.
public struct ImportedModel {
    /// What the file holds, as read.
    public enum Content {
        /// A graph file's op graph.
        case graph(OpGraph)
        /// A PyTorch checkpoint (zip, legacy or pickle), memory-mapped.
        case checkpoint(LoadedCheckpoint)
        /// An ONNX model, memory-mapped (initializers are read only when their zeros are counted).
        case onnx(ONNXModel)
    }

    /// The path as given.
    public let path: String
    /// What the bytes were.
    public let kind: FileKind
    /// What was read.
    public let content: Content

    /// The loaded checkpoint, when the file is one (the language-model path builds on it).
    public var checkpoint: LoadedCheckpoint? {
        if case .checkpoint(let c) = content { return c }
        return nil
    }

    /// The ONNX model, when the file is one.
    public var onnx: ONNXModel? {
        if case .onnx(let m) = content { return m }
        return nil
    }

    /// The op graph to count, with notes on how each weight's sparsity was decided.
    ///
    /// A graph file is its own graph. A checkpoint is recognised (awd-lstm-lm QRNN, ...) or, with
    /// `pairedGraph`, counted by that graph, whose ops are checked against the checkpoint's tensor
    /// shapes and take their measured sparsity. An ONNX model is lowered with batch 1; `inputShape`
    /// replaces its input's shape. `sparsity` says whether sparsity is measured and at what bits.
    public func opGraph(convention: CountingConvention = .seed, sparsity policy: SparsityPolicy,
                        pairedGraph: String? = nil, inputShape: [Int]? = nil) throws -> ResolvedModel {
        if inputShape != nil && onnx == nil { throw ImportError("--input-shape", "applies to ONNX models only, and \(path) is a \(kind.rawValue)") }
        switch content {
        case .onnx(let model):
            if pairedGraph != nil { throw ImportError(path, "a graph file pairs with a checkpoint only, and this is an ONNX model") }
            var resolved = try ONNXImport.resolve(model, inputShape: inputShape, policy: policy)
            resolved.imported = self
            return resolved
        case .graph(let graph):
            if pairedGraph != nil { throw ImportError(path, "a graph file pairs with a checkpoint only, and this is a graph file") }
            return ResolvedModel(name: graph.name ?? URL(fileURLWithPath: path).lastPathComponent, graph: graph,
                                 source: .graphFile, imported: self)
        case .checkpoint(let checkpoint):
            if let pairedGraph {
                let graph = try ModelImport.readGraph(pairedGraph)
                var resolved = try GraphPairing(checkpoint: checkpoint, graphPath: pairedGraph).paired(graph, policy: policy)
                resolved.imported = self
                return resolved
            }
            let model = try Recognisers.recognise(checkpoint)
            var measured: [String: Double] = [:]
            var notes = [policy.header]
            let stored = StoredBits(checkpoint: checkpoint)
            if policy.measure {
                for (op, weight) in model.weights {
                    // A half-precision file: sparse or dense is decided at the 16 bits it stores.
                    let (chosen, note) = policy.decide(op: op, weight: weight, bits: stored.halfPrecision.map { Double($0.bits) })
                    if let chosen { measured[op] = chosen }
                    notes.append(note)
                }
                for (op, storedBy) in model.tiedOps { if let s = measured[storedBy] { measured[op] = s } }
            }
            let name = "\(path) (\(model.summary))"
            var graph = model.opGraph(convention: convention, name: name, sparsity: measured)
            if let half = stored.halfPrecisionGraph(graph) {
                graph = half.graph
                notes.append(half.note)
            }
            return ResolvedModel(name: name, graph: graph, source: .checkpoint, notes: notes, imported: self)
        }
    }

    /// What the checkpoint holds, recognised (for evaluation); throws for a graph file or an unrecognised checkpoint.
    public func recognised() throws -> any RecognisedModel {
        guard let checkpoint else { throw ImportError(path, "is a \(kind.rawValue): only PyTorch checkpoints can be evaluated") }
        return try Recognisers.recognise(checkpoint)
    }

    /// The QRNN language model the checkpoint holds, borrowing its weights (no second load).
    public func qrnnLanguageModel(precision: Precision = .fp32) throws -> QRNNLanguageModel {
        guard let checkpoint else { throw ImportError(path, "is a graph file: it has no weights to evaluate") }
        guard let qrnn = try recognised() as? AWDQRNNModel else {
            throw ImportError(path, "not an awd-lstm-lm QRNN language model (eval runs awd-lstm-lm QRNN, LSTM and GRU models)")
        }
        return try namingFile {
            try QRNNLanguageModel(config: qrnn.config, weights: QRNNWeights(qrnn.tensors, checkpoint: checkpoint),
                                  precision: precision)
        }
    }

    /// Runs `body` (building or evaluating this file's language model) so that an error about its weights
    /// (not finite, a shape that does not fit) names this file, as every bad-input message must.
    public func namingFile<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as LanguageModelError {
            let named = { (m: String) in m.hasPrefix(path + ": ") ? m : "\(path): \(m)" }
            switch e {
            case .notFinite(let m): throw LanguageModelError.notFinite(named(m))
            case .shapeMismatch(let m): throw LanguageModelError.shapeMismatch(named(m))
            case .unsupported(let m): throw LanguageModelError.unsupported(named(m))
            default: throw e  // the text's and vocabulary's own problems name those files
            }
        }
    }
}
