import LanguageModel

/// The layers of an awd-lstm-lm LSTM (or GRU) language model; each layer carries (h, c) (a GRU's h) across chunks.
public struct LSTMStack: RecurrentStack {
    /// The architecture.
    public let config: LSTMConfig
    /// Per-layer weights.
    public let layers: [LSTMLayerWeights]

    /// A stack after checking every layer's weights against `config`; errors name the tensor as awd-lstm-lm does.
    public init(config: LSTMConfig, layers: [LSTMLayerWeights]) throws {
        guard layers.count == config.layerCount else {
            throw LSTMError.shapeMismatch("\(layers.count) layers given, the configuration has \(config.layerCount)")
        }
        for (l, layer) in layers.enumerated() {
            let i = config.inputSize(layer: l), h = config.hiddenSize(layer: l), g = config.cell.gates
            for (name, buffer, expected) in [("weight_ih_l0", layer.inputWeight, g * h * i),
                                             ("weight_hh_l0", layer.hiddenWeight, g * h * h),
                                             ("bias_ih_l0", layer.inputBias, g * h), ("bias_hh_l0", layer.hiddenBias, g * h)]
            where buffer.count != expected {
                throw LSTMError.shapeMismatch("rnns.\(l).\(name) has \(buffer.count) values, the configuration needs \(expected)")
            }
        }
        self.config = config
        self.layers = layers
    }

    public var inputSize: Int { config.embeddingSize }
    public var outputSize: Int { config.decoderInputSize }

    /// Hidden and cell states of every layer (zero at the start: init_hidden), plus work areas.
    public final class State {
        let layers: [LSTMLayer]
        let hidden: [UnsafeMutablePointer<Float>]
        let cells: [UnsafeMutablePointer<Float>]
        let hiddenGates = Scratch(), activation = Scratch()
        /// Input projections of a chunk, in the runner's lent work area (see `makeState`).
        let inputGates: Scratch

        init(layers: [LSTMLayer], batch: Int, inputGates: Scratch) {
            self.layers = layers
            self.inputGates = inputGates
            func zeros(_ n: Int) -> UnsafeMutablePointer<Float> {
                let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
                p.initialize(repeating: 0, count: max(n, 1))
                return p
            }
            hidden = layers.map { zeros(batch * $0.hiddenSize) }
            cells = layers.map { zeros(batch * $0.hiddenSize) }
        }

        deinit {
            hidden.forEach { $0.deallocate() }
            cells.forEach { $0.deallocate() }
        }
    }

    public func makeState(batch: Int, workArea: Scratch) -> State {
        State(layers: (0..<config.layerCount).map { l in
            LSTMLayer(inputSize: config.inputSize(layer: l), hiddenSize: config.hiddenSize(layer: l), cell: config.cell,
                      weights: layers[l])
        }, batch: batch, inputGates: workArea)
    }

    public func forward(input: UnsafePointer<Float>, steps: Int, batch: Int, state: State,
                        precision: Precision) -> UnsafePointer<Float> {
        let rows = steps * batch
        var x = input
        // One activation buffer for every layer: a layer reads its input only in its input GEMM, before it
        // writes a single output, so layer l writes over layer l-1's output in place (one buffer fewer).
        let out = state.activation.reserve(rows * (state.layers.map(\.hiddenSize).max() ?? 0))
        for (l, layer) in state.layers.enumerated() {
            layer.forward(input: x, steps: steps, batch: batch, output: out, hidden: state.hidden[l], cell: state.cells[l],
                          inputGates: state.inputGates, hiddenGates: state.hiddenGates, precision: precision)
            x = UnsafePointer(out)
        }
        return x
    }

    public func rounded(to precision: Precision) -> LSTMStack {
        guard precision != .fp32 else { return self }
        // Same sizes as self, which passed the checks.
        return (try? LSTMStack(config: config, layers: layers.map { $0.map { precision.round($0) } })) ?? self
    }

    public func firstNonFiniteWeight() -> String? {
        for (l, layer) in layers.enumerated() {
            for (name, b) in [("weight_ih_l0", layer.inputWeight), ("weight_hh_l0", layer.hiddenWeight),
                              ("bias_ih_l0", layer.inputBias), ("bias_hh_l0", layer.hiddenBias)] {
                if let i = b.firstNonFinite() { return "rnns.\(l).\(name) value \(i)" }
            }
        }
        return nil
    }
}

/// An awd-lstm-lm LSTM (or GRU) language model in eval mode: embedding → LSTM (GRU) layers → split softmax over the tied
/// embedding. Dropouts and weight drop are inactive at evaluation (WeightDrop's raw weight is used unchanged).
public typealias LSTMLanguageModel = RecurrentLanguageModel<LSTMStack>

extension RecurrentLanguageModel where Stack == LSTMStack {
    /// Builds a model after checking every weight's size against `config`; 16-bit precisions round a copy.
    public init(config: LSTMConfig, weights: LSTMWeights, precision: Precision = .fp32) throws {
        guard config.tiedWeights else { throw LanguageModelError.unsupported("an untied decoder weight") }
        guard config.biasVectors == 2, config.projectionSize == nil else {
            throw LanguageModelError.unsupported("evaluating an \(config.cell.rawValue) with \(config.biasVectors) bias vectors or a projection (awd-lstm-lm has two and none)")
        }
        let head = try SoftmaxHead(
            config: SoftmaxHeadConfig(vocabularySize: config.vocabularySize, featureSize: config.decoderInputSize,
                                      splits: config.splits),
            weights: SoftmaxHeadWeights(table: weights.embedding, bias: weights.decoderBias,
                                        tailVectors: weights.tailVectors, tailBias: weights.tailBias))
        try self.init(embedding: weights.embedding, stack: LSTMStack(config: config, layers: weights.layers),
                      head: head, precision: precision)
    }

    /// The weights the model evaluates with (rounded ones for 16-bit precisions).
    public var weights: LSTMWeights {
        LSTMWeights(embedding: embedding, layers: stack.layers, decoderBias: head.weights.bias,
                    tailVectors: head.weights.tailVectors, tailBias: head.weights.tailBias)
    }
}
