import Checkpoint
import Foundation
import Graph
import ModelImport
import XCTest

/// ModelImport.open / resolve on real torch files: one load serves counting and evaluation.
final class ImportTests: XCTestCase {
    func testCheckpointIsLoadedOnceAndGivesGraphAndModel() throws {
        let imported = try ModelImport.open(path: Fixtures.path("fixtures/awd_zip.pt"))
        XCTAssertEqual(imported.kind, .torchZip)
        let checkpoint = try XCTUnwrap(imported.checkpoint)
        let resolved = try imported.opGraph(sparsity: SparsityPolicy(paramBits: 16, measure: true))
        XCTAssertEqual(resolved.source, .checkpoint)
        // fixtures/awd_zip.pt: awd-lstm-lm QRNN, V 40, E 8, H 12, 3 layers.
        let qrnn = try XCTUnwrap(try imported.recognised() as? AWDQRNNModel)
        XCTAssertEqual([qrnn.config.vocabularySize, qrnn.config.embeddingSize, qrnn.config.hiddenSize, qrnn.config.layerCount],
                       [40, 8, 12, 3])
        XCTAssertEqual(resolved.graph, qrnn.config.opGraph(name: resolved.name))
        let model = try imported.qrnnLanguageModel()
        XCTAssertEqual(model.config, qrnn.config)
        XCTAssertEqual(checkpoint.path, imported.path)
    }

    func testGraphFileNeedsNoPairing() throws {
        let imported = try ModelImport.open(path: Fixtures.path("fixtures/count/mlp.graph.json"))
        XCTAssertEqual(imported.kind, .graphJSON)
        XCTAssertNil(imported.checkpoint)
        XCTAssertThrowsError(try imported.opGraph(sparsity: SparsityPolicy(paramBits: 32, measure: true),
                                                  pairedGraph: Fixtures.path("fixtures/count/mlp.graph.json")))
    }

    func testPresetsAndSizes() throws {
        let seed = try ModelImport.preset("qrnn-wt103")
        XCTAssertEqual(seed.name, "qrnn-wt103")
        let sized = try ModelImport.preset("qrnn-lm", sizes: PresetSizes(vocab: 40, emsize: 8, nhid: 12, nlayers: 3))
        XCTAssertEqual(sized.name, "qrnn-lm(vocab 40, emsize 8, nhid 12, nlayers 3)")
        XCTAssertThrowsError(try ModelImport.preset("reference-example", sizes: PresetSizes(nhid: 3)))
        XCTAssertThrowsError(try ModelImport.preset("nope")) { error in
            XCTAssertTrue("\(error)".hasPrefix("nope: unknown preset (presets: qrnn-wt103, "), "\(error)")
        }
    }

    func testPresetSizesAreBoundedBeforeAnyArithmetic() {
        XCTAssertThrowsError(try ModelImport.preset("qrnn-lm", sizes: PresetSizes(vocab: Int.max))) { error in
            XCTAssertEqual("\(error)", "--vocab must be an integer from 1 to 2147483648, got \(Int.max)")
        }
        XCTAssertThrowsError(try ModelImport.preset("qrnn-lm", sizes: PresetSizes(nlayers: 1 << 31))) { error in
            XCTAssertEqual("\(error)", "--nlayers must be an integer from 1 to 4096, got 2147483648")
        }
        // Every width at its bound: each product fits, the total does not pass 2^40.
        XCTAssertThrowsError(try ModelImport.preset("qrnn-lm", sizes: PresetSizes(vocab: 1 << 31, emsize: 1 << 31, nhid: 1 << 31,
                                                                                     nlayers: 4096))) { error in
            XCTAssertTrue("\(error)".contains("more than 2^40 weights"), "\(error)")
        }
    }

    func testResolveFallsBackToPresetNamesAndSeed() throws {
        let policy = SparsityPolicy(paramBits: 32, measure: true)
        XCTAssertEqual(try ModelImport.resolve(model: nil, sparsity: policy).name, "qrnn-wt103")
        XCTAssertEqual(try ModelImport.resolve(model: "reference-example", sparsity: policy).graph, OpGraph.referenceExample)
        XCTAssertThrowsError(try ModelImport.resolve(model: "/no/such.pt", sparsity: policy)) { error in
            XCTAssertTrue("\(error)".hasPrefix("/no/such.pt: no such file, and not a preset"), "\(error)")
        }
    }
}
