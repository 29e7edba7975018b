import Checkpoint
import LanguageModel
import XCTest
@testable import LSTMModel

/// Every checkpoint awd-lstm-lm's main.py wrote for fixtures/lstm, loaded by the Checkpoint reader and evaluated
/// at batch 1 and a larger batch, against main.py's evaluate(): within 2e-6 of its figure with the loss
/// accumulated in float64, and 1e-5 of its own float32-accumulated figure.
final class CheckpointExactnessTests: XCTestCase {
    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try XCTUnwrap(try Fixtures.expected()[name], name)
        let model = try LSTMLanguageModel.load(path: Fixtures.path(c.checkpoint))
        XCTAssertEqual(model.config.vocabularySize, c.vocab_size, file: file, line: line)
        XCTAssertEqual(model.config.layerCount, c.counts.layers.count, file: file, line: line)
        XCTAssertEqual(model.config.hiddenSize, c.counts.layers[0].hidden, file: file, line: line)
        XCTAssertEqual(model.config.splits, c.splits, file: file, line: line)
        XCTAssertEqual(model.config.cell.rawValue, c.rnn_type ?? "LSTM", file: file, line: line)
        let vocab = try Vocabulary.load(Fixtures.path(c.vocab))
        let tokens = try vocab.encode(try Corpus.read(Fixtures.path(c.text)), path: c.text)
        XCTAssertEqual(c.eval.count, 2)
        for (batch, expected) in c.eval {
            let b = try XCTUnwrap(Int(batch))
            let r = try Perplexity.evaluate(model: model, tokens: tokens, batchSize: b, bptt: c.bptt)
            XCTAssertEqual(r.tokens, expected.tokens, file: file, line: line)
            assertRelative(r.perplexity, expected.float64.perplexity, 2e-6, "\(name) batch \(b) vs evaluate() float64", file: file, line: line)
            assertRelative(r.perplexity, expected.float32.perplexity, 1e-5, "\(name) batch \(b) vs evaluate() float32", file: file, line: line)
        }
    }

    func testWeightDropFullSoftmaxZip() throws { try check("wdrop-full-zip") }
    func testWeightDropSplitSoftmaxLegacy() throws { try check("wdrop-split-legacy") }
    func testPlainSplitSoftmaxZip() throws { try check("plain-split-zip") }
    func testPlainFullSoftmaxLegacy() throws { try check("plain-full-legacy") }
    func testBareStateDictWithWeightDropAlias() throws { try check("wdrop-full-statedict") }
    func testGRUWeightDropSplitSoftmaxZip() throws { try check("gru-wdrop-split-zip") }
    func testGRUPlainFullSoftmaxLegacy() throws { try check("gru-plain-full-legacy") }

    func testResultDoesNotDependOnBptt() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["plain-split-zip"])
        let model = try LSTMLanguageModel.load(path: Fixtures.path(c.checkpoint))
        let vocab = try Vocabulary.load(Fixtures.path(c.vocab))
        let tokens = try vocab.encode(try Corpus.read(Fixtures.path(c.text)), path: c.text)
        let expected = try XCTUnwrap(c.eval["1"]).float64.perplexity
        for bptt in [1, 7, 5000] {
            let r = try Perplexity.evaluate(model: model, tokens: tokens, batchSize: 1, bptt: bptt)
            assertRelative(r.perplexity, expected, 2e-6, "bptt \(bptt)")
        }
    }

    func testWeightDropUsesTheRawWeightAndItsAliasIsOneTensor() throws {
        let checkpoint = try LoadedCheckpoint.load(path: Fixtures.path("lstm/wdrop-full-zip.pt"))
        let names = checkpoint.modelTensors.map(\.moduleName)
        XCTAssertTrue(names.contains("rnns.0.module.weight_hh_l0_raw"), "\(names)")
        let (_, tensors) = try LSTMConfig.recognise(checkpoint)
        let raw = try XCTUnwrap(checkpoint.modelTensors.first { $0.moduleName == "rnns.0.module.weight_hh_l0_raw" })
        XCTAssertEqual(tensors.layers[0].hiddenWeight.storageKey, raw.tensor.storageKey)
        XCTAssertEqual(tensors.layers[0].hiddenWeight.storageOffset, raw.tensor.storageOffset)
        // The WeightDrop wrapper's bound method (getattr on the module) is held inertly, never refused.
        XCTAssertTrue(checkpoint.classes.contains("weight_drop.WeightDrop"), "\(checkpoint.classes)")
    }

    func testSixteenBitPrecisionsStayClose() throws {
        let c = try XCTUnwrap(try Fixtures.expected()["wdrop-split-legacy"])
        let vocab = try Vocabulary.load(Fixtures.path(c.vocab))
        let tokens = try vocab.encode(try Corpus.read(Fixtures.path(c.text)), path: c.text)
        let expected = try XCTUnwrap(c.eval["1"]).float64.perplexity
        for p in [Precision.fp16, .bf16] {
            let model = try LSTMLanguageModel.load(path: Fixtures.path(c.checkpoint), precision: p)
            let r = try Perplexity.evaluate(model: model, tokens: tokens, batchSize: 1, bptt: c.bptt)
            let rel = abs(r.perplexity - expected) / expected
            XCTAssertGreaterThan(rel, 0, "\(p) must actually round")
            XCTAssertLessThan(rel, p == .fp16 ? 5e-3 : 5e-2, "\(p)")
        }
    }

    func testAQRNNCheckpointIsNotAnLSTM() throws {
        let checkpoint = try LoadedCheckpoint.load(path: Fixtures.path("qrnn/split-w211-b1-zip.pt"))
        XCTAssertFalse(LSTMConfig.isLSTM(checkpoint))
        XCTAssertThrowsError(try LSTMConfig.recognise(checkpoint)) { e in
            XCTAssertTrue("\(e)".hasPrefix("not an awd-lstm-lm LSTM or GRU language model: "), "\(e)")
        }
    }
}
