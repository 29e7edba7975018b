import XCTest
import LanguageModel
@testable import QRNNModel

/// The perplexity must not depend on the thread count: every loop beside the GEMMs is split over the
/// threads, so 1, 2 and 3 threads (more than this machine's cores is fine for the check) must agree to
/// 1e-8 relative, and with torch's pinned figure.
final class ThreadCountTests: XCTestCase {
    override func tearDown() { Kernels.setThreads(1) }

    func perplexities<S: RecurrentStack>(_ model: RecurrentLanguageModel<S>, tokens: [Int32], batch: Int, bptt: Int) throws -> [Double] {
        try [1, 2, 3].map { t in
            Kernels.setThreads(t)
            XCTAssertEqual(Kernels.threads, t, "OpenBLAS runs the requested thread count")
            return try Perplexity.evaluate(model: model, tokens: tokens, batchSize: batch, bptt: bptt).perplexity
        }
    }

    /// The torch-made fixtures at 1, 2 and 3 threads against their pinned torch perplexity.
    func testFixturesGiveThePinnedPerplexityAtEveryThreadCount() throws {
        for name in ["split-w211-b1-zip", "split-w2111-b4-legacy", "full-w11-b4-zip"] {
            let c = try XCTUnwrap(try Fixtures.expected()[name], name)
            let model = try QRNNLanguageModel.load(path: Fixtures.path(c.checkpoint))
            let ppl = try perplexities(model, tokens: try Fixtures.tokens(c), batch: c.batch_size, bptt: c.bptt)
            for (i, p) in ppl.enumerated() {
                assertRelative(p, ppl[0], 1e-8, "\(name) at \(i + 1) threads vs 1 thread")
                assertRelative(p, c.float32.perplexity, 1e-5, "\(name) at \(i + 1) threads vs torch float32")
            }
        }
    }

    /// A model wide enough that every split loop really runs on several threads: 512 hidden units (four
    /// recurrence parts), a window-2 first layer, and a 35,000-word tail cluster (three log-sum-exp blocks).
    func testWideRandomModelIsIndependentOfTheThreadCount() throws {
        let v = 40_000, e = 16, h = 512
        let config = QRNNConfig(vocabularySize: v, embeddingSize: e, hiddenSize: h, layerCount: 2, splits: [100, 1000, 5000])
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ n: Int, scale: Float) -> FloatBuffer {
            FloatBuffer((0..<n).map { _ in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return (Float(seed >> 40) / Float(1 << 24) - 0.5) * 2 * scale
            })
        }
        let layers = (0..<config.layerCount).map { l in
            QRNNLayerWeights(weight: random(config.gateCount * config.hiddenSize(layer: l) * config.windows[l] * config.inputSize(layer: l), scale: 0.1),
                             bias: random(config.gateCount * config.hiddenSize(layer: l), scale: 0.1))
        }
        let weights = QRNNWeights(embedding: random(v * e, scale: 1), layers: layers, decoderBias: random(v, scale: 0.5),
                                  tailVectors: random(3 * e, scale: 0.5), tailBias: random(3, scale: 0.5))
        let model = try QRNNLanguageModel(config: config, weights: weights)
        // Targets in every cluster, most of them in the widest.
        let tokens: [Int32] = (0..<300).map { i in Int32([7, 500, 3000, 20_000 + 37 * i][i % 4]) }
        let ppl = try perplexities(model, tokens: tokens, batch: 1, bptt: 70)
        XCTAssertTrue(ppl[0].isFinite && ppl[0] > 1)
        for (i, p) in ppl.enumerated() { assertRelative(p, ppl[0], 1e-8, "\(i + 1) threads vs 1 thread") }
    }
}
