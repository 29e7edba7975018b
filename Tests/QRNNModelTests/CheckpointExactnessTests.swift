import Checkpoint
import Foundation
import XCTest
import LanguageModel
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

    func testWikiText2ModelStoredInFloat16MatchesTorchOnTheTestSetStart() throws {
        // The full test set is checked by the README's main job (release build); here its first 5,000 tokens.
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("qrnn/expected.json")))
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let wt2 = try XCTUnwrap(all["wikitext-2"] as? [String: Any]), prefix = try XCTUnwrap(wt2["prefix"] as? [String: Any])
        let n = try XCTUnwrap(prefix["tokens"] as? Int)
        func ppl(_ key: String) throws -> Double { try XCTUnwrap((prefix[key] as? [String: Any])?["perplexity"] as? Double) }
        let model = try QRNNLanguageModel.load(path: Fixtures.path("qrnn/wt2-qrnn.pt"))
        XCTAssertEqual(model.config, QRNNConfig(vocabularySize: 33278, embeddingSize: 32, hiddenSize: 192, layerCount: 3, splits: []))
        let vocab = try Vocabulary.load(Fixtures.path("wikitext-2/vocab.txt"))
        XCTAssertEqual(Array(vocab.words.prefix(4)), ["<eos>", "=", "Valkyria", "Chronicles"])
        let tokens = try vocab.encode(try Corpus.read(Fixtures.path("wikitext-2/test.txt")), path: "test.txt")
        XCTAssertEqual(tokens.count, 245_569)
        let r = try Perplexity.evaluate(model: model, tokens: Array(tokens.prefix(n)), batchSize: 1, bptt: 140)
        assertRelative(r.perplexity, try ppl("float32"), 1e-5, "vs torch float32")
        assertRelative(r.perplexity, try ppl("float64"), 1e-5, "vs torch float64")
    }

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
