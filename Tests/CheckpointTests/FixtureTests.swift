import Foundation
import XCTest
@testable import Checkpoint

/// Every committed real-PyTorch fixture matches what torch.load read from it (the sidecar).
final class FixtureTests: XCTestCase {
    func testEveryFixtureMatchesItsExpectedSidecar() throws {
        let names = Fixtures.withExpectations
        XCTAssertGreaterThanOrEqual(names.count, 10, "fixtures missing: run fixtures/make_fixtures.py")
        for name in names {
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".expected.json")))
            let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            let ckpt = try LoadedCheckpoint.load(path: Fixtures.path(name))
            XCTAssertEqual(ckpt.format.rawValue, expected["format"] as? String, name)
            let tensors = try XCTUnwrap(expected["tensors"] as? [[String: Any]])
            XCTAssertEqual(ckpt.tensors.map(\.name), tensors.map { $0["name"] as? String ?? "?" }, name)
            for (got, want) in zip(ckpt.tensors, tensors) {
                let label = "\(name): \(got.name)"
                XCTAssertEqual(got.tensor.dtype.rawValue, want["dtype"] as? String, label)
                XCTAssertEqual(got.tensor.shape, want["shape"] as? [Int], label)
                XCTAssertEqual(got.tiedTo, want["tied_to"] as? String, label)
                XCTAssertEqual(got.isOptimizerState, want["optimizer"] as? Bool, label)
                XCTAssertEqual(got.tensor.zeroCount(), want["zeros"] as? Int, label)
                XCTAssertEqual(fnv64(got.tensor), want["fnv64"] as? String, label)
            }
        }
    }

    func testWholeAwdModelNamesTheSeedsClassesAndKeepsAdamStateApart() throws {
        for file in ["awd_zip.pt", "awd_legacy.pt"] {
            let c = try LoadedCheckpoint.load(path: Fixtures.path(file))
            for cls in ["model.RNNModel", "torchqrnn.qrnn.QRNNLayer", "weight_drop.WeightDrop", "splitcross.SplitCrossEntropyLoss",
                        "locked_dropout.LockedDropout", "torch.optim.adam.Adam", "torch.nn.modules.linear.Linear"] {
                XCTAssertTrue(c.classes.contains(cls), "\(file) should name \(cls)")
            }
            XCTAssertEqual(c.structure, "list[3]: model.RNNModel, splitcross.SplitCrossEntropyLoss, torch.optim.adam.Adam")
            XCTAssertEqual(c.modelTensors.count, 14, file)
            XCTAssertTrue(c.tensors.filter(\.isOptimizerState).allSatisfy { $0.name.hasPrefix("2.state.") })
            XCTAssertEqual(c.tensors.first { $0.name == "0.decoder.weight" }?.tiedTo, "0.encoder.weight")
            XCTAssertEqual(c.tensors.first { $0.name == "0.rnns.1.linear.module.weight" }?.tiedTo, "0.rnns.1.linear.module.weight_raw")
            XCTAssertNotNil(c.tensor(named: "2.state.0.encoder.weight.exp_avg_sq"))
            XCTAssertTrue(c.suspiciousCalls.isEmpty, "\(c.suspiciousCalls)")
            // Plain attributes of the inert module objects can be walked.
            guard case .list(let top) = c.root, case .object(let model) = top.items[0] else { return XCTFail("root is not [model, ...]") }
            XCTAssertEqual(model.className, "model.RNNModel")
            XCTAssertEqual(model.attribute("nhid")?.intValue, 12)
            XCTAssertEqual(model.attribute("rnn_type")?.stringValue, "QRNN")
            XCTAssertEqual(model.attribute("dropout")?.doubleValue, 0.1)
        }
        let legacy = try LoadedCheckpoint.load(path: Fixtures.path("awd_legacy.pt"))
        XCTAssertEqual(legacy.markers["protocol_version"], "1001")
        let zip = try LoadedCheckpoint.load(path: Fixtures.path("awd_zip.pt"))
        XCTAssertEqual(zip.markers["byteorder"], "little")
        XCTAssertEqual(zip.markers["version"], "3")
    }

    func testLoadingNeverChangesTheFile() throws {
        let path = Fixtures.path("awd_zip.pt")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        let c = try LoadedCheckpoint.load(path: path)
        _ = c.tensors.map { $0.tensor.zeroCount() }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date, attrs[.modificationDate] as? Date)
    }

    func testContiguousFloat32IsUsedInPlaceFromTheMapping() throws {
        let c = try LoadedCheckpoint.load(path: Fixtures.path("dtypes_zip.pt"))
        let t = try XCTUnwrap(c.tensor(named: "f32"))
        let mapped = try XCTUnwrap(t.storage.buffer?.bytes.baseAddress)
        t.withFloat32 { buf in
            XCTAssertEqual(UnsafeRawPointer(buf.baseAddress), mapped + t.storageOffset * 4)
            XCTAssertEqual(buf.count, 15)
        }
        XCTAssertEqual(t.zeroFraction(), 2.0 / 15.0, accuracy: 1e-12)  // +0 and -0
    }

    func testNonContiguousViewsReadInRowMajorOrder() throws {
        for file in ["views_zip.pt", "views_legacy.pt", "views_deflated.pt"] {
            let c = try LoadedCheckpoint.load(path: Fixtures.path(file))
            let slice = try XCTUnwrap(c.tensor(named: "slice"))
            XCTAssertEqual(slice.storageOffset, 6)
            XCTAssertEqual(slice.strides, [6, 2])
            XCTAssertFalse(slice.isContiguous)
            XCTAssertEqual(slice.toFloat32(), [6, 8, 10, 12, 14, 16], file)
            XCTAssertEqual(try XCTUnwrap(c.tensor(named: "transposed")).toFloat32().prefix(5), [0, 6, 12, 18, 1])
            XCTAssertEqual(try XCTUnwrap(c.tensor(named: "expanded")).strides, [0, 1])
            XCTAssertEqual(try XCTUnwrap(c.tensor(named: "expanded")).toFloat32(), [Float](repeating: 1, count: 12))
            // The three views share one storage key with the base.
            XCTAssertEqual(Set(["base", "slice", "transposed", "row"].compactMap { c.tensor(named: $0)?.storageKey }).count, 1)
        }
    }

    func testBarePicklesAreReadInertly() throws {
        for file in ["dictionary_p4.pickle", "dictionary_p0.pickle"] {
            let c = try LoadedCheckpoint.load(path: Fixtures.path(file))
            XCTAssertEqual(c.format, .pickle)
            XCTAssertEqual(c.root["ratio"]?.doubleValue, 0.5, file)
            XCTAssertTrue(c.classes.contains("data.Dictionary"), "\(file): \(c.classes)")
            let dictionary = try XCTUnwrap(c.root["dictionary"])
            XCTAssertEqual(dictionary["idx2word"]?.listItems?.compactMap(\.stringValue), ["the", "cat", "sat", "on", "mat", "<eos>"], file)
            XCTAssertEqual(dictionary["total"]?.intValue, 7, file)
            if case .bigInt = c.root["n"] {} else { XCTFail("\(file): 2**70 should stay a big int") }
        }
    }

    func testPyTorch04ShapesReadLikeTorchReadsThem() throws {
        // Parameter(tensor, requires_grad) REDUCE, None hooks, Python 2 OrderedDict pairs, cuda:0 storages.
        let c = try LoadedCheckpoint.load(path: Fixtures.path("legacy04.pt"))
        XCTAssertEqual(c.format, .legacy)
        XCTAssertEqual(c.tensors.map(\.name), ["encoder.weight", "rnn.weight_hh", "rnn.weight_hh_t", "decoder.weight", "steps", "encoder.row"])
        // A storage view record: elements 4... of the root storage, then offset 1 inside the view.
        XCTAssertEqual(c.tensor(named: "encoder.row")?.toFloat32(), [0.25, 0.5, 0.75])
        XCTAssertEqual(c.tensor(named: "encoder.row")?.storageKey, "94045149400288")
        XCTAssertEqual(c.tensors[3].tiedTo, "encoder.weight")
        XCTAssertEqual(c.tensor(named: "rnn.weight_hh_t")?.toFloat32(), [-2, -0.0, 0, 7])
        XCTAssertEqual(c.tensor(named: "steps")?.toFloat64(), [3, 1_099_511_627_776])
        XCTAssertEqual(c.tensor(named: "encoder.weight")?.storageKey, "94045149400272")
    }

    func testStateDictMetadataStaysAnAttributeAndNonPersistentBuffersAreSkipped() throws {
        let sd = try LoadedCheckpoint.load(path: Fixtures.path("module_state_dict_legacy.pt"))
        guard case .dict(let d) = sd.root else { return XCTFail("root is not a dict") }
        XCTAssertEqual(d.className, "collections.OrderedDict")
        XCTAssertNil(d["_metadata"])
        XCTAssertEqual(d.entries.count, 7)
        XCTAssertNotNil(d.attributes?["_metadata"]?["1"]?["version"])
        let module = try LoadedCheckpoint.load(path: Fixtures.path("module_proto4_zip.pt"))
        XCTAssertFalse(module.tensors.contains { $0.name.hasSuffix("scratch") })
        XCTAssertEqual(module.tensor(named: "1.num_batches_tracked")?.dtype, .int64)
    }

    func testBigEndianArchivesAreSwappedOnLoad() throws {
        let big = try LoadedCheckpoint.load(path: Fixtures.path("dtypes_bigendian.pt"))
        let little = try LoadedCheckpoint.load(path: Fixtures.path("dtypes_zip.pt"))
        XCTAssertEqual(big.markers["byteorder"], "big")
        for t in little.tensors {
            XCTAssertEqual(big.tensor(named: t.name)?.toFloat64(), t.tensor.toFloat64(), t.name)
        }
    }

    func testWrappedStateDictDropsWrapperAndDataParallelPrefix() throws {
        let c = try LoadedCheckpoint.load(path: Fixtures.path("wrapped_zip.pt"))
        XCTAssertEqual(c.modelTensors.first?.name, "encoder.weight")
        XCTAssertTrue(c.tensors.contains { $0.name == "optimizer.state.0.exp_avg" && $0.isOptimizerState })
        XCTAssertEqual(c.root["epoch"]?.intValue, 3)
    }
}
