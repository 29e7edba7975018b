import Foundation
import XCTest
@testable import Checkpoint

/// torch.ao quantized and half-precision checkpoints (fixtures/quant, written by real PyTorch through
/// fixtures/make_quant_fixtures.py) read against what torch itself reports in fixtures/quant/expected.json.
final class QuantizedCheckpointTests: XCTestCase {
    private static let dir = Fixtures.dir.appendingPathComponent("quant")
    private static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    private func expected() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: Self.dir.appendingPathComponent("expected.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    /// Every tensor, under the float module's name, with torch's dtype, shape, quantizer and stored integers.
    func testEveryQuantizedFixtureMatchesTorch() throws {
        let all = try expected()
        var checked = 0
        for (file, e) in all.sorted(by: { $0.key < $1.key }) {
            guard let tensors = e["tensors"] as? [[String: Any]] else { continue }
            let ckpt = try LoadedCheckpoint.load(path: Self.path(file))
            let byName = Dictionary(ckpt.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let whole = e["kind"] as? String == "model"
            for t in tensors {
                let name = try XCTUnwrap(t["name"] as? String)
                // A whole pickled quantized conv or Linear keeps its output scale / zero point as numbers, not tensors.
                if whole, name.hasSuffix(".scale") || name.hasSuffix(".zero_point"), !name.hasPrefix("quant.") { continue }
                let got = try XCTUnwrap(byName[name], "\(file): no tensor \(name) in \(ckpt.tensors.map(\.name))")
                XCTAssertEqual(got.tensor.dtype.rawValue, t["dtype"] as? String, "\(file) \(name)")
                XCTAssertEqual(got.tensor.shape, t["shape"] as? [Int], "\(file) \(name)")
                XCTAssertEqual(got.tensor.dtype.bits, t["bits"] as? Int, "\(file) \(name)")
                XCTAssertEqual(fnv64(got.tensor), t["fnv64"] as? String, "\(file) \(name): stored values differ from torch's int_repr()")
                XCTAssertEqual(got.role.rawValue, t["kind"] as? String, "\(file) \(name)")
                if let scheme = t["qscheme"] as? String {
                    let q = try XCTUnwrap(got.tensor.quantization, "\(file) \(name)")
                    XCTAssertEqual(q.scheme.rawValue, scheme, "\(file) \(name)")
                    // Foundation's JSON parser may miss the last bit of a double: compare to 1e-12 relative.
                    try assertClose(q.scales, try XCTUnwrap(t["scales"] as? [Double]), "\(file) \(name)")
                    try assertClose(q.zeroPoints, try XCTUnwrap(t["zero_points"] as? [Double]), "\(file) \(name)")
                    XCTAssertEqual(q.axis, t["axis"] as? Int, "\(file) \(name)")
                    XCTAssertEqual(got.tensor.zeroCount(), t["zeros"] as? Int, "\(file) \(name): elements that dequantize to 0")
                } else {
                    XCTAssertNil(got.tensor.quantization, "\(file) \(name)")
                }
                checked += 1
            }
            // Activation quantizers: QuantStub's and each static module's output; dynamic placeholders marked.
            let quantizers = try XCTUnwrap(e["activation_quantizers"] as? [[String: Any]])
            XCTAssertEqual(Set(ckpt.activationQuantizers.map(\.module)), Set(quantizers.compactMap { $0["module"] as? String }), file)
            for q in quantizers {
                let got = try XCTUnwrap(ckpt.activationQuantizers.first { $0.module == q["module"] as? String })
                XCTAssertEqual(got.scale, try XCTUnwrap(q["scale"] as? Double), accuracy: abs(got.scale) * 1e-7, file)
                XCTAssertEqual(got.zeroPoint, Double(try XCTUnwrap(q["zero_point"] as? Int)), file)
                XCTAssertEqual(!got.isDynamicPlaceholder, q["counted"] as? Bool, "\(file) \(got.module)")
            }
        }
        XCTAssertGreaterThan(checked, 80)
    }

    private func assertClose(_ a: [Double], _ b: [Double], _ message: String) throws {
        XCTAssertEqual(a.count, b.count, message)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: abs(y) * 1e-12, message) }
    }

    /// Packed weights come out under the float names a graph file uses, and nothing is left under packed paths.
    func testPackedParamsUnpackToFloatNames() throws {
        for file in ["static_model.pt", "static_model_legacy.pt", "static_sd.pt", "static_sd_legacy.pt"] {
            let names = try LoadedCheckpoint.load(path: Self.path(file)).tensors.map(\.name)
            for n in ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"] {
                XCTAssertTrue(names.contains(n), "\(file): \(names)")
            }
            XCTAssertFalse(names.contains { $0.contains("_packed_params") }, "\(file): \(names)")
        }
        for file in ["dynamic_model.pt", "dynamic_model_legacy.pt", "dynamic_sd.pt"] {
            let ckpt = try LoadedCheckpoint.load(path: Self.path(file))
            let names = ckpt.tensors.map(\.name)
            XCTAssertEqual(names.filter { $0.hasPrefix("lstm.") }, ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0"], file)
            XCTAssertEqual(ckpt.tensor(named: "lstm.weight_ih_l0")?.shape, [64, 8])
            XCTAssertEqual(ckpt.tensor(named: "lstm.weight_ih_l0")?.dtype, .qint8)
        }
        // Quantized Embedding / EmbeddingBag pickled whole: EmbeddingPackedParamsBase payloads, as the state dict names them.
        let pair = try LoadedCheckpoint.load(path: Self.path("embbag_model.pt"))
        XCTAssertEqual(pair.tensors.map(\.name), ["emb.weight", "bag.weight"])
        XCTAssertEqual(pair.tensor(named: "emb.weight")?.dtype, .quint8)
        XCTAssertEqual(pair.tensor(named: "bag.weight")?.dtype, .quint4x2)
        XCTAssertEqual(pair.tensors.map(\.role), [.parameter, .parameter])
        // Each layer of a two-layer dynamic LSTM under the float LSTM's names.
        let lm2 = try LoadedCheckpoint.load(path: Self.path("lstm2_model.pt")).tensors.map(\.name).filter { $0.hasPrefix("lstm.") }
        XCTAssertEqual(lm2, ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
                             "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1"])
        // A whole pickle names its classes: static conv / Linear versus dynamic Linear / LSTM.
        let whole = try LoadedCheckpoint.load(path: Self.path("static_model.pt"))
        XCTAssertEqual(whole.moduleClasses["conv1"], "torch.ao.nn.intrinsic.quantized.modules.conv_relu.ConvReLU2d")
        XCTAssertEqual(whole.moduleClasses["fc"], "torch.ao.nn.quantized.modules.linear.Linear")
        let dynamic = try LoadedCheckpoint.load(path: Self.path("dynamic_model.pt"))
        XCTAssertTrue(dynamic.moduleClasses["lstm"]?.contains(".quantized.dynamic.") == true, "\(dynamic.moduleClasses)")
    }

    /// Scales at 32 bits per channel, zero points at the weight's width, float zero points at 32.
    func testQuantizerBits() throws {
        let s = try LoadedCheckpoint.load(path: Self.path("static_sd.pt"))
        let conv = try XCTUnwrap(s.tensor(named: "conv1.weight")?.quantization)
        XCTAssertEqual(conv.quantizerBits(weightBits: 8), 8 * (32 + 8))
        let e = try LoadedCheckpoint.load(path: Self.path("emb4_sd.pt"))
        let emb = try XCTUnwrap(e.tensor(named: "emb.weight"))
        XCTAssertEqual(emb.dtype.bits, 4)
        XCTAssertEqual(emb.quantization?.quantizerBits(weightBits: 4), 10 * (32 + 32))
    }

    /// BatchNorm statistics, counters and an EMA copy are buffers; only the trained weights are parameters.
    func testParametersAndBuffersSplitAsTorchDoes() throws {
        let e = try XCTUnwrap(try expected()["bn_ema.pt"])
        let ckpt = try LoadedCheckpoint.load(path: Self.path("bn_ema.pt"))
        let split = try XCTUnwrap(e["split"] as? [[String: Any]])
        for s in split {
            let name = try XCTUnwrap(s["name"] as? String)
            let got = try XCTUnwrap(ckpt.tensors.first { $0.name == name }, name)
            XCTAssertEqual(got.role.rawValue, s["kind"] as? String, name)
        }
        let elements = { (role: TensorRole) in ckpt.tensors.filter { $0.role == role && $0.tiedTo == nil }.map(\.tensor.count).reduce(0, +) }
        XCTAssertEqual(elements(.parameter), e["parameter_elements"] as? Int)
        XCTAssertEqual(elements(.buffer), e["buffer_elements"] as? Int)
        XCTAssertEqual(elements(.optimizer), e["optimizer_elements"] as? Int)
    }

    /// Damaged quantized files: one line naming the file (and the tensor where the pickle names it), never a count.
    func testBadQuantizedInputNamesTheTensor() throws {
        let cases: [(String, String)] = [
            ("unknown_qscheme.pt", "quantized tensor 'conv1.weight' unknown quantization scheme torch.per_channel_symmetric"),
            // The storage comes before the key that names it: the tensor is still named (zip and legacy).
            ("unknown_qdtype.pt", "quantized tensor 'conv1.weight': unknown quantized dtype: storage type torch.QInt2Storage"),
            ("unknown_qdtype_legacy.pt", "quantized tensor 'conv1.weight': unknown quantized dtype: storage type torch.QInt2Storage"),
            ("scales_mismatch.pt", "quantized tensor 'conv.weight' has 3 scales for 4 channels along axis 0"),
        ]
        for (file, message) in cases {
            let p = Self.dir.appendingPathComponent("bad").appendingPathComponent(file).path
            XCTAssertThrowsError(try LoadedCheckpoint.load(path: p), file) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.hasPrefix(p + ": "), text)
                XCTAssertTrue(text.contains(message), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
        }
    }
}
