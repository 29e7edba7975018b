import Checkpoint
import LanguageModel
import XCTest

/// Legacy checkpoints store float32 at unaligned offsets: each used tensor is copied once into aligned memory,
/// and the mapped pages it came from are dropped (re-read from the file when touched again).
final class LegacyCopyTests: XCTestCase {
    func testUnalignedTensorsAreCopiedExactlyAndTheMappingStillReads() throws {
        let checkpoint = try LoadedCheckpoint.load(path: Fixtures.path("lstm/plain-full-legacy.pt"))
        let owner = CheckpointOwner(checkpoint)
        let enc = try XCTUnwrap(checkpoint.modelTensors.first { $0.moduleName == "encoder.weight" }).tensor
        XCTAssertNil(enc.float32View, "legacy storages are expected at unaligned offsets")
        let copy = FloatBuffer(enc, owner: owner)
        XCTAssertEqual(Int(bitPattern: copy.base) % MemoryLayout<Float>.alignment, 0)
        let again = enc.toFloat32()  // read through the mapping after its pages were released
        XCTAssertEqual(copy.count, again.count)
        XCTAssertTrue((0..<copy.count).allSatisfy { copy[$0].bitPattern == again[$0].bitPattern })
    }

    func testAlignedZipTensorsAreBorrowed() throws {
        let checkpoint = try LoadedCheckpoint.load(path: Fixtures.path("lstm/plain-split-zip.pt"))
        let enc = try XCTUnwrap(checkpoint.modelTensors.first { $0.moduleName == "encoder.weight" }).tensor
        let view = try XCTUnwrap(enc.float32View)
        XCTAssertEqual(FloatBuffer(enc, owner: CheckpointOwner(checkpoint)).base, view.baseAddress)
    }
}
