import Checkpoint
import XCTest
@testable import ModelImport

/// The widths a checkpoint stores, per op of a paired graph (fixtures/quant, written by real torch.ao).
final class StoredBitsTests: XCTestCase {
    private func load(_ name: String) throws -> LoadedCheckpoint {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try LoadedCheckpoint.load(path: url.appendingPathComponent("fixtures/quant").appendingPathComponent(name).path)
    }

    private func op(_ name: String, weights: Bool = true, input: Int? = nil) -> StoredBits.GraphOp {
        StoredBits.GraphOp(name: name, hasWeights: weights, graphInput: input)
    }

    func testWholePicklesNameStaticAndDynamicModules() throws {
        let s = try StoredBits(checkpoint: load("static_model.pt")).assign([op("conv1"), op("pool", weights: false), op("conv2"), op("fc")]).bits
        XCTAssertEqual(s["conv1"], StoredBits.Op(param: 8, input: 8, quantizer: 8 * 40 + 8 * 24 + 40 + 40))  // + QuantStub's
        XCTAssertEqual(s["pool"], StoredBits.Op(param: nil, input: 8, quantizer: nil), "consumes conv1's requantized output")
        XCTAssertEqual(s["fc"], StoredBits.Op(param: 8, input: 8, quantizer: 10 * 40 + 10 * 24 + 40))
        let d = try StoredBits(checkpoint: load("dynmlp_model.pt")).assign([op("fc1"), op("act", weights: false), op("fc2")]).bits
        XCTAssertEqual(d["fc1"], StoredBits.Op(param: 8, input: 32, quantizer: 40 + 32 * 24), "dynamic: float activations, placeholder not stored")
        XCTAssertNil(d["act"], "a float activation keeps the global settings")
    }

    func testStateDictsFollowTheWeightsUnlessTheGraphSays() throws {
        let sd = try load("dynmlp_sd.pt")
        XCTAssertEqual(try StoredBits(checkpoint: sd).assign([op("fc1")]).bits["fc1"]?.input, 8)
        XCTAssertEqual(try StoredBits(checkpoint: sd).assign([op("fc1", input: 32)]).bits["fc1"]?.input, 32)
        XCTAssertEqual(try StoredBits(checkpoint: sd).assign([op("fc1", input: 4)]).bits["fc1"]?.input, 8, "never below the weights")
    }

    func testHalfAndFloatCheckpoints() throws {
        let half = try StoredBits(checkpoint: load("mlp_bf16.pt")).assign([op("fc1"), op("fc2")]).bits
        XCTAssertEqual(half["fc1"], StoredBits.Op(param: 16, input: 16, quantizer: nil))
        let float = try StoredBits(checkpoint: load("bn_ema.pt"))
        XCTAssertFalse(float.storesOwnWidths)
        XCTAssertTrue(try float.assign([op("conv")]).bits.isEmpty)
    }
}
