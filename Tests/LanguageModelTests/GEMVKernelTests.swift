import XCTest
@testable import LanguageModel

/// The batch-1 GEMV kernels against a float64 product, against each other, and row by row.
final class GEMVKernelTests: XCTestCase {
    /// A deterministic pseudo-random matrix and vector (xorshift), values in [-1, 1).
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed
        return (0..<count).map { _ in
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            return Float(Int64(bitPattern: s >> 11) % 1_000_000) / 1_000_000
        }
    }

    private func product(_ kernel: GEMVKernel, _ a: [Float], _ x: [Float], rows: Range<Int>, n: Int, lda: Int) -> [Float] {
        var y = [Float](repeating: .nan, count: rows.count)
        a.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    kernel.run(rows: rows, n: n, a: pa.baseAddress!, lda: lda, x: px.baseAddress!, y: py.baseAddress!)
                }
            }
        }
        return y
    }

    private var supported: [GEMVKernel] { GEMVKernel.allCases.filter(\.isSupported) }

    /// Every width class: shorter than 8, a tail after 8-steps, after 32-steps, both, and the WT-2 LSTM's 1150.
    private let widths = [1, 5, 8, 13, 32, 39, 40, 71, 1150]

    func testEveryKernelMatchesAFloat64Product() {
        for n in widths {
            let rows = 37, lda = n + 3   // a row stride wider than the row
            let a = values(rows * lda, seed: UInt64(n) &+ 1), x = values(n, seed: 99)
            for kernel in supported {
                let y = product(kernel, a, x, rows: 0..<rows, n: n, lda: lda)
                for r in 0..<rows {
                    var exact = 0.0, magnitude = 0.0
                    for k in 0..<n {
                        exact += Double(a[r * lda + k]) * Double(x[k])
                        magnitude += abs(Double(a[r * lda + k]) * Double(x[k]))
                    }
                    XCTAssertEqual(Double(y[r]), exact, accuracy: 1e-6 * magnitude + 1e-30, "\(kernel) n \(n) row \(r)")
                }
            }
        }
    }

    func testTheFusedKernelsGiveIdenticalResults() throws {
        guard GEMVKernel.avx512.isSupported else { throw XCTSkip("this processor has no AVX-512") }
        for n in widths {
            let a = values(19 * n, seed: UInt64(n) &* 7), x = values(n, seed: 5)
            let avx2 = product(.avx2, a, x, rows: 0..<19, n: n, lda: n)
            let avx512 = product(.avx512, a, x, rows: 0..<19, n: n, lda: n)
            XCTAssertEqual(avx2.map(\.bitPattern), avx512.map(\.bitPattern), "n \(n)")
        }
    }

    /// A thread computes a slice of rows; the slice must not change any row's sum.
    func testARowDoesNotDependOnTheRowsBesideIt() {
        let n = 1150, rows = 23
        let a = values(rows * n, seed: 3), x = values(n, seed: 4)
        for kernel in supported {
            let whole = product(kernel, a, x, rows: 0..<rows, n: n, lda: n)
            for slice in [0..<1, 5..<9, 9..<23, 22..<23] {
                XCTAssertEqual(product(kernel, a, x, rows: slice, n: n, lda: n).map(\.bitPattern),
                               whole[slice].map(\.bitPattern), "\(kernel) rows \(slice)")
            }
        }
    }
}
