import Graph

extension LSTMConfig {
    /// How the decoder is counted.
    public enum DecoderCounting: Sendable {
        /// As the seed's table counts an awd-lstm-lm checkpoint: a tied FullyConnected without bias, the bias
        /// as a FullyConnected [0, V] with bias (V params, no ops), and a GlobalMax over V.
        case seedTable
        /// As the challenge's baseline is counted: one tied FullyConnected [F, V] with bias, no GlobalMax.
        case baseline
    }

    /// The op graph of one token's inference: rows `embedding`, `block_lstm` (one LSTM op per layer, `lstm_<l>`;
    /// a GRU model's are `block_gru` and `gru_<l>`) and
    /// `block_decoder`. The criterion's tail vectors are left out, as for QRNN checkpoints. `sparsity` gives
    /// an op its own (measured) weight sparsity by op name.
    public func opGraph(convention: CountingConvention = .seed, name: String? = nil, sparsity: [String: Double] = [:],
                        decoder counting: DecoderCounting = .seedTable) -> OpGraph {
        let layers = (0..<layerCount).map { l in
            let name = "\(cell.opPrefix)_\(l)", i = inputSize(layer: l), h = hiddenSize(layer: l)
            let kind: any OpKind = cell == .lstm
                ? LSTM(inputSize: i, hiddenSize: h, biasVectors: biasVectors, projectionSize: projectionSize)
                : GRU(inputSize: i, hiddenSize: h, biasVectors: biasVectors)
            return NamedOp(name, kind, sparsity: sparsity[name])
        }
        let softmax: Activation? = convention == .full ? .softmax : nil
        let decoder: [NamedOp]
        switch counting {
        case .seedTable:
            decoder = [
                NamedOp("decoder_weight", FullyConnected(kernelShape: [decoderInputSize, vocabularySize], useBias: false,
                                                         tiedWeights: tiedWeights),
                        sparsity: sparsity["decoder_weight"]),
                NamedOp("decoder_bias", FullyConnected(kernelShape: [0, vocabularySize], useBias: true, activation: softmax)),
                NamedOp("max", GlobalMax(inputSize: 1, nChannels: vocabularySize)),
            ]
        case .baseline:
            decoder = [NamedOp("decoder", FullyConnected(kernelShape: [decoderInputSize, vocabularySize], useBias: true,
                                                         activation: softmax, tiedWeights: tiedWeights),
                               sparsity: sparsity["decoder"])]
        }
        return OpGraph(name: name, input: .tokens(vocabulary: vocabularySize), entries: [
            .op(NamedOp("embedding", Embedding(inputSize: vocabularySize, nChannels: embeddingSize),
                        sparsity: sparsity["embedding"])),
            .block(Block("block_\(cell.opPrefix)", layers)),
            .block(Block("block_decoder", decoder)),
        ])
    }
}
