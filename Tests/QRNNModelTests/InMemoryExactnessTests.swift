import XCTest
import LanguageModel
@testable import QRNNModel

/// The engine against torch's evaluate() on weights handed over as JSON (no checkpoint reader involved).
final class InMemoryExactnessTests: XCTestCase {
    func evaluate(_ name: String, bptt: Int? = nil, batch: Int? = nil,
                  edit: ((inout QRNNConfig, inout QRNNWeights) -> Void)? = nil) throws -> (PerplexityResult, Fixtures.Case) {
        let c = try XCTUnwrap(try Fixtures.expected()[name])
        var (config, weights) = try Fixtures.weights(try XCTUnwrap(c.weights_json))
        edit?(&config, &weights)
        let model = try QRNNLanguageModel(config: config, weights: weights)
        let r = try Perplexity.evaluate(model: model, tokens: try Fixtures.tokens(c), batchSize: batch ?? c.batch_size,
                                        bptt: bptt ?? c.bptt)
        return (r, c)
    }

    func testSplitSoftmaxModelMatchesTorchPerplexity() throws {
        let (r, c) = try evaluate("split-w211-b1-zip")
        XCTAssertEqual(r.tokens, c.tokens)
        assertRelative(r.perplexity, c.float32.perplexity, 1e-5, "ppl vs torch float32")
        assertRelative(r.loss, c.float64.loss, 1e-6, "loss vs torch float64")
    }

    func testFullSoftmaxBatchFourMatchesTorchPerplexity() throws {
        let (r, c) = try evaluate("full-w11-b4-zip")
        assertRelative(r.perplexity, c.float32.perplexity, 1e-5, "ppl vs torch float32")
        assertRelative(r.loss, c.float64.loss, 1e-6, "loss vs torch float64")
    }

    func testResultDoesNotDependOnBptt() throws {
        let (a, c) = try evaluate("split-w211-b1-zip", bptt: 1)
        let (b, _) = try evaluate("split-w211-b1-zip", bptt: 1000)
        assertRelative(a.loss, c.float64.loss, 1e-6, "bptt 1")
        assertRelative(b.loss, c.float64.loss, 1e-6, "bptt 1000")
    }

    func testChunksSharingAPassGiveTheSameLoss() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["full-w11-b4-zip"])
        let (config, weights) = try Fixtures.weights(try XCTUnwrap(c.weights_json))
        let model = try QRNNLanguageModel(config: config, weights: weights)
        let tokens = try Fixtures.tokens(c)
        let perChunk = try Perplexity.evaluate(model: model, tokens: tokens, batchSize: 4, bptt: 50, passRows: 1)
        let pooled = try Perplexity.evaluate(model: model, tokens: tokens, batchSize: 4, bptt: 50, passRows: 1000)
        assertRelative(perChunk.loss, c.float64.loss, 1e-6, "one chunk per pass")
        assertRelative(pooled.loss, perChunk.loss, 1e-7, "five chunks per pass")
        XCTAssertEqual(pooled.predictions, perChunk.predictions)
    }

    /// Tail-cluster rows wait until their cluster gathers enough rows to share one pass over its weights; how
    /// many they wait for changes when a row's figure is known, never the figure. The loss is the same as
    /// with every row completed in its own pass (the runner's immediate path, accounted as evaluate() does).
    func testWaitingTailRowsGiveTheSameLoss() throws {
        for (name, batch) in [("split-w211-b1-zip", 1), ("split-w211-b1-zip", 3)] {
            let c = try XCTUnwrap(try Fixtures.expected()[name])
            let (config, weights) = try Fixtures.weights(try XCTUnwrap(c.weights_json))
            let model = try QRNNLanguageModel(config: config, weights: weights)
            let tokens = try Fixtures.tokens(c), bptt = 20
            let (data, rows) = Perplexity.batchify(tokens, batchSize: batch)
            let runner = QRNNRunner(model: model, batch: batch)
            var immediate = 0.0, i = 0
            data.withUnsafeBufferPointer { d in
                while i < rows - 1 {
                    let steps = min(bptt, rows - 1 - i)
                    let nll = runner.negativeLogLikelihoods(inputs: d.baseAddress! + i * batch, targets: d.baseAddress! + (i + 1) * batch, steps: steps)
                    let sum = (0..<(steps * batch)).reduce(0.0) { $0 + Double(nll[$1]) }
                    immediate += Double(steps) * (sum / Double(steps * batch))
                    i += steps
                }
            }
            for wait in [1, 3, 17, 1 << 20] {
                let r = try Perplexity.evaluate(model: model, tokens: tokens, batchSize: batch, bptt: bptt, passRows: 40, tailBatchRows: wait)
                XCTAssertEqual(r.loss, immediate / Double(rows), "\(name) batch \(batch), tail rows waiting for \(wait)")
            }
        }
    }

    func testNaturalTombstoneOrderWouldNotMatch() throws {
        // Reverse the tail_vectors rows and biases: the "natural" order must give a different loss.
        let (r, c) = try evaluate("split-w211-b1-zip") { config, w in
            let e = config.embeddingSize, k = config.splits.count
            var v = [Float](), b = [Float]()
            for row in (0..<k).reversed() {
                v += (0..<e).map { w.tailVectors[row * e + $0] }
                b.append(w.tailBias[row])
            }
            w.tailVectors = FloatBuffer(v)
            w.tailBias = FloatBuffer(b)
        }
        XCTAssertGreaterThan(abs(r.loss - c.float64.loss), 1e-3)
    }

    func testPreviousInputSecondInTheWindow() throws {
        // Swapping the two column halves of layer 0 ([x_{t-1}; x_t] order) must break the match.
        let (r, c) = try evaluate("split-w211-b1-zip") { config, w in
            let n = config.embeddingSize, k = 2 * n, rows = w.layers[0].bias.count
            var m = [Float](repeating: 0, count: rows * k)
            for i in 0..<rows {
                for j in 0..<n {
                    m[i * k + j] = w.layers[0].weight[i * k + n + j]
                    m[i * k + n + j] = w.layers[0].weight[i * k + j]
                }
            }
            w.layers[0].weight = FloatBuffer(m)
        }
        // The match itself is within ~1e-7; the swapped order is off by two orders of magnitude more.
        XCTAssertGreaterThan(abs(r.loss - c.float64.loss), 5e-5)
    }

    func testDividingByPredictionsInsteadOfRowsWouldNotMatch() throws {
        let (r, c) = try evaluate("split-w211-b1-zip")
        let perPrediction = r.loss * Double(r.tokens) / Double(r.predictions)
        XCTAssertGreaterThan(abs(perPrediction - c.float64.loss), 1e-4)
        XCTAssertEqual(r.predictions, c.tokens - 1)
    }

    func testSixteenBitPrecisionsStayClose() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["split-w211-b1-zip"])
        let (config, weights) = try Fixtures.weights(try XCTUnwrap(c.weights_json))
        let tokens = try Fixtures.tokens(c)
        for p in [Precision.fp16, .bf16] {
            let model = try QRNNLanguageModel(config: config, weights: weights, precision: p)
            let r = try Perplexity.evaluate(model: model, tokens: tokens, batchSize: 1, bptt: c.bptt)
            let rel = abs(r.perplexity - c.float64.perplexity) / c.float64.perplexity
            XCTAssertGreaterThan(rel, 0, "\(p) must actually round")
            XCTAssertLessThan(rel, p == .fp16 ? 2e-3 : 2e-2, "\(p)")
        }
    }

    func testWeightOfWrongSizeIsRejected() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["full-w11-b4-zip"])
        var (config, weights) = try Fixtures.weights(try XCTUnwrap(c.weights_json))
        weights.decoderBias = FloatBuffer([1, 2, 3])
        config.splits = []
        XCTAssertThrowsError(try QRNNLanguageModel(config: config, weights: weights)) { e in
            XCTAssertEqual("\(e)", "shape mismatch: decoder bias has 3 values, the configuration needs \(config.vocabularySize)")
        }
    }
}
