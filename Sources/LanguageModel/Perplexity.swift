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
    /// Perplexity of the rows done so far (same normalisation as the final figure).
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
        passRows: Int = defaultPassRows, progress: ((EvaluationProgress) -> Void)? = nil) throws -> PerplexityResult {
        try checkRanges(batchSize: batchSize, bptt: bptt)
        guard passRows >= 1 else { throw LanguageModelError.unsupported("rows per pass must be at least 1, got \(passRows)") }
        let v = model.vocabularySize
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= v }) {
            throw LanguageModelError.tokenOutOfRange(Int(bad), vocabularySize: v)
        }
        let (data, rows) = batchify(tokens, batchSize: batchSize)
        guard rows >= 2 else { throw LanguageModelError.textTooShort(tokens: tokens.count, batchSize: batchSize) }
        let runner = LanguageModelRunner(model: model, batch: batchSize)
        // Nothing is reset between chunks, so consecutive chunks can share one pass (one GEMM per layer over
        // several chunks' rows: the weights are packed once per pass, not once per chunk). The loss is still
        // accounted per bptt chunk exactly as evaluate() does.
        let chunksPerPass = max(1, passRows / (bptt * batchSize))
        var total = 0.0, predictions = 0, i = 0
        data.withUnsafeBufferPointer { d in
            guard let base = d.baseAddress else { return }
            while i < rows - 1 {
                let passSteps = min(chunksPerPass * bptt, rows - 1 - i)
                let nll = runner.negativeLogLikelihoods(inputs: base + i * batchSize,
                                                        targets: base + (i + 1) * batchSize, steps: passSteps)
                var s = 0
                while s < passSteps {
                    let steps = min(bptt, passSteps - s)
                    var sum = 0.0
                    for r in (s * batchSize)..<((s + steps) * batchSize) { sum += Double(nll[r]) }
                    // total_loss += len(data) * criterion(...), the criterion being the mean over steps·batch targets.
                    total += Double(steps) * (sum / Double(steps * batchSize))
                    predictions += steps * batchSize
                    s += steps
                }
                i += passSteps
                progress?(EvaluationProgress(stepsDone: i, totalSteps: rows - 1, predictions: predictions,
                                             runningPerplexity: Foundation.exp(total / Double(i))))
            }
        }
        let loss = total / Double(rows)
        guard loss.isFinite else {
            if let bad = model.firstNonFiniteWeight() { throw LanguageModelError.notFinite(bad) }
            throw LanguageModelError.notFinite("the loss is \(loss) although every weight is finite (an activation overflowed)")
        }
        return PerplexityResult(loss: loss, tokens: rows * batchSize, predictions: predictions)
    }

    /// Rows (bptt × batch, whole chunks) one pass runs by default.
    public static let defaultPassRows = 840

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
