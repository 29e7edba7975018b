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

final class NegativeLogSoftmaxTests: XCTestCase {
    override func tearDown() { Kernels.setThreads(1) }

    /// Rows wider than one block are reduced block by block; the figure matches a float64 reference and is
    /// the same bit for bit at 1, 2 and 3 threads.
    func testWideRowsMatchFloat64AndDoNotDependOnThreads() {
        let rows = 5, width = 2 * Kernels.logSumExpBlock + 1234
        var x: UInt32 = 12345
        let values: [Float] = (0..<(rows * width)).map { _ in
            x = x &* 1_664_525 &+ 1_013_904_223
            return Float(x >> 8) / Float(1 << 24) * 20 - 10
        }
        let bias: [Float] = (0..<width).map { Float($0 % 7) * 0.25 }
        let picks = [0, width - 1, Kernels.logSumExpBlock, 17, Kernels.logSumExpBlock * 2 + 5]
        var results = [[Float]]()
        for t in [1, 2, 3] {
            Kernels.setThreads(t)
            var v = values, out = [Float](repeating: 0, count: rows)
            bias.withUnsafeBufferPointer { b in
                v.withUnsafeMutableBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { op in
                        Kernels.negativeLogSoftmax(vp.baseAddress!, rows: rows, width: width, ld: width, bias: b.baseAddress!,
                                                   precision: .fp32, picks: picks, out: op.baseAddress!)
                    }
                }
            }
            results.append(out)
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
        for r in 0..<rows {
            let row = (0..<width).map { Double(values[r * width + $0]) + Double(bias[$0]) }
            let m = row.max()!
            let ref = m + log(row.reduce(0) { $0 + exp($1 - m) }) - row[picks[r]]
            XCTAssertEqual(Double(results[0][r]), ref, accuracy: 2e-5 * abs(ref), "row \(r)")
        }
    }
}
