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
