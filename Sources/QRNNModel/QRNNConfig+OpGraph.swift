import Graph

extension QRNNConfig {
    /// The op graph of one token's inference, as the seed's test.py builds it (read_model).
    ///
    /// Rows: `embedding`; `block_qrnn` with one QRNN op per layer; `block_decoder` with the decoder
    /// weight (tied: stored by the embedding), its bias as a bias-only op, and the `max` over the
    /// vocabulary. The full convention also puts the output softmax on the decoder bias's outputs.
    /// `sparsity` gives an op its own (measured) weight sparsity by op name.
    public func opGraph(convention: CountingConvention = .seed, name: String? = nil,
                        sparsity: [String: Double] = [:]) -> OpGraph {
        let layers = (0..<layerCount).map { l in
            NamedOp("qrnn_\(l)", QRNN(inputSize: inputSize(layer: l), hiddenSize: hiddenSize(layer: l),
                                      window: windows[l], outputGate: outputGate),
                    sparsity: sparsity["qrnn_\(l)"])
        }
        let decoder = [
            NamedOp("decoder_weight", FullyConnected(
                kernelShape: [decoderInputSize, vocabularySize], useBias: false, tiedWeights: tiedWeights),
                    sparsity: sparsity["decoder_weight"]),
            NamedOp("decoder_bias", FullyConnected(
                kernelShape: [0, vocabularySize], useBias: true,
                activation: convention == .full ? .softmax : nil)),
            NamedOp("max", GlobalMax(inputSize: 1, nChannels: vocabularySize)),
        ]
        return OpGraph(name: name, input: .tokens(vocabulary: vocabularySize), entries: [
            .op(NamedOp("embedding", Embedding(inputSize: vocabularySize, nChannels: embeddingSize),
                        sparsity: sparsity["embedding"])),
            .block(Block("block_qrnn", layers)),
            .block(Block("block_decoder", decoder)),
        ])
    }
}
