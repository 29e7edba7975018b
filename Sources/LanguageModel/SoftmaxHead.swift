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

    /// Writes −log p(targets[r] | features row r) into `nll` for every row.
    public func negativeLogLikelihoods(features: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
                                nll: UnsafeMutablePointer<Float>,
                                logits: Scratch, gathered: Scratch, precision: Precision) {
        let e = featureSize, head = bounds[1], tails = tailCount, width = head + tails
        let emb = weights.table.base, bias = weights.bias.base, tailBias = weights.tailBias.base
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
            let st = start
            Kernels.parallelRows(m) { i in
                let row = buf + i * width
                for j in 0..<head { row[j] += bias[j] }
                for j in 0..<tails { row[head + j] += tailBias[j] }
                precision.round(row, count: width)
                let y = Int(targets[st + i])
                let c = cluster(of: y)
                let picked = c == 0 ? row[y] : row[head + tails - c]
                nll[st + i] = Kernels.logSumExpInPlace(row, count: width) - picked
            }
            start += m
        }
        // Tails: gather the rows whose target is in cluster c, one product against that cluster's rows.
        guard tails > 0 else { return }
        var members = [Int]()
        members.reserveCapacity(rows)
        for c in 1...tails {
            let lo = bounds[c], size = bounds[c + 1] - lo
            members.removeAll(keepingCapacity: true)
            for r in 0..<rows {
                let y = Int(targets[r])
                if y >= lo && y < lo + size { members.append(r) }
            }
            if members.isEmpty { continue }
            let cblock = max(1, min(members.count, logitBudget / size))
            let g = gathered.reserve(cblock * e), lbuf = logits.reserve(cblock * size)
            var s = 0
            while s < members.count {
                let m = min(cblock, members.count - s)
                for i in 0..<m { (g + i * e).update(from: features + members[s + i] * e, count: e) }
                Kernels.gemmTransB(m: m, n: size, k: e, a: g, lda: e, b: emb + lo * e, ldb: e, c: lbuf, ldc: size)
                let first = s
                Kernels.parallelRows(m) { i in
                    let row = lbuf + i * size
                    for j in 0..<size { row[j] += bias[lo + j] }
                    precision.round(row, count: size)
                    let r = members[first + i]
                    let picked = row[Int(targets[r]) - lo]
                    nll[r] += Kernels.logSumExpInPlace(row, count: size) - picked
                }
                s += m
            }
        }
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
