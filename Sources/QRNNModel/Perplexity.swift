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
    /// Rows (time steps) done so far, of `totalRows`.
    public var rowsDone: Int
    /// Rows in the batchified stream.
    public var totalRows: Int
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

    /// Evaluates `model` on `tokens`; `progress` is called after every chunk.
    public static func evaluate(model: QRNNLanguageModel, tokens: [Int32], batchSize: Int = 1, bptt: Int = 140,
                                progress: ((EvaluationProgress) -> Void)? = nil) throws -> PerplexityResult {
        precondition(batchSize >= 1 && bptt >= 1, "batch size and bptt are validated by the caller")
        let v = model.config.vocabularySize
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= v }) {
            throw QRNNError.tokenOutOfRange(Int(bad), vocabularySize: v)
        }
        let (data, rows) = batchify(tokens, batchSize: batchSize)
        guard rows >= 2 else { throw QRNNError.textTooShort(tokens: tokens.count, batchSize: batchSize) }
        let runner = QRNNRunner(model: model, batch: batchSize)
        var total = 0.0, predictions = 0, i = 0
        data.withUnsafeBufferPointer { d in
            guard let base = d.baseAddress else { return }
            while i < rows - 1 {
                let steps = min(bptt, rows - 1 - i)
                let sum = runner.chunkNegativeLogLikelihood(inputs: base + i * batchSize,
                                                            targets: base + (i + 1) * batchSize, steps: steps)
                // total_loss += len(data) * criterion(...), the criterion being the mean over steps·batch targets.
                total += Double(steps) * (sum / Double(steps * batchSize))
                predictions += steps * batchSize
                i += steps
                progress?(EvaluationProgress(rowsDone: i, totalRows: rows, predictions: predictions,
                                             runningPerplexity: Foundation.exp(total / Double(i))))
            }
        }
        return PerplexityResult(loss: total / Double(rows), tokens: rows * batchSize, predictions: predictions)
    }
}
