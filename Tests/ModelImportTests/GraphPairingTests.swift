import Foundation
import Graph
import ModelImport
import XCTest

/// --graph pairing at the library level, on the awd-lstm-lm fixture written by real torch (V 40, E 8, H 12):
/// Embedding and QRNN ops are checked against the tensors named like them.
final class GraphPairingTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pairing-lib-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func pair(hidden: Int, vocab: Int = 40, layers: Int = 4) throws -> ResolvedModel {
        let graph = OpGraph(name: "awd by hand", entries: [
            .op(NamedOp("encoder", Embedding(inputSize: vocab, nChannels: 8))),
            .op(NamedOp("rnns.0.linear.module", QRNN(inputSize: 8, hiddenSize: hidden, window: 2, outputGate: true))),
            .op(NamedOp("rnns.1.linear.module", QRNN(inputSize: 12, hiddenSize: 12, window: 1, outputGate: true))),
            .op(NamedOp("rnns.2.linear.module", QRNN(inputSize: 12, hiddenSize: 8, window: 1, outputGate: true))),
        ].prefix(layers).map { $0 })
        let url = dir.appendingPathComponent("awd.json")
        try GraphFile.encode(graph).write(to: url, atomically: true, encoding: .utf8)
        return try ModelImport.resolve(model: Fixtures.path("fixtures/awd_zip.pt"), pairedGraph: url.path,
                                       sparsity: SparsityPolicy(paramBits: 32, measure: true))
    }

    func testEmbeddingAndQRNNShapesMatch() throws {
        let resolved = try pair(hidden: 12)
        XCTAssertEqual(resolved.source, .checkpoint)
        XCTAssertEqual(resolved.notes.dropFirst(), ["  encoder: encoder.weight 0.00% zeros -> dense"]
                       + (0..<3).map { "  rnns.\($0).linear.module: rnns.\($0).linear.module.weight 0.00% zeros -> dense" })
        XCTAssertNotNil(resolved.imported?.checkpoint, "the load is kept for evaluation")
    }

    func testLayersTheGraphLeavesOutAreRefused() {
        XCTAssertThrowsError(try pair(hidden: 12, layers: 3)) { error in
            XCTAssertTrue("\(error)".contains("no op counts rnns.2.linear.module.weight_raw [24, 12], rnns.2.linear.module.weight [24, 12] of "),
                          "\(error)")
        }
    }

    func testQRNNOfAnotherSizeIsRefused() {
        XCTAssertThrowsError(try pair(hidden: 16)) { error in
            XCTAssertTrue("\(error)".contains("op 'rnns.0.linear.module' (QRNN) needs rnns.0.linear.module.weight of shape [48, 16] "
                                              + "(torchqrnn's linear [gates*hidden, window*input]), but "), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("has [36, 16]"), "\(error)")
        }
    }

    func testEmbeddingOfAnotherVocabularyIsRefused() {
        XCTAssertThrowsError(try pair(hidden: 12, vocab: 41)) { error in
            XCTAssertTrue("\(error)".contains("op 'encoder' (Embedding) needs encoder.weight of shape [41, 8] (nn.Embedding's [vocab, width])"),
                          "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("has [40, 8]"), "\(error)")
        }
    }
}
