import Checkpoint
import XCTest
@testable import QRNNModel

/// Every torch-made checkpoint of fixtures/qrnn, loaded by the Checkpoint reader and evaluated as the seed's
/// evaluate() does, against torch's perplexity.
final class CheckpointExactnessTests: XCTestCase {
    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try XCTUnwrap(try Fixtures.expected()[name], name)
        let model = try QRNNLanguageModel.load(path: Fixtures.path(c.checkpoint))
        XCTAssertEqual(model.config.vocabularySize, c.vocab_size, file: file, line: line)
        XCTAssertEqual(model.config.embeddingSize, c.emsize, file: file, line: line)
        XCTAssertEqual(model.config.windows, c.windows, file: file, line: line)
        XCTAssertEqual(model.config.splits, c.splits, file: file, line: line)
        if c.windows.count > 1 { XCTAssertEqual(model.config.hiddenSize, c.nhid, file: file, line: line) }
        let r = try Perplexity.evaluate(model: model, tokens: try Fixtures.tokens(c), batchSize: c.batch_size, bptt: c.bptt)
        XCTAssertEqual(r.tokens, c.tokens / c.batch_size * c.batch_size, file: file, line: line)
        assertRelative(r.perplexity, c.float32.perplexity, 1e-5, "\(name) ppl vs torch float32", file: file, line: line)
        assertRelative(r.loss, c.float64.loss, 1e-6, "\(name) loss vs torch float64", file: file, line: line)
    }

    func testSplitSoftmaxThreeLayersBatchOneZip() throws { try check("split-w211-b1-zip") }
    func testSplitSoftmaxFourLayersBatchFourLegacy() throws { try check("split-w2111-b4-legacy") }
    func testSplitSoftmaxTwoLayersLegacy() throws { try check("split-w21-b1-legacy") }
    func testFullSoftmaxWindowOneBatchFourZip() throws { try check("full-w11-b4-zip") }
    func testFullSoftmaxWindowTwoEveryLayer() throws { try check("full-w22-b1-zip") }
    func testBareStateDict() throws { try check("full-w211-statedict") }

    func testFloat32WeightsAreViewsIntoTheMappedFile() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["split-w211-b1-zip"])
        let checkpoint = try LoadedCheckpoint.load(path: Fixtures.path(c.checkpoint))
        let (_, tensors) = try QRNNConfig.recognise(checkpoint)
        let weights = QRNNWeights(tensors, checkpoint: checkpoint)
        tensors.embedding.withFloat32 { XCTAssertEqual($0.baseAddress, weights.embedding.base) }
        tensors.layers[1].weight.withFloat32 { XCTAssertEqual($0.baseAddress, weights.layers[1].weight.base) }
    }

    func testSplitsComeFromThePickledCriterion() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["split-w211-b1-zip"])
        let (config, tensors) = try QRNNConfig.recognise(try LoadedCheckpoint.load(path: Fixtures.path(c.checkpoint)))
        XCTAssertEqual(config.splits, [40, 120, 250])  // awdSplits(304) would be []
        XCTAssertEqual(tensors.tailVectors?.shape, [3, 8])
        XCTAssertEqual(config.layerCount, 3)
    }

    func testPickledCorpusVocabularyEqualsTheWordFile() throws {
        let file = try Vocabulary.fromWordFile(Fixtures.path("qrnn/vocab.txt"))
        for name in ["qrnn/corpus.vocab-only.data", "qrnn/corpus.vocab-only.legacy.data"] {
            XCTAssertEqual(try Vocabulary.load(Fixtures.path(name)).words, file.words, name)
        }
        XCTAssertEqual(try Vocabulary.load(Fixtures.path("qrnn/corpus")).words, file.words)
        XCTAssertEqual(try Vocabulary.load(Fixtures.path("qrnn/vocab.txt")).words, file.words)
    }

    func testAVocabularyPickleIsNotAModel() throws {
        XCTAssertThrowsError(try QRNNLanguageModel.load(path: Fixtures.path("qrnn/corpus.vocab-only.data"))) { e in
            let m = "\(e)"
            XCTAssertTrue(m.hasPrefix("not an awd-lstm-lm QRNN language model: "), m)
            XCTAssertTrue(m.contains("corpus.vocab-only.data: no 2-D encoder.weight"), m)
            XCTAssertFalse(m.contains("\n"))
        }
    }
}
