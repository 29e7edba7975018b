import XCTest
@testable import Counter

/// The figures the text outputs print: grouped digits, the fraction rounded once at the printed precision.
final class NumberFormattingTests: XCTestCase {
    func testGroupedRoundsAtThePrintedPrecision() {
        XCTAssertEqual(grouped(104_905_335), "104,905,335")
        XCTAssertEqual(grouped(52_452_667.5), "52,452,667.5")
        // A sum of scaled ops a hair under an integer used to print as 510,839.0.
        XCTAssertEqual(grouped(510_839.999_99), "510,840.0")
        XCTAssertEqual(grouped(510_840 - 1e-12), "510,840")
        XCTAssertEqual(grouped(-1_234.56), "-1,234.6")
        XCTAssertEqual(grouped(0.25, decimals: 2), "0.25")
        XCTAssertEqual(grouped(-0.01), "0.0")
        XCTAssertEqual(grouped(999.96), "1,000.0")
    }
}
