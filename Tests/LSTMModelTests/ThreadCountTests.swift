import LanguageModel
import XCTest
@testable import LSTMModel

/// An LSTM's (and a GRU's) gates are split across hidden units when there are few streams; the perplexity must not
/// depend on the thread count (1, 2 and 3 threads agree to 1e-8 relative, in float32 and fp16).
final class ThreadCountTests: XCTestCase {
    override func tearDown() { Kernels.setThreads(1) }

    func testWideLayerIsIndependentOfTheThreadCount() throws {
        for cell in [GatedCell.lstm, .gru] { try checkThreadCounts(cell) }
    }

    private func checkThreadCounts(_ cell: GatedCell) throws {
        let config = LSTMConfig(vocabularySize: 3000, embeddingSize: 32, hiddenSize: 1024, layerCount: 2, splits: [100, 1000],
                                cell: cell)
        let g = cell.gates
        var seed: UInt64 = 42
        func random(_ n: Int, scale: Float) -> FloatBuffer {
            FloatBuffer((0..<n).map { _ in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return (Float(seed >> 40) / Float(1 << 24) - 0.5) * 2 * scale
            })
        }
        let layers = (0..<config.layerCount).map { l -> LSTMLayerWeights in
            let i = config.inputSize(layer: l), h = config.hiddenSize(layer: l)
            return LSTMLayerWeights(inputWeight: random(g * h * i, scale: 0.2), hiddenWeight: random(g * h * h, scale: 0.05),
                                    inputBias: random(g * h, scale: 0.1), hiddenBias: random(g * h, scale: 0.1))
        }
        let weights = LSTMWeights(embedding: random(3000 * 32, scale: 1), layers: layers, decoderBias: random(3000, scale: 0.5),
                                  tailVectors: random(2 * 32, scale: 0.5), tailBias: random(2, scale: 0.5))
        let tokens: [Int32] = (0..<90).map { Int32(($0 * 7919) % 3000) }
        for precision in [Precision.fp32, .fp16] {
            let model = try LSTMLanguageModel(config: config, weights: weights, precision: precision)
            for batch in [1, 2] {
                let ppl = try [1, 2, 3].map { t -> Double in
                    Kernels.setThreads(t)
                    return try Perplexity.evaluate(model: model, tokens: tokens, batchSize: batch, bptt: 20).perplexity
                }
                XCTAssertTrue(ppl[0].isFinite && ppl[0] > 1)
                for (i, p) in ppl.enumerated() {
                    XCTAssertEqual(p, ppl[0], accuracy: 1e-8 * ppl[0], "\(cell) \(precision) batch \(batch), \(i + 1) threads")
                }
            }
        }
    }
}
