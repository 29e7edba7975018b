import LanguageModel
import XCTest
@testable import QRNNModel

/// NaN or infinite weights never give `perplexity: nan`: layers are checked when the model is built, the
/// embedding table when the loss comes out not finite; either way the error names the tensor.
final class NonFiniteWeightTests: XCTestCase {
    func testNaNInALayerIsRejectedWhenTheModelIsBuilt() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["full-w11-b4-zip"])
        var (config, weights) = try Fixtures.weights(try XCTUnwrap(c.weights_json))
        var w = (0..<weights.layers[1].bias.count).map { weights.layers[1].bias[$0] }
        w[5] = .infinity
        weights.layers[1].bias = FloatBuffer(w)
        config.splits = []
        XCTAssertThrowsError(try QRNNLanguageModel(config: config, weights: weights)) { e in
            XCTAssertEqual("\(e)", "not finite: rnns.1.linear.module.bias value [5] = inf")
        }
    }

    func testNaNInAUsedEmbeddingRowIsNamedInsteadOfANaNPerplexity() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["full-w11-b4-zip"])
        var (config, weights) = try Fixtures.weights(try XCTUnwrap(c.weights_json))
        let tokens = try Fixtures.tokens(c)
        var table = (0..<weights.embedding.count).map { weights.embedding[$0] }
        let row = Int(tokens[0]), width = config.embeddingSize
        table[row * width + 1] = .nan
        weights.embedding = FloatBuffer(table)
        config.splits = []
        let model = try QRNNLanguageModel(config: config, weights: weights)
        XCTAssertThrowsError(try Perplexity.evaluate(model: model, tokens: tokens, batchSize: 4, bptt: 50)) { e in
            XCTAssertEqual("\(e)", "not finite: encoder.weight value [\(row * width + 1)] = nan")
        }
    }

    /// Finite weights so large that the loss passes ~709.8 nats have no float64 perplexity: an error, never
    /// `perplexity inf` with exit 0.
    func testALossBeyondFloat64sPerplexityIsAnError() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["full-w11-b4-zip"])
        var (config, weights) = try Fixtures.weights(try XCTUnwrap(c.weights_json))
        weights.decoderBias = FloatBuffer((0..<weights.decoderBias.count).map { $0 == 0 ? 3e4 : -3e4 })
        config.splits = []
        let model = try QRNNLanguageModel(config: config, weights: weights)
        let tokens = try Fixtures.tokens(c).map { $0 == 0 ? 1 : $0 }
        XCTAssertThrowsError(try Perplexity.evaluate(model: model, tokens: tokens, batchSize: 4, bptt: 50)) { e in
            XCTAssertTrue("\(e)".contains("is beyond float64"), "\(e)")
        }
    }
}
