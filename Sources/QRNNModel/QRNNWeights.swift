import LanguageModel

/// Weights of one QRNN layer: the gate projection W (gates·hidden × window·input, row-major as torch
/// stores it; rows Z, then F, then O) and its bias.
public struct QRNNLayerWeights: Sendable {
    /// Projection matrix, `gateCount · hidden` rows of `window · input` columns.
    public var weight: FloatBuffer
    /// Bias, `gateCount · hidden` values.
    public var bias: FloatBuffer
}

/// All weights an awd-lstm-lm QRNN language model evaluates with.
public struct QRNNWeights: Sendable {
    /// Embedding table (V × E), also the tied decoder weight.
    public var embedding: FloatBuffer
    /// One entry per layer.
    public var layers: [QRNNLayerWeights]
    /// Decoder bias (V).
    public var decoderBias: FloatBuffer
    /// Split-softmax tombstone vectors (splits × E); empty without splits.
    public var tailVectors: FloatBuffer
    /// Split-softmax tombstone biases (splits); empty without splits.
    public var tailBias: FloatBuffer

    /// Bundles the weights; use `validate(against:)` before evaluating.
    public init(embedding: FloatBuffer, layers: [QRNNLayerWeights], decoderBias: FloatBuffer,
                tailVectors: FloatBuffer = FloatBuffer([]), tailBias: FloatBuffer = FloatBuffer([])) {
        self.embedding = embedding
        self.layers = layers
        self.decoderBias = decoderBias
        self.tailVectors = tailVectors
        self.tailBias = tailBias
    }

    /// Checks every buffer's size against `config`; the forward pass relies on it.
    public func validate(against config: QRNNConfig) throws {
        func check(_ name: String, _ buffer: FloatBuffer, _ expected: Int) throws {
            if buffer.count != expected {
                throw QRNNError.shapeMismatch("\(name) has \(buffer.count) values, the configuration needs \(expected)")
            }
        }
        let v = config.vocabularySize, e = config.embeddingSize
        guard config.tiedWeights else { throw QRNNError.unsupported("an untied decoder weight") }
        try check("embedding", embedding, v * e)
        try check("decoder bias", decoderBias, v)
        guard layers.count == config.layerCount else {
            throw QRNNError.shapeMismatch("\(layers.count) layers given, the configuration has \(config.layerCount)")
        }
        for (l, layer) in layers.enumerated() {
            let rows = config.gateCount * config.hiddenSize(layer: l)
            try check("layer \(l) weight", layer.weight, rows * config.windows[l] * config.inputSize(layer: l))
            try check("layer \(l) bias", layer.bias, rows)
        }
        try check("tail vectors", tailVectors, config.splits.count * config.decoderInputSize)
        try check("tail bias", tailBias, config.splits.count)
    }

    /// A copy with every weight rounded by `round` (16-bit precision experiments).
    public func rounded(_ round: (Float) -> Float) -> QRNNWeights {
        QRNNWeights(embedding: embedding.map(round),
                    layers: layers.map { QRNNLayerWeights(weight: $0.weight.map(round), bias: $0.bias.map(round)) },
                    decoderBias: decoderBias.map(round), tailVectors: tailVectors.map(round),
                    tailBias: tailBias.map(round))
    }
}
