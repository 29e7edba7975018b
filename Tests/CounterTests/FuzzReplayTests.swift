import Foundation
import XCTest
import Counter

/// Replays the budget fuzz target's seeds and crashers (fuzz/corpus/budget, fuzz/crashers/budget):
/// each must parse or throw, never crash.
final class FuzzReplayTests: XCTestCase {
    func testBudgetFuzzCorpusAndCrashersReplayWithoutCrashing() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var count = 0
        for folder in ["fuzz/corpus/budget", "fuzz/crashers/budget"] {
            let dir = root.appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { continue }
                _ = try? BudgetFile.parse(String(decoding: data, as: UTF8.self), path: name)
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 0, "fuzz/corpus/budget is missing")
    }
}
