/// The log-probability of awd-lstm-lm's SplitCrossEntropyLoss (a full softmax when there are no splits).
///
/// Words [0, s₁) form the head; each split starts a tail cluster. The head softmax runs over the head
/// words' logits followed by one tombstone logit per tail (tail_vectors · g + tail_bias). A tail word's
/// log-probability is its cluster's tombstone log-probability plus its log-softmax inside the cluster.
/// The tombstone order is reversed: cluster c (1-based) uses head column s₁ + (tails − c), i.e.
/// tail_vectors row tails − c. Only what the targets need is computed: the head for every row, each
/// tail cluster only for the rows whose target lies in it.
struct SplitSoftmax {
    let vocabularySize: Int
    let featureSize: Int
    /// Cluster boundaries [0, s₁, …, V], clipped to the vocabulary.
    let bounds: [Int]
    let weights: QRNNWeights
    /// Most logits held at once; larger products are done in blocks of rows.
    let logitBudget = 1 << 22

    init(config: QRNNConfig, weights: QRNNWeights) {
        vocabularySize = config.vocabularySize
        featureSize = config.decoderInputSize
        bounds = [0] + config.splits.map { min($0, config.vocabularySize) } + [config.vocabularySize]
        self.weights = weights
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
    func negativeLogLikelihoods(features: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows: Int,
                                nll: UnsafeMutablePointer<Float>,
                                logits: Scratch, gathered: Scratch, precision: Precision) {
        let e = featureSize, head = bounds[1], tails = tailCount, width = head + tails
        let emb = weights.embedding.base, bias = weights.decoderBias.base
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
            for i in 0..<m {
                let row = buf + i * width
                for j in 0..<head { row[j] += bias[j] }
                for j in 0..<tails { row[head + j] += weights.tailBias[j] }
                precision.round(row, count: width)
                let lse = Kernels.logSumExp(row, count: width)
                let y = Int(targets[start + i])
                let c = cluster(of: y)
                nll[start + i] = lse - (c == 0 ? row[y] : row[head + tails - c])
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
                for i in 0..<m {
                    let row = lbuf + i * size
                    for j in 0..<size { row[j] += bias[lo + j] }
                    precision.round(row, count: size)
                    let lse = Kernels.logSumExp(row, count: size)
                    let r = members[s + i]
                    nll[r] += lse - row[Int(targets[r]) - lo]
                }
                s += m
            }
        }
    }
}
