import Foundation
import XCTest
import Graph

/// Replays the graph fuzz target's seeds and crashers (fuzz/corpus/graph, fuzz/crashers/graph):
/// each must decode or throw, never crash.
final class FuzzReplayTests: XCTestCase {
    func testGraphFuzzCorpusAndCrashersReplayWithoutCrashing() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var count = 0
        for folder in ["fuzz/corpus/graph", "fuzz/crashers/graph"] {
            let dir = root.appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { continue }
                _ = try? GraphFile.decode(data, path: name)
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 0, "fuzz/corpus/graph is missing")
    }
}
