import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import Counter
import Graph
@testable import Report

final class ReportPageTests: XCTestCase {
    func testLeaderboardPlacesAScore() {
        // The seed's 0.8232 ties JNLP's entry, which it is: it goes after it.
        XCTAssertEqual(Leaderboard.place(of: 0.8232, on: .wikitext103), 6)
        XCTAssertEqual(Leaderboard.place(of: 0.04, on: .wikitext103), 1)
        XCTAssertEqual(Leaderboard.place(of: 0.1, on: .wikitext103), 4)
        XCTAssertEqual(Leaderboard.entries(for: .cifar100).first?.score, 0.0044)
    }

    func testControlCharactersAndMarkupInNamesKeepThePageWellFormed() throws {
        let graph = OpGraph(name: "m\u{1}<b>&\"x", entries: [
            .op(NamedOp("fc\u{0}<i>", FullyConnected(kernelShape: [4, 3], useBias: true)))])
        let freebie = CountSettings(paramBits: 16, inputBits: 16, accumulatorBits: 32)
        let counter = MicroNetCounter(graph: graph)
        let report = counter.count(settings: freebie)
        let page = HTMLReport(modelName: graph.name!, report: report, opReport: counter.count(settings: freebie, summarizeBlocks: false),
                              graph: graph, score: Score(ScoreInput(report), baselineParams: 100, baselineOps: 100)).html()
        XCTAssertFalse(page.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        let doc = try XMLDocument(data: Data(page.utf8))
        XCTAssertEqual(try doc.nodes(forXPath: "//*[local-name()='h1']").first?.stringValue, "micronet report: m\u{FFFD}<b>&\"x")
        XCTAssertTrue(page.contains("No track, so no leaderboard"), "a custom baseline has no leaderboard")
        // No blocks: one chart, per op.
        XCTAssertEqual(try doc.nodes(forXPath: "//*[local-name()='svg']").count, 1)
    }
}
