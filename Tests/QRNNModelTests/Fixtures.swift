import Foundation
import XCTest
import LanguageModel
@testable import QRNNModel

/// Paths and expected figures of fixtures/qrnn (made by fixtures/make_qrnn_fixtures.py with real torch).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    struct Figures: Decodable { let loss: Double; let perplexity: Double }
    struct Case: Decodable {
        let checkpoint: String, text: String, vocab: String, format: String, contents: String
        let vocab_size: Int, emsize: Int, nhid: Int, windows: [Int], splits: [Int]
        let batch_size: Int, bptt: Int, tokens: Int
        let float32: Figures, float64: Figures
        let weights_json: String?
    }

    /// Every case of expected.json by name.
    static func expected() throws -> [String: Case] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("qrnn/expected.json")))
        let any = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var out = [String: Case]()
        for (name, value) in any where !name.hasPrefix("_") {
            let d = try JSONSerialization.data(withJSONObject: value)
            out[name] = try JSONDecoder().decode(Case.self, from: d)
        }
        return out
    }

    struct WeightsJSON: Decodable {
        struct Config: Decodable { let vocab_size: Int, emsize: Int, nhid: Int, windows: [Int], splits: [Int] }
        struct Layer: Decodable { let weight: [Float], bias: [Float] }
        let config: Config
        let embedding: [Float], decoder_bias: [Float], layers: [Layer], tail_vectors: [Float], tail_bias: [Float]
    }

    /// The config and weights a case's JSON dump holds (torch's float32 values, exact).
    static func weights(_ relative: String) throws -> (QRNNConfig, QRNNWeights) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        let w = try JSONDecoder().decode(WeightsJSON.self, from: data)
        let c = w.config
        let config = QRNNConfig(vocabularySize: c.vocab_size, embeddingSize: c.emsize, hiddenSize: c.nhid,
                                windows: c.windows, splits: c.splits)
        let weights = QRNNWeights(embedding: FloatBuffer(w.embedding),
                                  layers: w.layers.map { QRNNLayerWeights(weight: FloatBuffer($0.weight), bias: FloatBuffer($0.bias)) },
                                  decoderBias: FloatBuffer(w.decoder_bias),
                                  tailVectors: FloatBuffer(w.tail_vectors), tailBias: FloatBuffer(w.tail_bias))
        return (config, weights)
    }

    /// Token ids of a case's text under its vocabulary file.
    static func tokens(_ c: Case) throws -> [Int32] {
        let vocab = try Vocabulary.fromWordFile(path(c.vocab))
        return try vocab.encode(try Corpus.read(path(c.text)), path: c.text)
    }
}

/// Asserts |a − b| ≤ tol·|b|.
func assertRelative(_ a: Double, _ b: Double, _ tol: Double, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertLessThanOrEqual(abs(a - b), tol * abs(b), "\(message): \(a) vs \(b), rel \(abs(a - b) / abs(b))",
                             file: file, line: line)
}
