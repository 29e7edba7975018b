/// A recurrent language model in eval mode: embedding → recurrent stack → (split) softmax head.
/// Dropouts and weight drop are inactive at evaluation, so none appear here.
public struct RecurrentLanguageModel<Stack: RecurrentStack>: Sendable {
    /// Embedding table (V × E); a plain row lookup.
    public let embedding: FloatBuffer
    /// The recurrent layers.
    public let stack: Stack
    /// The output layer.
    public let head: SoftmaxHead
    /// Format weights and activations are rounded to.
    public let precision: Precision

    /// Builds a model after checking that the parts fit together; 16-bit precisions round a copy of the
    /// weights (a tied decoder shares the rounded embedding). NaN or infinite weights are an error naming them.
    public init(embedding: FloatBuffer, stack: Stack, head: SoftmaxHead, precision: Precision = .fp32) throws {
        let v = head.config.vocabularySize, e = stack.inputSize
        guard embedding.count == v * e else {
            throw LanguageModelError.shapeMismatch("embedding has \(embedding.count) values, the configuration needs \(v * e)")
        }
        guard head.config.featureSize == stack.outputSize else {
            throw LanguageModelError.shapeMismatch("the decoder reads \(head.config.featureSize) features but the last layer writes \(stack.outputSize)")
        }
        // The layers, biases and tombstones are checked now; the V × E table only if the loss comes out not
        // finite (`firstNonFiniteWeight`): a split softmax reads few of its rows, and scanning them all would
        // bring the whole table into memory for nothing.
        if let bad = stack.firstNonFiniteWeight() { throw LanguageModelError.notFinite(bad) }
        if let bad = head.firstNonFiniteWeight(includingTable: head.weights.table.base != embedding.base) {
            throw LanguageModelError.notFinite(bad)
        }
        if precision == .fp32 {
            self.embedding = embedding
            self.stack = stack
            self.head = head
        } else {
            let tied = head.weights.table.base == embedding.base
            let rounded = embedding.map { precision.round($0) }
            self.embedding = rounded
            self.stack = stack.rounded(to: precision)
            self.head = head.rounded(to: precision, table: tied ? rounded : nil)
        }
        self.precision = precision
    }

    /// The stack's architecture.
    public var config: Stack.Config { stack.config }
    /// Words in the vocabulary.
    public var vocabularySize: Int { head.config.vocabularySize }
    /// Embedding width.
    public var embeddingSize: Int { stack.inputSize }

    /// The first NaN or infinite weight anywhere in the model, named, or nil.
    public func firstNonFiniteWeight() -> String? {
        if let bad = stack.firstNonFiniteWeight() { return bad }
        if let bad = embedding.firstNonFinite() { return "encoder.weight value \(bad)" }
        return head.firstNonFiniteWeight(includingTable: true)
    }
}

/// Runs a model over consecutive chunks of `batch` token streams, carrying the stack's state from chunk to
/// chunk, as awd-lstm-lm's evaluate() does.
public final class LanguageModelRunner<Stack: RecurrentStack> {
    /// The model being run.
    public let model: RecurrentLanguageModel<Stack>
    /// Number of parallel streams.
    public let batch: Int
    private var state: Stack.State
    private let embedded = Scratch(), nll = Scratch()
    // The stack's gate pre-activations during forward, the head's logits after it: never both alive at once.
    private let logits = Scratch()

    /// Tail-cluster rows waiting for `deferredNegativeLogLikelihoods` to complete them.
    private let tails: TailQueue

    /// A runner with zero state; a tail cluster's rows wait until `tailBatchRows` of them gather.
    public init(model: RecurrentLanguageModel<Stack>, batch: Int, tailBatchRows: Int = Perplexity.defaultTailBatchRows) {
        self.model = model
        self.batch = batch
        state = model.stack.makeState(batch: batch, workArea: logits)
        tails = TailQueue(clusters: model.head.tailCount, featureSize: model.head.config.featureSize,
                          batchRows: max(1, tailBatchRows))
    }

    /// Sets the carried state back to zero.
    public func reset() { state = model.stack.makeState(batch: batch, workArea: logits) }

    /// Final features (rows × F, row t·B + b) of `steps` steps; `inputs` is time-major (steps × batch).
    /// The returned pointer is valid until the next call.
    func features(inputs: UnsafePointer<Int32>, steps: Int) -> UnsafePointer<Float> {
        let rows = steps * batch, e = model.embeddingSize
        let x = embedded.reserve(rows * e)
        // Embedding: a plain row lookup, rows split over the threads.
        let emb = model.embedding.base, dst = SendablePointer(x)
        Kernels.parallelItems(rows, grain: 64) { r in
            (dst.p + r * e).update(from: emb + Int(inputs[r]) * e, count: e)
        }
        return model.stack.forward(input: x, steps: steps, batch: batch, state: state, precision: model.precision)
    }

    /// Runs `steps` steps whose first row is row `firstRow` of the whole evaluation. Returns the head's part of
    /// −log p(target) per row (valid until the next call; complete for head targets) and the tail part of the
    /// rows whose tail cluster filled up, this pass's or earlier ones' (row numbers counted from the start).
    /// Tail rows wait in a queue until `batchRows` of a cluster gather; `flushTails` completes the rest.
    public func deferredNegativeLogLikelihoods(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                                               firstRow: Int) -> (head: UnsafePointer<Float>, tails: [(row: Int, nll: Float)]) {
        let rows = steps * batch, head = model.head
        let g = features(inputs: inputs, steps: steps)
        let out = nll.reserve(rows)
        head.headNegativeLogLikelihoods(features: g, targets: targets, rows: rows, nll: out, logits: logits, precision: model.precision)
        guard head.tailCount > 0 else { return (UnsafePointer(out), []) }
        tails.add(rows: rows, targets: targets, features: g, firstRow: firstRow, head: head)
        let done = tails.fullClusters.flatMap { tails.drain($0, head: head, logits: logits, precision: model.precision) }
        return (UnsafePointer(out), done)
    }

    /// Completes every row still waiting in a tail cluster: (row, tail part of −log p) pairs.
    public func flushTails() -> [(row: Int, nll: Float)] {
        tails.waitingClusters.flatMap { tails.drain($0, head: model.head, logits: logits, precision: model.precision) }
    }

    /// The earliest row whose tail part is still to come, if any.
    public var oldestPendingRow: Int? { tails.oldestRow }

    /// Runs `steps` steps and returns −log p(target) per row (row t·B + b), valid until the next call.
    public func negativeLogLikelihoods(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int) -> UnsafePointer<Float> {
        let rows = steps * batch
        let g = features(inputs: inputs, steps: steps)
        let out = nll.reserve(rows)
        model.head.negativeLogLikelihoods(features: g, targets: targets, rows: rows, nll: out, logits: logits,
                                          precision: model.precision)
        return UnsafePointer(out)
    }
}
