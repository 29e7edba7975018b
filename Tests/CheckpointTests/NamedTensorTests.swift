import Checkpoint
import XCTest

/// State-dict names as the module itself would give them.
final class CheckpointNameTests: XCTestCase {
    func testListPositionAndDataParallelPrefixesAreStripped() {
        XCTAssertEqual(NamedTensor.moduleName("0.rnns.1.linear.module.weight_raw"), "rnns.1.linear.module.weight_raw")
        XCTAssertEqual(NamedTensor.moduleName("module.encoder.weight"), "encoder.weight")
        XCTAssertEqual(NamedTensor.moduleName("1.tail_vectors"), "tail_vectors")
        XCTAssertEqual(NamedTensor.moduleName("0.module.decoder.bias"), "decoder.bias")
    }
}
