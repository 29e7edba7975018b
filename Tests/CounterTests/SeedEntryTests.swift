import XCTest
import Graph
@testable import Counter
import LanguageModel
import QRNNModel

/// The JAIST QRNN entry's table, reproduced digit for digit (counting.md §7).
final class SeedEntryTests: XCTestCase {
    private let freebie = CountSettings.freebie

    private func seedReport(summarize: Bool = true) -> CountReport {
        MicroNetCounter(graph: QRNNConfig.wt103Seed.opGraph()).count(settings: freebie, summarizeBlocks: summarize)
    }

    private func figures(_ s: ScaledCost) -> [String] {
        [f3(s.paramsMBytes), f3(s.multsM), f3(s.addsM), f3(s.mflops)]
    }

    func testSeedTableRowsMatchTheEntry() {
        let report = seedReport()
        XCTAssertEqual(report.rows.map(\.name), ["embedding", "block_qrnn", "block_decoder"])
        XCTAssertEqual(figures(report.rows[0].scaled), ["160.641", "0.000", "0.000", "0.000"])
        XCTAssertEqual(figures(report.rows[1].scaled), ["48.634", "12.176", "24.334", "36.510"])
        XCTAssertEqual(figures(report.rows[2].scaled), ["0.535", "40.294", "80.053", "120.347"])
        XCTAssertEqual(figures(report.totalScaled), ["209.811", "52.470", "104.387", "156.857"])
    }

    func testSeedRawTotals() {
        let total = seedReport().total
        XCTAssertEqual(total.params, 104_905_335)
        XCTAssertEqual(total.mults, 104_939_535)
        XCTAssertEqual(total.adds, 104_386_965)
        XCTAssertEqual(total.paramBits, 1_678_485_360)
    }

    func testPerLayerRowsWithBlocksUnsummarised() {
        let rows = Dictionary(uniqueKeysWithValues: seedReport(summarize: false).rows.map { ($0.printedName, $0) })
        func check(_ name: String, _ mb: String, _ m: String, _ a: String, line: UInt = #line) {
            guard let row = rows[name] else { return XCTFail("no row \(name)", line: line) }
            XCTAssertEqual([f3(row.scaled.paramsMBytes), f3(row.scaled.multsM), f3(row.scaled.addsM)], [mb, m, a], line: line)
        }
        check("block_qrnn_qrnn_0", "6.491", "1.628", "3.251")
        check("block_qrnn_qrnn_1", "19.451", "4.868", "9.731")
        check("block_qrnn_qrnn_2", "19.451", "4.868", "9.731")
        check("block_qrnn_qrnn_3", "3.242", "0.811", "1.622")
        check("block_decoder_decoder_weight", "0.000", "40.160", "80.053")
        check("block_decoder_decoder_bias", "0.535", "0.000", "0.000")
        check("block_decoder_max", "0.000", "0.134", "0.000")
        check("block_qrnn", "48.634", "12.176", "24.334")
    }

    func testSeedTuningTableParameterCounts() {
        for (nhid, expected) in [(2000, 110_007_135.0), (1500, 98_152_635), (1750, 103_704_885), (1850, 106_135_785), (1800, 104_905_335)] {
            let config = QRNNConfig(vocabularySize: 267_735, embeddingSize: 300, hiddenSize: nhid)
            let report = MicroNetCounter(graph: config.opGraph()).count(settings: freebie)
            XCTAssertEqual(report.total.params, expected, "nhid \(nhid)")
            XCTAssertEqual(Double(config.parameterCount), expected, "nhid \(nhid)")
        }
    }

    func testDefaultModelParametersWithItsCriterion() {
        let config = QRNNConfig.wt103Default
        let report = MicroNetCounter(graph: config.opGraph()).count(settings: freebie)
        XCTAssertEqual(report.total.params, 153_885_435)
        XCTAssertEqual(config.parameterCount + config.criterionParameterCount, 153_886_638)
        XCTAssertEqual(QRNNConfig.wt103Seed.criterionParameterCount, 903)
    }

    func testFullConventionCountsTheTermsTheSeedLeavesOut() {
        let seed = seedReport().total
        let full = MicroNetCounter(graph: QRNNConfig.wt103Seed.opGraph(convention: .full))
            .count(settings: CountSettings(paramBits: 16, inputBits: 16, accumulatorBits: 32, convention: .full)).total
        let v = 267_735.0
        // Output gates h = o·c: 1800 + 1800 + 1800 + 300 mults; softmax: 2 mults per word.
        XCTAssertEqual(full.mults - seed.mults, 5700 + 2 * v)
        // Decoder bias: one add per word; softmax normaliser: one add per word.
        XCTAssertEqual(full.adds - seed.adds, 2 * v)
        XCTAssertEqual(full.params, seed.params)
    }
}
