import XCTest
import Counter
import Graph
@testable import Report

/// Diffs of the reference counter's example op list; expected raw counts are counting.py's own (counting.md §3.1).
final class ModelDiffTests: XCTestCase {
    private let settings = CountSettings(paramBits: 16, inputBits: 16, accumulatorBits: 32)

    private func side(_ graph: OpGraph) -> DiffSide {
        let counter = MicroNetCounter(graph: graph)
        let report = counter.count(settings: settings)
        return DiffSide(name: graph.name ?? "", report: report, opReport: counter.count(settings: settings, summarizeBlocks: false),
                        score: Score(ScoreInput(report), track: .imagenet))
    }

    private func without(_ names: Set<String>) -> OpGraph {
        var g = OpGraph.referenceExample
        g.entries = g.entries.filter { !names.contains($0.name) }
        g.name = "smaller"
        return g
    }

    func testAddedAndRemovedOpsCarryTheReferenceCounts() throws {
        let diff = ModelDiff(a: side(without(["conv_valid"])), b: side(.referenceExample))
        let added = try XCTUnwrap(diff.ops.first { $0.name == "conv_valid" })
        XCTAssertEqual(added.change, .added)
        XCTAssertNil(added.a)
        // counting.py, conv_valid at 16 bits: 36,864 param bits (2,304 values), 2,073,600 mults, 2,059,200 adds.
        XCTAssertEqual(added.delta.params, 2_304)
        XCTAssertEqual(added.delta.mults, 2_073_600)
        XCTAssertEqual(added.delta.adds, 2_059_200)
        XCTAssertEqual(try XCTUnwrap(added.delta.score), 36_864.0 / 32 / 6.9e6 + (2_073_600.0 / 2 + 2_059_200) / 1170e6, accuracy: 1e-15)
        XCTAssertEqual(diff.total.delta.mults, 2_073_600)
        XCTAssertEqual(diff.ops.filter { $0.change == .same }.count, 9, "every other op is unchanged")
        let back = ModelDiff(a: side(.referenceExample), b: side(without(["conv_valid"])))
        XCTAssertEqual(back.ops.first { $0.name == "conv_valid" }?.change, .removed)
        XCTAssertEqual(back.total.delta.adds, -2_059_200)
    }

    func testBlocksAndOpsAreBothCompared() throws {
        let diff = ModelDiff(a: side(.referenceExample), b: side(without(["block_se"])))
        let block = try XCTUnwrap(diff.blocks.first { $0.name == "block_se" })
        XCTAssertEqual(block.change, .removed)
        // The SE block's raw sums: 32+280+320+401,408 mults, 401,376+264+288+401,408 adds.
        XCTAssertEqual(block.delta.mults, -(32 + 280 + 320 + 401_408))
        XCTAssertEqual(block.delta.adds, -(401_376 + 264 + 288 + 401_408))
        XCTAssertEqual(Set(diff.ops.filter { $0.change == .removed }.map(\.name)),
                       ["block_se_gap", "block_se_reduce", "block_se_expand", "block_se_scale", "block_se_skip_add"])
        let table = diff.table()
        XCTAssertTrue(table.contains("per block (B − A)") && table.contains("per op (B − A)"), table)
        XCTAssertTrue(table.contains("(5 unchanged ops not shown; --all shows them)"), table)
        XCTAssertTrue(diff.table(showAll: true).contains("conv_stem"))
    }

    func testSameModelHasNoChange() {
        let diff = ModelDiff(a: side(.referenceExample), b: side(.referenceExample))
        XCTAssertTrue(diff.ops.allSatisfy { $0.change == .same })
        XCTAssertEqual(diff.total.delta.score, 0)
    }
}
