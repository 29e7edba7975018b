import Foundation
import XCTest
import ONNX

/// Replays the onnx fuzz target's seeds and crashers (fuzz/corpus/onnx, fuzz/crashers/onnx) the way
/// fuzz/targets/onnx.swift runs them: each must read or throw an ONNXError, never crash.
final class FuzzReplayTests: XCTestCase {
    func testONNXFuzzCorpusAndCrashersReplayWithoutCrashing() throws {
        var count = 0
        for folder in ["fuzz/corpus/onnx", "fuzz/crashers/onnx"] {
            let dir = ReaderFixtures.repoRoot.appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { continue }
                do {
                    let model = try ONNXModel(bytes: Array(data), name: name)
                    for t in model.graph.initializers { _ = try? t.zeroCount(); _ = try? t.values() }
                    _ = try? ShapeInference.infer(model)
                } catch {
                    XCTAssertTrue(error is ONNXError, "\(name): \(error)")
                }
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 0, "fuzz/corpus/onnx is missing")
    }
}
