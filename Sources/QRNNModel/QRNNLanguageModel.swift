/// An awd-lstm-lm QRNN language model in eval mode: embedding → QRNN layers → split softmax over the
/// tied embedding. Dropouts, weight drop and zoneout are all inactive at evaluation, so none appear here.
public struct QRNNLanguageModel: Sendable {
    /// The architecture.
    public let config: QRNNConfig
    /// The weights (views into a loaded checkpoint, or owned copies).
    public let weights: QRNNWeights
    /// Format weights and activations are rounded to.
    public let precision: Precision

    /// Builds a model after checking every weight's size against `config`; 16-bit precisions round a copy of the weights.
    public init(config: QRNNConfig, weights: QRNNWeights, precision: Precision = .fp32) throws {
        try weights.validate(against: config)
        for (l, w) in config.windows.enumerated() where w != 1 && w != 2 {
            throw QRNNError.unsupported("layer \(l) has window \(w) (torchqrnn supports 1 and 2)")
        }
        self.config = config
        self.weights = precision == .fp32 ? weights : weights.rounded { precision.round($0) }
        self.precision = precision
    }

    /// The layers, wired to their weights.
    var layers: [QRNNLayer] {
        (0..<config.layerCount).map { l in
            QRNNLayer(inputSize: config.inputSize(layer: l), hiddenSize: config.hiddenSize(layer: l),
                      window: config.windows[l], outputGate: config.outputGate, weights: weights.layers[l])
        }
    }
}

/// Runs a model over consecutive chunks of `batch` token streams, carrying each layer's cell state and
/// layer inputs' last step (prevX) from chunk to chunk, as awd-lstm-lm's evaluate() does.
public final class QRNNRunner {
    /// The model being run.
    public let model: QRNNLanguageModel
    /// Number of parallel streams.
    public let batch: Int
    private let layers: [QRNNLayer]
    private let softmax: SplitSoftmax
    private var cells: [UnsafeMutablePointer<Float>]
    private var previousInputs: [UnsafeMutablePointer<Float>]
    private let source = Scratch(), gates = Scratch(), logits = Scratch(), gathered = Scratch()
    private let activationA = Scratch(), activationB = Scratch(), nll = Scratch()

    /// A runner with zero state (init_hidden and reset(): c = 0, prevX = 0).
    public init(model: QRNNLanguageModel, batch: Int) {
        self.model = model
        self.batch = batch
        layers = model.layers
        softmax = SplitSoftmax(config: model.config, weights: model.weights)
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

    /// Sets every cell state and previous input back to zero.
    public func reset() {
        for (l, layer) in layers.enumerated() {
            cells[l].update(repeating: 0, count: batch * layer.hiddenSize)
            previousInputs[l].update(repeating: 0, count: batch * layer.inputSize)
        }
    }

    /// Final features (rows × E, row t·B + b) of one chunk of `steps` steps; `inputs` is time-major (steps × batch).
    /// The returned pointer is valid until the next call.
    func features(inputs: UnsafePointer<Int32>, steps: Int) -> UnsafePointer<Float> {
        let rows = steps * batch, e = model.config.embeddingSize
        var x = activationA.reserve(rows * e)
        // Embedding: a plain row lookup.
        let emb = model.weights.embedding.base
        for r in 0..<rows { (x + r * e).update(from: emb + Int(inputs[r]) * e, count: e) }
        var spare = activationB
        var current = activationA
        for (l, layer) in layers.enumerated() {
            let out = spare.reserve(rows * layer.hiddenSize)
            layer.forward(input: x, steps: steps, batch: batch, output: out, cell: cells[l],
                          previousInput: previousInputs[l], source: source, gates: gates, precision: model.precision)
            swap(&spare, &current)
            x = out
        }
        return UnsafePointer(x)
    }

    /// Runs one chunk and returns the sum over its rows of −log p(target), in float64.
    public func chunkNegativeLogLikelihood(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int) -> Double {
        let rows = steps * batch
        let g = features(inputs: inputs, steps: steps)
        let out = nll.reserve(rows)
        softmax.negativeLogLikelihoods(features: g, targets: targets, rows: rows, nll: out, logits: logits,
                                       gathered: gathered, precision: model.precision)
        var sum = 0.0
        for r in 0..<rows { sum += Double(out[r]) }
        return sum
    }
}
