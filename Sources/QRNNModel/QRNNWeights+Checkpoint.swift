import Checkpoint
import LanguageModel

extension QRNNWeights {
    /// Weights of a recognised checkpoint, borrowing float32 tensors from `checkpoint` without copying.
    public init(_ tensors: QRNNTensors, checkpoint: LoadedCheckpoint) {
        let owner = CheckpointOwner(checkpoint)
        self.init(embedding: FloatBuffer(tensors.embedding, owner: owner),
                  layers: tensors.layers.map { QRNNLayerWeights(weight: FloatBuffer($0.weight, owner: owner),
                                                                bias: FloatBuffer($0.bias, owner: owner)) },
                  decoderBias: FloatBuffer(tensors.decoderBias, owner: owner),
                  tailVectors: tensors.tailVectors.map { FloatBuffer($0, owner: owner) } ?? FloatBuffer([]),
                  tailBias: tensors.tailBias.map { FloatBuffer($0, owner: owner) } ?? FloatBuffer([]))
    }
}

extension RecurrentLanguageModel where Stack == QRNNStack {
    /// Loads an awd-lstm-lm QRNN checkpoint (whole `[model, criterion, optimizer]`, a bare model, or a state dict).
    public static func load(path: String, precision: Precision = .fp32) throws -> QRNNLanguageModel {
        try load(LoadedCheckpoint.load(path: path), precision: precision)
    }

    /// Builds the model from an already loaded checkpoint.
    public static func load(_ checkpoint: LoadedCheckpoint, precision: Precision = .fp32) throws -> QRNNLanguageModel {
        let (config, tensors) = try QRNNConfig.recognise(checkpoint)
        return try QRNNLanguageModel(config: config, weights: QRNNWeights(tensors, checkpoint: checkpoint), precision: precision)
    }
}
