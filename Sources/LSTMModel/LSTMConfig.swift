/// The shape of an awd-lstm-lm LSTM or GRU language model (salesforce/awd-lstm-lm, `--model LSTM` or `GRU`).
///
/// Layer l is a one-layer `torch.nn.LSTM` (or `torch.nn.GRU`) reading E (layer 0) or H features and writing H,
/// except the last layer, which writes E when the decoder is tied to the embedding. Each layer has 4H gate rows
/// (i, f, g, o), a GRU's 3H (r, z, n).
public struct LSTMConfig: Equatable, Sendable {
    /// Words in the vocabulary (V).
    public var vocabularySize: Int
    /// Embedding width (E): the embedding table is V × E.
    public var embeddingSize: Int
    /// Hidden width of the inner layers (H).
    public var hiddenSize: Int
    /// Number of LSTM layers.
    public var layerCount: Int
    /// Decoder weight shares the embedding table (awd-lstm-lm forces this on).
    public var tiedWeights: Bool
    /// Split-softmax cluster boundaries after the head; empty means a full softmax.
    public var splits: [Int]
    /// Bias vectors per layer: PyTorch stores two (bias_ih, bias_hh), many papers count one. Counting only:
    /// evaluation needs awd-lstm-lm's two.
    public var biasVectors: Int
    /// Width of an output projection H → P without bias after each layer (LSTM, counting only), or nil.
    public var projectionSize: Int?
    /// LSTM or GRU layers.
    public var cell: GatedCell

    /// Creates a configuration; `splits` defaults to awd-lstm-lm main.py's choice for the vocabulary size.
    public init(vocabularySize: Int, embeddingSize: Int, hiddenSize: Int, layerCount: Int = 3,
                tiedWeights: Bool = true, splits: [Int]? = nil, biasVectors: Int = 2, projectionSize: Int? = nil,
                cell: GatedCell = .lstm) {
        self.vocabularySize = vocabularySize
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.tiedWeights = tiedWeights
        self.splits = splits ?? LSTMConfig.awdSplits(vocabularySize: vocabularySize)
        self.biasVectors = biasVectors
        self.projectionSize = projectionSize
        self.cell = cell
    }

    /// Input width of layer `l`: E, else the previous layer's output (its projection P when there is one).
    public func inputSize(layer l: Int) -> Int { l == 0 ? embeddingSize : (projectionSize ?? hiddenSize) }

    /// Hidden (state) width of layer `l`: the last layer writes E when the decoder is tied (without a projection,
    /// which then maps H to E instead).
    public func hiddenSize(layer l: Int) -> Int {
        (l == layerCount - 1 && tiedWeights && projectionSize == nil) ? embeddingSize : hiddenSize
    }

    /// Width of the features the decoder reads (the last layer's output).
    public var decoderInputSize: Int { projectionSize ?? hiddenSize(layer: layerCount - 1) }

    /// Parameters of the model itself (tied table counted once), as `model.parameters()` sums them.
    public var parameterCount: Int {
        var total = vocabularySize * embeddingSize
        for l in 0..<layerCount {
            let i = inputSize(layer: l), h = hiddenSize(layer: l)
            let g = cell.gates
            total += g * h * (i + h) + biasVectors * g * h + h * (projectionSize ?? 0)
        }
        if !tiedWeights { total += decoderInputSize * vocabularySize }
        return total + vocabularySize // decoder bias
    }

    /// awd-lstm-lm main.py's choice of splits from the vocabulary size.
    public static func awdSplits(vocabularySize: Int) -> [Int] {
        if vocabularySize > 500_000 { return [4200, 35000, 180000] }
        if vocabularySize > 75_000 { return [2800, 20000, 76000] }
        return []
    }

    /// The MicroNet Challenge's WikiText-103 baseline (Rae et al. 2018): V 267,735, E 512 tied, one LSTM
    /// layer with H 2048, one bias vector and a 2048 → 512 projection; its decoder is one tied FullyConnected
    /// with bias (see `opGraph`). 159,376,343 parameters, 318,247,424 ops at 32 bits.
    public static let wt103Baseline = LSTMConfig(vocabularySize: 267_735, embeddingSize: 512, hiddenSize: 2048,
                                                 layerCount: 1, splits: [], biasVectors: 1, projectionSize: 512)

    /// awd-lstm-lm's WikiText-2 LSTM: V 33,278, E 400, H 1150, 3 layers, full softmax.
    public static let wt2 = LSTMConfig(vocabularySize: 33_278, embeddingSize: 400, hiddenSize: 1150, layerCount: 3)
}
