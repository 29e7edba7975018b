import Foundation
import XCTest

/// Paths and expected figures of fixtures/lstm (written by real awd-lstm-lm main.py; see
/// fixtures/make_lstm_fixtures.py).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    struct Figures: Decodable { let loss: Double; let perplexity: Double }
    struct Evaluation: Decodable { let float32: Figures; let float64: Figures; let tokens: Int }
    struct Row: Decodable { let params: Int; let mults: Int; let adds: Int }
    struct Layer: Decodable { let input: Int; let hidden: Int; let bias_vectors: Int }
    struct Counts: Decodable { let rows: [String: Row]; let total: Row; let layers: [Layer] }
    struct Case: Decodable {
        let checkpoint: String, text: String, vocab: String, format: String, contents: String
        let vocab_size: Int, splits: [Int], bptt: Int, wdrop: Double
        /// "GRU" for main.py --model GRU; absent in the entries written before GRU cases existed (LSTM).
        let rnn_type: String?
        let eval: [String: Evaluation]
        let counts: Counts
    }

    /// Every case of expected.json by name.
    static func expected() throws -> [String: Case] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("lstm/expected.json")))
        let any = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var out = [String: Case]()
        for (name, value) in any where !name.hasPrefix("_") {
            let d = try JSONSerialization.data(withJSONObject: value)
            out[name] = try JSONDecoder().decode(Case.self, from: d)
        }
        return out
    }
}

/// Asserts |a − b| ≤ tol·|b|.
func assertRelative(_ a: Double, _ b: Double, _ tol: Double, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertLessThanOrEqual(abs(a - b), tol * abs(b), "\(message): \(a) vs \(b), rel \(abs(a - b) / abs(b))",
                             file: file, line: line)
}
