import LanguageModel

/// Weights of one LSTM layer as torch.nn.LSTM stores them, gate blocks in the order i, f, g, o (a GRU's: r, z, n).
public struct LSTMLayerWeights: Sendable {
    /// weight_ih_l0: 4H rows of I columns (GRU: 3H).
    public var inputWeight: FloatBuffer
    /// weight_hh_l0 (WeightDrop's weight_hh_l0_raw): 4H rows of H columns (GRU: 3H).
    public var hiddenWeight: FloatBuffer
    /// bias_ih_l0 (4H; GRU 3H).
    public var inputBias: FloatBuffer
    /// bias_hh_l0 (4H; GRU 3H).
    public var hiddenBias: FloatBuffer

    /// Bundles one layer's weights.
    public init(inputWeight: FloatBuffer, hiddenWeight: FloatBuffer, inputBias: FloatBuffer, hiddenBias: FloatBuffer) {
        self.inputWeight = inputWeight
        self.hiddenWeight = hiddenWeight
        self.inputBias = inputBias
        self.hiddenBias = hiddenBias
    }

    /// A copy with every value passed through `round`.
    func map(_ round: (Float) -> Float) -> LSTMLayerWeights {
        LSTMLayerWeights(inputWeight: inputWeight.map(round), hiddenWeight: hiddenWeight.map(round),
                         inputBias: inputBias.map(round), hiddenBias: hiddenBias.map(round))
    }
}

/// All weights an awd-lstm-lm LSTM (or GRU) language model evaluates with.
public struct LSTMWeights: Sendable {
    /// Embedding table (V × E), also the tied decoder weight.
    public var embedding: FloatBuffer
    /// One entry per layer.
    public var layers: [LSTMLayerWeights]
    /// Decoder bias (V).
    public var decoderBias: FloatBuffer
    /// Split-softmax tombstone vectors (splits × E); empty without splits.
    public var tailVectors: FloatBuffer
    /// Split-softmax tombstone biases (splits); empty without splits.
    public var tailBias: FloatBuffer

    /// Bundles the weights; the model checks them against its configuration.
    public init(embedding: FloatBuffer, layers: [LSTMLayerWeights], decoderBias: FloatBuffer,
                tailVectors: FloatBuffer = FloatBuffer([]), tailBias: FloatBuffer = FloatBuffer([])) {
        self.embedding = embedding
        self.layers = layers
        self.decoderBias = decoderBias
        self.tailVectors = tailVectors
        self.tailBias = tailBias
    }
}
