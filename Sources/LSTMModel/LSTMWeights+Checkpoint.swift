import Checkpoint
import LanguageModel

extension LSTMWeights {
    /// Weights of a recognised checkpoint: float32 tensors borrowed from the mapped file, others (misaligned
    /// legacy storages, 16-bit) converted one tensor at a time, only those the model uses.
    public init(_ tensors: LSTMTensors, checkpoint: LoadedCheckpoint) {
        let owner = CheckpointOwner(checkpoint)
        self.init(embedding: FloatBuffer(tensors.embedding, owner: owner),
                  layers: tensors.layers.map {
                      LSTMLayerWeights(inputWeight: FloatBuffer($0.inputWeight, owner: owner),
                                       hiddenWeight: FloatBuffer($0.hiddenWeight, owner: owner),
                                       inputBias: FloatBuffer($0.inputBias, owner: owner),
                                       hiddenBias: FloatBuffer($0.hiddenBias, owner: owner))
                  },
                  decoderBias: FloatBuffer(tensors.decoderBias, owner: owner),
                  tailVectors: tensors.tailVectors.map { FloatBuffer($0, owner: owner) } ?? FloatBuffer([]),
                  tailBias: tensors.tailBias.map { FloatBuffer($0, owner: owner) } ?? FloatBuffer([]))
    }
}

extension RecurrentLanguageModel where Stack == LSTMStack {
    /// Loads an awd-lstm-lm LSTM checkpoint (whole `[model, criterion, optimizer]`, a bare model, or a state dict).
    public static func load(path: String, precision: Precision = .fp32) throws -> LSTMLanguageModel {
        try load(LoadedCheckpoint.load(path: path), precision: precision)
    }

    /// Builds the model from an already loaded checkpoint.
    public static func load(_ checkpoint: LoadedCheckpoint, precision: Precision = .fp32) throws -> LSTMLanguageModel {
        let (config, tensors) = try LSTMConfig.recognise(checkpoint)
        return try LSTMLanguageModel(config: config, weights: LSTMWeights(tensors, checkpoint: checkpoint), precision: precision)
    }
}
