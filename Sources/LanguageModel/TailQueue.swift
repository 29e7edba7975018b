/// Rows whose target lies in a tail cluster of a split softmax, held until enough gather to share one pass
/// over that cluster's weights. The WikiText-103 seed's widest cluster (191,735 words, 230 MB of weights)
/// receives about 4 of a pass's 840 rows: computed at once, every pass streamed all of it for 4 rows. Each
/// row's figure is computed exactly as it would be at once; only when it becomes known changes.
final class TailQueue {
    /// Rows that make a cluster worth one pass over its weights (one product per block of words).
    let batchRows: Int
    private let featureSize: Int
    /// Per cluster (index 0, the head, unused): the waiting rows' features, targets and row numbers.
    private var features: [[Float]], targets: [[Int32]], rows: [[Int]]

    init(clusters: Int, featureSize: Int, batchRows: Int) {
        self.batchRows = batchRows
        self.featureSize = featureSize
        features = Array(repeating: [], count: clusters + 1)
        targets = Array(repeating: [], count: clusters + 1)
        rows = Array(repeating: [], count: clusters + 1)
    }

    /// Queues, with a copy of its features, every one of `count` rows (row r numbered `firstRow + r`) whose
    /// target lies in a tail cluster of `head`.
    func add(rows count: Int, targets: UnsafePointer<Int32>, features: UnsafePointer<Float>, firstRow: Int, head: SoftmaxHead) {
        for r in 0..<count {
            let c = head.cluster(of: Int(targets[r]))
            guard c > 0 else { continue }
            self.features[c].append(contentsOf: UnsafeBufferPointer(start: features + r * featureSize, count: featureSize))
            self.targets[c].append(targets[r])
            rows[c].append(firstRow + r)
        }
    }

    /// The earliest row still waiting, if any.
    var oldestRow: Int? { rows.compactMap(\.first).min() }

    /// Clusters holding at least `batchRows` rows.
    var fullClusters: [Int] { rows.indices.filter { rows[$0].count >= batchRows } }

    /// Clusters holding any row.
    var waitingClusters: [Int] { rows.indices.filter { !rows[$0].isEmpty } }

    /// Computes −log p(y | cluster) for every row waiting in cluster `c` and empties it.
    func drain(_ c: Int, head: SoftmaxHead, logits: Scratch, precision: Precision) -> [(row: Int, nll: Float)] {
        let count = rows[c].count
        var within = [Float](repeating: 0, count: count)
        features[c].withUnsafeBufferPointer { f in
            targets[c].withUnsafeBufferPointer { t in
                within.withUnsafeMutableBufferPointer { w in
                    guard let fb = f.baseAddress, let tb = t.baseAddress, let wb = w.baseAddress else { return }
                    head.tailNegativeLogLikelihoods(cluster: c, features: fb, targets: tb, rows: count, out: wb,
                                                    logits: logits, precision: precision)
                }
            }
        }
        let done = Array(zip(rows[c], within))
        features[c].removeAll(keepingCapacity: true)
        targets[c].removeAll(keepingCapacity: true)
        rows[c].removeAll(keepingCapacity: true)
        return done.map { (row: $0.0, nll: $0.1) }
    }
}
