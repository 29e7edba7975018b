import Checkpoint
import Graph
import QRNNModel

/// awd-lstm-lm's QRNN language model (salesforce/awd-lstm-lm with torchqrnn): `rnns.N.linear` layers.
public struct AWDQRNNRecogniser: Recogniser {
    public var family: String { "awd-lstm-lm QRNN" }

    /// Creates the recogniser.
    public init() {}

    public func recognise(_ checkpoint: LoadedCheckpoint) throws -> (any RecognisedModel)? {
        // torchqrnn's layers are the only ones with a `linear` module under `rnns.N`.
        guard checkpoint.modelTensors.contains(where: { $0.moduleName.hasPrefix("rnns.0.linear.") }) else { return nil }
        let pruned = checkpoint.modelTensors.map(\.moduleName).filter { $0.hasSuffix("_orig") }
        if !pruned.isEmpty {
            throw ImportError(checkpoint.path, "an awd-lstm-lm QRNN pruned with torch.nn.utils.prune (\(pruned.prefix(4).joined(separator: ", "))) "
                              + "is not recognised yet; count it with a graph file whose ops are named after its modules (encoder, "
                              + "rnns.0.linear.module, ...): --graph FILE")
        }
        let (config, tensors) = try QRNNConfig.recognise(checkpoint)
        return AWDQRNNModel(config: config, tensors: tensors, path: checkpoint.path)
    }
}

/// A recognised awd-lstm-lm QRNN: its configuration and tensors (the language-model path evaluates these).
public struct AWDQRNNModel: RecognisedModel {
    /// Sizes, windows, gates and splits.
    public let config: QRNNConfig
    /// The tensors, borrowed from the loaded checkpoint.
    public let tensors: QRNNTensors
    /// The checkpoint's path.
    public let path: String

    public var summary: String {
        "awd-lstm-lm QRNN: vocab \(config.vocabularySize), emsize \(config.embeddingSize), nhid \(config.hiddenSize), "
            + "\(config.layerCount) layers, windows \(config.windows.map(String.init).joined(separator: "/")), "
            + (config.splits.isEmpty ? "full softmax" : "splits \(config.splits.map(String.init).joined(separator: "/"))")
    }

    public var weights: [(op: String, weight: WeightTensor)] {
        [("embedding", WeightTensor(label: "encoder.weight", tensor: tensors.embedding))]
            + tensors.layers.enumerated().map {
                ("qrnn_\($0.offset)", WeightTensor(label: "rnns.\($0.offset).linear weight", tensor: $0.element.weight))
            }
    }

    // The decoder multiplies by the tied embedding table, so it skips the same zeros.
    public var tiedOps: [String: String] { config.tiedWeights ? ["decoder_weight": "embedding"] : [:] }

    public func opGraph(convention: CountingConvention, name: String, sparsity: [String: Double]) -> OpGraph {
        config.opGraph(convention: convention, name: name, sparsity: sparsity)
    }
}
