import LanguageModel

/// The QRNN layers of an awd-lstm-lm QRNN language model (torchqrnn QRNNLayer in eval mode).
/// Each layer carries its cell state c and, for window 2, its last input x_T across chunks.
public struct QRNNStack: RecurrentStack {
    /// The architecture.
    public let config: QRNNConfig
    /// Per-layer projection weights and biases.
    public let layers: [QRNNLayerWeights]

    /// A stack after checking the layer weights' sizes and windows against `config`.
    public init(config: QRNNConfig, layers: [QRNNLayerWeights]) throws {
        guard layers.count == config.layerCount else {
            throw QRNNError.shapeMismatch("\(layers.count) layers given, the configuration has \(config.layerCount)")
        }
        for (l, layer) in layers.enumerated() {
            let rows = config.gateCount * config.hiddenSize(layer: l)
            let expected = rows * config.windows[l] * config.inputSize(layer: l)
            if layer.weight.count != expected {
                throw QRNNError.shapeMismatch("layer \(l) weight has \(layer.weight.count) values, the configuration needs \(expected)")
            }
            if layer.bias.count != rows {
                throw QRNNError.shapeMismatch("layer \(l) bias has \(layer.bias.count) values, the configuration needs \(rows)")
            }
        }
        for (l, w) in config.windows.enumerated() where w != 1 && w != 2 {
            throw QRNNError.unsupported("layer \(l) has window \(w) (torchqrnn supports 1 and 2)")
        }
        self.config = config
        self.layers = layers
    }

    public var inputSize: Int { config.embeddingSize }
    public var outputSize: Int { config.decoderInputSize }

    /// The layers, wired to their weights.
    var qrnnLayers: [QRNNLayer] {
        (0..<config.layerCount).map { l in
            QRNNLayer(inputSize: config.inputSize(layer: l), hiddenSize: config.hiddenSize(layer: l),
                      window: config.windows[l], outputGate: config.outputGate, weights: layers[l])
        }
    }

    /// Cell states and previous inputs (zero at the start: init_hidden and reset()), plus work areas.
    public final class State {
        let layers: [QRNNLayer]
        let batch: Int
        let cells: [UnsafeMutablePointer<Float>]
        let previousInputs: [UnsafeMutablePointer<Float>]
        let source = Scratch(), activation = Scratch()
        /// Gate pre-activations, in the runner's lent work area (see `makeState`).
        let gates: Scratch

        init(layers: [QRNNLayer], batch: Int, gates: Scratch) {
            self.layers = layers
            self.gates = gates
            self.batch = batch
            cells = layers.map { l in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: batch * l.hiddenSize)
                p.initialize(repeating: 0, count: batch * l.hiddenSize)
                return p
            }
            previousInputs = layers.map { l in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: batch * l.inputSize)
                p.initialize(repeating: 0, count: batch * l.inputSize)
                return p
            }
        }

        deinit {
            cells.forEach { $0.deallocate() }
            previousInputs.forEach { $0.deallocate() }
        }
    }

    public func makeState(batch: Int, workArea: Scratch) -> State { State(layers: qrnnLayers, batch: batch, gates: workArea) }

    public func forward(input: UnsafePointer<Float>, steps: Int, batch: Int, state: State,
                        precision: Precision) -> UnsafePointer<Float> {
        let rows = steps * batch
        var x = input
        // One activation buffer for every layer: a layer reads its input only in its input GEMM, before it
        // writes a single output, so layer l writes over layer l-1's output in place (one buffer fewer).
        let out = state.activation.reserve(rows * (state.layers.map(\.hiddenSize).max() ?? 0))
        for (l, layer) in state.layers.enumerated() {
            layer.forward(input: x, steps: steps, batch: batch, output: out, cell: state.cells[l],
                          previousInput: state.previousInputs[l], source: state.source, gates: state.gates,
                          precision: precision)
            x = UnsafePointer(out)
        }
        return x
    }

    public func rounded(to precision: Precision) -> QRNNStack {
        guard precision != .fp32 else { return self }
        let r = layers.map { QRNNLayerWeights(weight: $0.weight.map { precision.round($0) }, bias: $0.bias.map { precision.round($0) }) }
        // Same sizes as self, which passed the checks.
        return (try? QRNNStack(config: config, layers: r)) ?? self
    }

    public func firstNonFiniteWeight() -> String? {
        for (l, layer) in layers.enumerated() {
            if let i = layer.weight.firstNonFinite() { return "rnns.\(l).linear.module.weight_raw value \(i)" }
            if let i = layer.bias.firstNonFinite() { return "rnns.\(l).linear.module.bias value \(i)" }
        }
        return nil
    }
}

/// An awd-lstm-lm QRNN language model in eval mode: embedding → QRNN layers → split softmax over the
/// tied embedding. Dropouts, weight drop and zoneout are all inactive at evaluation.
public typealias QRNNLanguageModel = RecurrentLanguageModel<QRNNStack>

/// Runs a QRNN model chunk by chunk, carrying every layer's cell state and previous input.
public typealias QRNNRunner = LanguageModelRunner<QRNNStack>

extension RecurrentLanguageModel where Stack == QRNNStack {
    /// Builds a model after checking every weight's size against `config`; 16-bit precisions round a copy of the weights.
    public init(config: QRNNConfig, weights: QRNNWeights, precision: Precision = .fp32) throws {
        try weights.validate(against: config)
        let head = try SoftmaxHead(
            config: SoftmaxHeadConfig(vocabularySize: config.vocabularySize, featureSize: config.decoderInputSize,
                                      splits: config.splits),
            weights: SoftmaxHeadWeights(table: weights.embedding, bias: weights.decoderBias,
                                        tailVectors: weights.tailVectors, tailBias: weights.tailBias))
        try self.init(embedding: weights.embedding, stack: QRNNStack(config: config, layers: weights.layers),
                      head: head, precision: precision)
    }

    /// The weights the model evaluates with (rounded ones for 16-bit precisions).
    public var weights: QRNNWeights {
        QRNNWeights(embedding: embedding, layers: stack.layers, decoderBias: head.weights.bias,
                    tailVectors: head.weights.tailVectors, tailBias: head.weights.tailBias)
    }
}
