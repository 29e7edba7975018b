import XCTest
import Graph
@testable import Counter

/// Issue 9: widths, bases, baselines and piped totals are range-checked in the library, before any arithmetic.
final class SettingsValidationTests: XCTestCase {
    func testBitWidthsAndBasesAreIntegersFromOneTo64() {
        for bad in [0, 65, 1e12, 1e300, 1e-300, 12.5, .infinity, .nan, -8] {
            XCTAssertThrowsError(try CountSettings(addBitsBase: bad).validate(), "\(bad)")
            XCTAssertThrowsError(try CountSettings(paramBits: bad).validate(), "\(bad)")
        }
        XCTAssertThrowsError(try CountSettings(sparsity: 1).validate())
        XCTAssertNoThrow(try CountSettings(paramBits: 1, inputBits: 64, accumulatorBits: 9).validate())
        XCTAssertThrowsError(try CountSettings.checkBits(1e12, name: "--param-bits")) {
            XCTAssertEqual("\($0)", "--param-bits must be an integer from 1 to 64, got 1000000000000.0")
        }
    }

    func testBaselinesAreFiniteAndAtLeastOne() {
        for bad in [0, 0.5, 1e-300, .infinity, .nan, -3] { XCTAssertThrowsError(try checkBaseline(bad, name: "--baseline"), "\(bad)") }
        XCTAssertNoThrow(try checkBaseline(1, name: "--baseline"))
    }

    private func total(_ bits: Double, _ mults: Double, _ adds: Double, _ params: Double) -> JSONValue {
        .object([("total", .object([("param_bits", .number(bits)), ("mults_m", .number(mults)), ("adds_m", .number(adds)),
                                    ("params", .number(params))]))])
    }

    func testPipedTotalsAreRefusedWhenNoCountCouldGiveThem() {
        XCTAssertNoThrow(try ScoreInput(countJSON: total(64 * 3, 1, 1, 3)))
        // Mask bits over a pruned weight can exceed 64 per kept value (here 99 % sparse: 32 + 100 bits).
        XCTAssertNoThrow(try ScoreInput(countJSON: total(132 * 10, 1, 1, 10)))
        for bad in [total(-1, 1, 1, 3), total(1, -1, 1, 3), total(1, 1, .infinity, 3), total(1e19, 1, 1, 1e18),
                    total(1, 1e13, 1, 3), total(1, 1, 1, .nan)] {
            XCTAssertThrowsError(try ScoreInput(countJSON: bad))
        }
    }

    func testTrackFollowsTheModelsInput() {
        XCTAssertEqual(Track(inferredFrom: .tokens(vocabulary: 267_735)), .wikitext103)
        XCTAssertEqual(Track(inferredFrom: .image(height: 224, width: 224, channels: 3)), .imagenet)
        XCTAssertEqual(Track(inferredFrom: .image(height: 32, width: 32, channels: 3)), .cifar100)
        XCTAssertNil(Track(inferredFrom: .tokens(vocabulary: 33_278)))
        XCTAssertNil(Track(inferredFrom: .image(height: 32, width: 32, channels: 1)))
    }
}
