import Foundation
import XCTest

/// onnxruntime's quantized models (quantize_static QDQ with int8 and int4 weights and uint8 activations, and
/// quantize_dynamic with int8 weights and float activations; fixtures/onnx by make_onnx_fixtures.py) counted at
/// the widths their nodes set, against the totals that script's counting.py run wrote.
final class ONNXQDQTests: XCTestCase {
    private func fixture(_ name: String) -> String {
        MicronetProcess.repositoryRoot.appendingPathComponent("fixtures").appendingPathComponent(name).path
    }

    func testQDQModelsCountAtTheirStoredWidths() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("onnx/expected_counts.json")))
        let all = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["fixtures"] as? [String: [String: Any]])
        var checked = 0
        for (file, e) in all.sorted(by: { $0.key < $1.key }) where file.contains("_qdq_") || file.contains("_dynamic_") {
            let want = try XCTUnwrap(e["totals"] as? [String: Any])
            let r = try MicronetProcess.run(["count", fixture("onnx/" + file), "--format", "json"])
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let got = try XCTUnwrap(json["total"] as? [String: Any])
            for key in ["param_bits", "params", "params_mbytes", "mults_m", "adds_m"] {
                let g = try XCTUnwrap((got[key] as? NSNumber)?.doubleValue, "\(file) \(key)")
                let w = try XCTUnwrap((want[key] as? NSNumber)?.doubleValue, "\(file) \(key)")
                XCTAssertEqual(g, w, accuracy: abs(w) * 1e-12, "\(file) \(key)")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 7)
    }

    /// quantize_dynamic: each weight's stored scale and zero point go with the op reading that weight, beside its
    /// float32 bias's extra bits: per op, the fixture's weight-and-bias bits plus that weight's listed quantizers
    /// (make_onnx_fixtures.py lists them in ConvInteger / MatMulInteger order, one pair per weighted op).
    func testDynamicWeightScalesGoWithTheirOwnOp() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("onnx/expected_counts.json")))
        let all = try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["fixtures"] as? [String: [String: Any]])
        let e = try XCTUnwrap(all["plainnet_dynamic_int8.onnx"])
        let weighted = try XCTUnwrap(e["ops"] as? [[String: Any]]).filter { $0["weight_bits"] as? Int != nil }
        let listing = try XCTUnwrap(e["quantizers"] as? [[String: Any]])
        XCTAssertEqual(listing.count, 2 * weighted.count)
        let want: [Int] = try weighted.indices.map { i in
            let own = try listing[(2 * i)...(2 * i + 1)].map { try XCTUnwrap($0["elements"] as? Int) * XCTUnwrap($0["bits_each"] as? Int) }.reduce(0, +)
            return Int(try XCTUnwrap(weighted[i]["param_bits"] as? Double)) + own
        }
        let r = try MicronetProcess.run(["count", fixture("onnx/plainnet_dynamic_int8.onnx"), "--format", "json", "--no-summarize-blocks"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ops = try XCTUnwrap(json["rows"] as? [[String: Any]]).filter { $0["kind"] as? String == "op" && ($0["bits"] as? [String: Any])?["param"] as? Int == 8 }
        XCTAssertEqual(ops.compactMap { ($0["param_bits"] as? NSNumber)?.intValue }, want)
    }

    func testQuantizedOpsRefuseTheFreebie() throws {
        let plain = try MicronetProcess.run(["count", fixture("onnx/plainnet_qdq_int8.onnx"), "--format", "json"])
        let asked = try MicronetProcess.run(["count", fixture("onnx/plainnet_qdq_int8.onnx"), "--format", "json", "--input-bits", "16"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let total = { (s: String) in (try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])?["total"] as? [String: Any] }
        XCTAssertEqual(total(plain.stdout)?["mults_m"] as? Double, total(asked.stdout)?["mults_m"] as? Double)
        XCTAssertEqual(total(plain.stdout)?["params_mbytes"] as? Double, total(asked.stdout)?["params_mbytes"] as? Double)
        XCTAssertTrue(asked.stderr.contains("freebie is refused"), asked.stderr)
    }
}
