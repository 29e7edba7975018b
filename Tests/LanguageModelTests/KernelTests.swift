import Foundation
import XCTest
@testable import LanguageModel

final class KernelTests: XCTestCase {
    func testExpIsWithinTwoUlpOfFoundation() {
        var x: Float = -87
        while x < 88 {
            let ref = Foundation.exp(Double(x))
            XCTAssertLessThan(abs(Double(Kernels.exp(x)) - ref) / ref, 2.5e-7, "exp(\(x))")
            x += 0.0137
        }
    }

    func testTanhAndSigmoidAreAccurate() {
        var x: Float = -20
        while x < 20 {
            XCTAssertEqual(Double(Kernels.tanh(x)), Foundation.tanh(Double(x)), accuracy: 2e-7, "tanh(\(x))")
            XCTAssertEqual(Double(Kernels.sigmoid(x)), 1 / (1 + Foundation.exp(-Double(x))), accuracy: 1e-7, "σ(\(x))")
            x += 0.0071
        }
    }

    func testLogSumExpOfLargeValuesIsStable() {
        var v: [Float] = [1000, 1000, 999, -5000, 1000.5, 1, 2, 3, 4, 5, 6, 7, 999.5]
        let ref = 1000.5 + log(exp(-0.5) + exp(-0.5) + exp(-1.5) + 1.0 + exp(-1.0))
        XCTAssertEqual(Double(v.withUnsafeMutableBufferPointer { Kernels.logSumExpInPlace($0.baseAddress!, count: 13) }), ref, accuracy: 1e-4)
        XCTAssertEqual(v[4], 1)  // the row now holds exp(v − max)
    }

    func testBFloat16RoundsToNearestEven() {
        XCTAssertEqual(Precision.roundToBFloat16(1 + 1.0 / 256), 1)        // halfway, even stays
        XCTAssertEqual(Precision.roundToBFloat16(1 + 3.0 / 256), 1 + 4.0 / 256)  // halfway, odd rounds up
        XCTAssertEqual(Precision.fp16.round(1 + 1.0 / 4096), 1)
        XCTAssertEqual(Precision.fp32.round(1 + 1.0 / 4096), 1 + 1.0 / 4096)
    }
}
