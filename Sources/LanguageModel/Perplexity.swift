import Foundation

/// Result of evaluating a model on a token stream, as awd-lstm-lm's evaluate() reports it.
public struct PerplexityResult: Sendable, Equatable {
    /// Loss in nats: Σ over chunks of (chunk length × chunk mean NLL), divided by the number of rows.
    public var loss: Double
    /// Tokens of the stream that were batchified (the first rows·batch of the text).
    public var tokens: Int
    /// Targets predicted (rows − 1 per stream).
    public var predictions: Int
    /// e^loss.
    public var perplexity: Double { Foundation.exp(loss) }
    /// loss / ln 2.
    public var bitsPerToken: Double { loss / M_LN2 }
}

/// How far an evaluation has got, for progress displays.
public struct EvaluationProgress: Sendable {
    /// Input steps done so far, of `totalSteps`.
    public var stepsDone: Int
    /// Input steps of the batchified stream (rows − 1: the last row is only a target).
    public var totalSteps: Int
    /// Tokens predicted so far.
    public var predictions: Int
    /// Perplexity of the chunks accounted so far (same normalisation as the final figure); NaN before the first.
    public var runningPerplexity: Double
}

/// awd-lstm-lm's evaluate(): batchify into `batchSize` columns, chunks of `bptt` rows, state carried.
public enum Perplexity {
    /// The stream as awd-lstm-lm batchify() lays it out: `batchSize` contiguous columns of floor(N/B) rows,
    /// returned time-major (row i holds column b at index i·B + b).
    public static func batchify(_ tokens: [Int32], batchSize: Int) -> (data: [Int32], rows: Int) {
        let rows = tokens.count / batchSize
        var data = [Int32](repeating: 0, count: rows * batchSize)
        for b in 0..<batchSize {
            for i in 0..<rows { data[i * batchSize + b] = tokens[b * rows + i] }
        }
        return (data, rows)
    }

    /// Evaluates `model` on `tokens`; up to `passRows` rows (whole chunks) run per pass; `progress` is called after every pass.
    /// The loss is accumulated in float64; a loss that is not finite is an error, never a `nan` perplexity.
    /// The default pass (6 chunks of 140 rows) packs the weights rarely enough to cost nothing measurable,
    /// while its work areas keep eval of the seed-size model within 1.15× its float32 weights.
    public static func evaluate<Stack: RecurrentStack>(
        model: RecurrentLanguageModel<Stack>, tokens: [Int32], batchSize: Int = 1, bptt: Int = 140,
        passRows: Int = defaultPassRows, tailBatchRows: Int = defaultTailBatchRows,
        progress: ((EvaluationProgress) -> Void)? = nil) throws -> PerplexityResult {
        try checkRanges(batchSize: batchSize, bptt: bptt)
        guard passRows >= 1 else { throw LanguageModelError.unsupported("rows per pass must be at least 1, got \(passRows)") }
        guard tailBatchRows >= 1 else { throw LanguageModelError.unsupported("tail batch rows must be at least 1, got \(tailBatchRows)") }
        let v = model.vocabularySize
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= v }) {
            throw LanguageModelError.tokenOutOfRange(Int(bad), vocabularySize: v)
        }
        let (data, rows) = batchify(tokens, batchSize: batchSize)
        guard rows >= 2 else { throw LanguageModelError.textTooShort(tokens: tokens.count, batchSize: batchSize) }
        let runner = LanguageModelRunner(model: model, batch: batchSize, tailBatchRows: tailBatchRows)
        // Nothing is reset between chunks, so consecutive chunks can share one pass (one GEMM per layer over
        // several chunks' rows: the weights are packed once per pass, not once per chunk). Rows with a tail
        // target complete later, when their cluster has gathered enough rows (LanguageModelRunner); a chunk is
        // accounted once all its rows are complete, exactly as evaluate() accounts it, in chunk order.
        let chunksPerPass = max(1, passRows / (bptt * batchSize))
        var total = 0.0, predictions = 0, i = 0
        var window: [Float] = [], windowStart = 0   // −log p of rows windowStart..., not yet accounted
        var accounted = 0                            // steps accounted (a multiple of bptt until the end)
        func complete(_ done: [(row: Int, nll: Float)]) {
            // log p(y) = log p(tombstone) + log p(y | cluster), added as the immediate path adds it.
            for (row, nll) in done { window[row - windowStart] += nll }
        }
        func account(upTo limit: Int) {
            var used = 0
            while accounted < rows - 1 {
                let steps = min(bptt, rows - 1 - accounted)
                guard accounted + steps <= limit else { break }
                var sum = 0.0
                for r in used..<(used + steps * batchSize) { sum += Double(window[r]) }
                // total_loss += len(data) * criterion(...), the criterion being the mean over steps·batch targets.
                total += Double(steps) * (sum / Double(steps * batchSize))
                predictions += steps * batchSize
                accounted += steps
                used += steps * batchSize
            }
            window.removeFirst(used)
            windowStart += used
        }
        data.withUnsafeBufferPointer { d in
            guard let base = d.baseAddress else { return }
            while i < rows - 1 {
                let passSteps = min(chunksPerPass * bptt, rows - 1 - i)
                let (head, done) = runner.deferredNegativeLogLikelihoods(inputs: base + i * batchSize, targets: base + (i + 1) * batchSize,
                                                                         steps: passSteps, firstRow: i * batchSize)
                window.append(contentsOf: UnsafeBufferPointer(start: head, count: passSteps * batchSize))
                complete(done)
                i += passSteps
                account(upTo: runner.oldestPendingRow.map { $0 / batchSize } ?? i)
                progress?(EvaluationProgress(stepsDone: i, totalSteps: rows - 1, predictions: predictions,
                                             runningPerplexity: accounted > 0 ? Foundation.exp(total / Double(accounted)) : .nan))
            }
        }
        complete(runner.flushTails())
        account(upTo: rows - 1)
        let loss = total / Double(rows)
        guard loss.isFinite else {
            if let bad = model.firstNonFiniteWeight() { throw LanguageModelError.notFinite(bad) }
            throw LanguageModelError.notFinite("the loss is \(loss) although every weight is finite (an activation overflowed)")
        }
        // A finite loss past ln(Double.greatestFiniteMagnitude) ≈ 709.8 nats has no float64 perplexity.
        guard Foundation.exp(loss).isFinite else {
            throw LanguageModelError.notFinite("the perplexity e^\(loss) is beyond float64 (a loss that large per token "
                                               + "means the logits overflowed float32)")
        }
        return PerplexityResult(loss: loss, tokens: rows * batchSize, predictions: predictions)
    }

    /// Rows (bptt × batch, whole chunks) one pass runs by default.
    public static let defaultPassRows = 840
    /// Rows a tail cluster of a split softmax gathers before its weights are read, by default: one product
    /// per block of the cluster's words (the head's logit budget of 2^22 over blocks of 16,384 words).
    public static let defaultTailBatchRows = 256

    /// Largest batch size and bptt accepted: beyond them no text fits and sizes would overflow.
    public static let maxBatchSize = 1 << 20, maxBptt = 1 << 20
    /// Most rows (bptt × batch) one chunk may hold, so every work area's size stays far from overflow.
    public static let maxChunkRows = 1 << 24

    /// Rejects a batch size or bptt outside its range, or a chunk of bptt × batch rows beyond `maxChunkRows`.
    public static func checkRanges(batchSize: Int, bptt: Int) throws {
        guard (1...maxBatchSize).contains(batchSize) else {
            throw LanguageModelError.unsupported("batch size must be an integer from 1 to \(maxBatchSize), got \(batchSize)")
        }
        guard (1...maxBptt).contains(bptt) else {
            throw LanguageModelError.unsupported("bptt must be an integer from 1 to \(maxBptt), got \(bptt)")
        }
        let (product, overflow) = bptt.multipliedReportingOverflow(by: batchSize)
        guard !overflow, product <= maxChunkRows else {
            throw LanguageModelError.unsupported("bptt × batch size must be at most \(maxChunkRows) rows, got \(bptt) × \(batchSize)")
        }
    }
}
