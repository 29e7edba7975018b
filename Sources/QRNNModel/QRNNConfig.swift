/// The shape of an awd-lstm-lm QRNN language model (salesforce/awd-lstm-lm with torchqrnn).
///
/// Layer l reads `E` (layer 0) or `H` features and writes `H`, except the last layer, which
/// writes `E` when the decoder is tied to the embedding. Each layer's linear map takes
/// `window · input` features to `3 · hidden` gate values (Z, F, O) when it has an output gate.
public struct QRNNConfig: Equatable, Sendable {
    /// Words in the vocabulary (V).
    public var vocabularySize: Int
    /// Embedding width (E): the embedding table is V × E.
    public var embeddingSize: Int
    /// Hidden width of the inner layers (H).
    public var hiddenSize: Int
    /// Convolution window of each layer (awd-lstm-lm: 2 for layer 0, 1 for the rest).
    public var windows: [Int]
    /// Decoder weight shares the embedding table (awd-lstm-lm forces this on).
    public var tiedWeights: Bool
    /// Layers multiply their cell state by an output gate (h = o · c).
    public var outputGate: Bool
    /// Split-softmax cluster boundaries after the head (e.g. 2800, 20000, 76000); empty means a full softmax.
    public var splits: [Int]

    /// Creates a configuration; `windows` defaults to awd-lstm-lm's (2 for the first layer, 1 after).
    public init(vocabularySize: Int, embeddingSize: Int, hiddenSize: Int, layerCount: Int = 4,
                windows: [Int]? = nil, tiedWeights: Bool = true, outputGate: Bool = true,
                splits: [Int]? = nil) {
        self.vocabularySize = vocabularySize
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.windows = windows ?? (0..<layerCount).map { $0 == 0 ? 2 : 1 }
        self.tiedWeights = tiedWeights
        self.outputGate = outputGate
        self.splits = splits ?? QRNNConfig.awdSplits(vocabularySize: vocabularySize)
    }

    /// Number of QRNN layers.
    public var layerCount: Int { windows.count }

    /// Input width of layer `l`.
    public func inputSize(layer l: Int) -> Int { l == 0 ? embeddingSize : hiddenSize }

    /// Hidden (state) width of layer `l`: the last layer writes E when the decoder is tied.
    public func hiddenSize(layer l: Int) -> Int {
        (l == layerCount - 1 && tiedWeights) ? embeddingSize : hiddenSize
    }

    /// Gate count per hidden unit: Z, F and, with an output gate, O.
    public var gateCount: Int { outputGate ? 3 : 2 }

    /// Width of the features the decoder reads (the last layer's hidden size).
    public var decoderInputSize: Int { hiddenSize(layer: layerCount - 1) }

    /// Parameters of the model itself (tied table counted once), as `model.parameters()` sums them.
    public var parameterCount: Int {
        var total = vocabularySize * embeddingSize
        for l in 0..<layerCount {
            let cin = windows[l] * inputSize(layer: l), cout = gateCount * hiddenSize(layer: l)
            total += cin * cout + cout
        }
        if !tiedWeights { total += decoderInputSize * vocabularySize }
        return total + vocabularySize // decoder bias
    }

    /// Parameters of the split-softmax criterion (tombstone vectors and biases), kept apart by awd-lstm-lm.
    public var criterionParameterCount: Int { splits.count * (decoderInputSize + 1) }

    /// awd-lstm-lm main.py's choice of splits from the vocabulary size.
    public static func awdSplits(vocabularySize: Int) -> [Int] {
        if vocabularySize > 500_000 { return [4200, 35000, 180000] }
        if vocabularySize > 75_000 { return [2800, 20000, 76000] }
        return []
    }

    /// The JAIST MicroNet entry: V 267,735, E 300, H 1800, 4 layers (104,905,335 parameters).
    public static let wt103Seed = QRNNConfig(vocabularySize: 267_735, embeddingSize: 300, hiddenSize: 1800)

    /// awd-lstm-lm's default WikiText-103 QRNN: E 400, H 2500 (153,885,435 parameters).
    public static let wt103Default = QRNNConfig(vocabularySize: 267_735, embeddingSize: 400, hiddenSize: 2500)
}
