/// The shape of a language model's output layer: V words, F features, and the split-softmax boundaries.
public struct SoftmaxHeadConfig: Equatable, Sendable {
    /// Words in the vocabulary (V).
    public var vocabularySize: Int
    /// Width of the feature vector the decoder reads (F).
    public var featureSize: Int
    /// Cluster boundaries after the head (e.g. 2800, 20000, 76000); empty means a full softmax.
    public var splits: [Int]

    /// Creates a configuration.
    public init(vocabularySize: Int, featureSize: Int, splits: [Int]) {
        self.vocabularySize = vocabularySize
        self.featureSize = featureSize
        self.splits = splits
    }
}

/// The output layer's weights: the decoder table (V × F; tied: the embedding), its bias, and the
/// criterion's tombstones.
public struct SoftmaxHeadWeights: Sendable {
    /// Decoder weight, V rows of F (the embedding table when tied).
    public var table: FloatBuffer
    /// Decoder bias (V).
    public var bias: FloatBuffer
    /// Tombstone vectors (splits × F); empty without splits.
    public var tailVectors: FloatBuffer
    /// Tombstone biases (splits); empty without splits.
    public var tailBias: FloatBuffer

    /// Bundles the weights.
    public init(table: FloatBuffer, bias: FloatBuffer, tailVectors: FloatBuffer, tailBias: FloatBuffer) {
        self.table = table
        self.bias = bias
        self.tailVectors = tailVectors
        self.tailBias = tailBias
    }
}

/// The log-probability of awd-lstm-lm's SplitCrossEntropyLoss (a full softmax when there are no splits).
///
/// Words [0, s₁) form the head; each split starts a tail cluster. The head softmax runs over the head
/// words' logits followed by one tombstone logit per tail (tail_vectors · g + tail_bias). A tail word's
/// log-probability is its cluster's tombstone log-probability plus its log-softmax inside the cluster.
/// The tombstone order is reversed: cluster c (1-based) uses head column s₁ + (tails − c), i.e.
/// tail_vectors row tails − c. Only what the targets need is computed: the head for every row, each
/// tail cluster only for the rows whose target lies in it.
public struct SoftmaxHead: Sendable {
    /// The shape.
    public let config: SoftmaxHeadConfig
    /// The weights.
    public let weights: SoftmaxHeadWeights
    var vocabularySize: Int { config.vocabularySize }
    var featureSize: Int { config.featureSize }
    /// Cluster boundaries [0, s₁, …, V], clipped to the vocabulary.
    let bounds: [Int]
    /// Most logits held at once; larger products are done in blocks of rows.
    let logitBudget = 1 << 22
    /// Bias of the head softmax's columns: the head words' decoder bias, then the tombstones' bias.
    let headBias: FloatBuffer

    /// A head after checking every buffer's size against `config` (names as the messages use them).
    public init(config: SoftmaxHeadConfig, weights: SoftmaxHeadWeights) throws {
        let v = config.vocabularySize, f = config.featureSize
        func check(_ name: String, _ buffer: FloatBuffer, _ expected: Int) throws {
            if buffer.count != expected {
                throw LanguageModelError.shapeMismatch("\(name) has \(buffer.count) values, the configuration needs \(expected)")
            }
        }
        try check("decoder weight", weights.table, v * f)
        try check("decoder bias", weights.bias, v)
        try check("tail vectors", weights.tailVectors, config.splits.count * f)
        try check("tail bias", weights.tailBias, config.splits.count)
        guard config.splits == config.splits.sorted(), Set(config.splits).count == config.splits.count,
              config.splits.allSatisfy({ $0 > 0 }) else {
            throw LanguageModelError.unsupported("split boundaries \(config.splits) must be positive and increasing")
        }
        self.config = config
        self.weights = weights
        bounds = [0] + config.splits.map { min($0, v) } + [v]
        let head = bounds[1]
        headBias = FloatBuffer(Array(UnsafeBufferPointer(start: weights.bias.base, count: head))
                               + Array(UnsafeBufferPointer(start: weights.tailBias.base, count: weights.tailBias.count)))
    }

    /// The same head with every weight rounded to `precision` (the table is passed in when it is shared).
    public func rounded(to precision: Precision, table: FloatBuffer? = nil) -> SoftmaxHead {
        guard precision != .fp32 else { return self }
        let w = SoftmaxHeadWeights(table: table ?? weights.table.map { precision.round($0) },
                                   bias: weights.bias.map { precision.round($0) },
                                   tailVectors: weights.tailVectors.map { precision.round($0) },
                                   tailBias: weights.tailBias.map { precision.round($0) })
        // Sizes are unchanged, so this cannot fail.
        return (try? SoftmaxHead(config: config, weights: w)) ?? self
    }

    var tailCount: Int { bounds.count - 2 }

    /// Cluster of word `y`: 0 for the head, c ≥ 1 for tail c.
    @inline(__always)
    func cluster(of y: Int) -> Int {
        var c = 0
        while c + 1 < bounds.count - 1 && y >= bounds[c + 1] { c += 1 }
        return c
    }

    /// Writes −log p(targets[r] | features row r) into `nll` for every row, every row complete on return.
    ///
    /// Every loop beside the GEMMs runs on all threads: the bias, rounding and log-sum-exp over (row,
    /// block) items. Each row's figure is computed the same way
    /// whatever the thread count, so the result does not depend on it.
    public func negativeLogLikelihoods(features: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
                                nll: UnsafeMutablePointer<Float>, logits: Scratch, precision: Precision) {
        headNegativeLogLikelihoods(features: features, targets: targets, rows: rows, nll: nll, logits: logits, precision: precision)
        guard tailCount > 0 else { return }
        // The tails as a run that waits: one queue, drained at once.
        let queue = TailQueue(clusters: tailCount, featureSize: featureSize, batchRows: .max)
        queue.add(rows: rows, targets: targets, features: features, firstRow: 0, head: self)
        for c in queue.waitingClusters {
            // log p(y) = log p(tombstone) + log p(y | cluster).
            for (row, within) in queue.drain(c, head: self, logits: logits, precision: precision) { nll[row] += within }
        }
    }

    /// The head's part of −log p(targets[r]) for every row: the head words' log-softmax for a head target,
    /// the tombstone's for a tail target (whose row then still needs `tailNegativeLogLikelihoods`).
    public func headNegativeLogLikelihoods(features: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
                                           nll: UnsafeMutablePointer<Float>, logits: Scratch, precision: Precision) {
        let e = featureSize, head = bounds[1], tails = tailCount, width = head + tails
        let emb = weights.table.base
        // Head: words [0, head) then the tombstones, for every row.
        let block = max(1, min(rows, logitBudget / max(width, 1)))
        let buf = logits.reserve(block * width)
        var start = 0
        while start < rows {
            let m = min(block, rows - start), f = features + start * e
            Kernels.gemmTransB(m: m, n: head, k: e, a: f, lda: e, b: emb, ldb: e, c: buf, ldc: width)
            if tails > 0 {
                Kernels.gemmTransB(m: m, n: tails, k: e, a: f, lda: e, b: weights.tailVectors.base, ldb: e,
                                   c: buf + head, ldc: width)
            }
            let picks = (start..<(start + m)).map { r -> Int in
                let y = Int(targets[r]), c = cluster(of: y)
                return c == 0 ? y : head + tails - c
            }
            Kernels.negativeLogSoftmax(buf, rows: m, width: width, ld: width, bias: headBias.base,
                                       precision: precision, picks: picks, out: nll + start)
            start += m
        }
    }

    /// −log p(y | cluster c) for `rows` rows whose targets all lie in tail cluster c (features gathered, row
    /// after row). The cluster is taken one block of `Kernels.logSumExpBlock` words at a time, for every row
    /// at once, so its weights stream through once per call however few rows each pass brings.
    public func tailNegativeLogLikelihoods(cluster c: Int, features: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                           rows: Int, out: UnsafeMutablePointer<Float>, logits: Scratch, precision: Precision) {
        guard rows > 0 else { return }
        let e = featureSize, lo = bounds[c], size = bounds[c + 1] - lo, width = Kernels.logSumExpBlock
        let blocks = (size + width - 1) / width
        let rowsPerProduct = max(1, min(rows, logitBudget / min(size, width)))
        let buf = logits.reserve(rowsPerProduct * min(size, width))
        var partials = Kernels.LogSoftmaxPartials(rows: rows, blocks: blocks)
        for k in 0..<blocks {
            let first = lo + k * width, n = min(width, size - k * width)
            var start = 0
            while start < rows {
                let m = min(rowsPerProduct, rows - start)
                Kernels.gemmTransB(m: m, n: n, k: e, a: features + start * e, lda: e, b: weights.table.base + first * e, ldb: e,
                                   c: buf, ldc: n)
                let picks = (start..<(start + m)).map { Int(targets[$0]) - first }
                partials.add(buf, rows: start..<(start + m), block: k, width: n, ld: n, bias: weights.bias.base + first,
                             precision: precision, picks: picks)
                start += m
            }
        }
        partials.finish(into: out)
    }
}

extension SoftmaxHead {
    /// The first NaN or infinite weight of the head, named, or nil; the decoder table only with `includingTable`.
    public func firstNonFiniteWeight(includingTable: Bool = true) -> String? {
        let table = includingTable ? [("decoder.weight", weights.table)] : []
        for (name, b) in table + [("decoder.bias", weights.bias), ("tail_vectors", weights.tailVectors),
                                  ("tail_bias", weights.tailBias)] {
            if let i = b.firstNonFinite() { return "\(name) value \(i)" }
        }
        return nil
    }
}
