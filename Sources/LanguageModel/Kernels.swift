import COpenBLAS
import Dispatch
import Foundation

// Numeric kernels of the language-model forward pass. They see plain float buffers only:
// nothing here knows about checkpoints, vocabularies or models.

/// Thin wrappers over OpenBLAS and the elementwise loops the forward pass needs. The scalar functions are
/// `@inlinable` so the layers' loops in other modules (QRNNModel, LSTMModel) inline and vectorise them.
public enum Kernels {
    /// Sets the number of threads OpenBLAS uses for every following GEMM.
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// Runs `body(i)` for i in 0..<count, split into contiguous ranges over `threads` workers when worth it.
    /// The rows must be independent (each writes only its own outputs).
    public static func parallelRows(_ count: Int, _ body: (Int) -> Void) {
        let parts = min(threads, count)
        if parts <= 1 || count < 8 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { b in
            let work = UncheckedBody(b)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                for i in (count * p / parts)..<(count * (p + 1) / parts) { work.body(i) }
            }
        }
    }

    /// Threads OpenBLAS runs with; elementwise loops split their work the same way.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// C (m × n, row stride ldc) = A (m × k, row-major, stride lda) · Bᵀ, B being (n × k) row-major with stride ldb.
    ///
    /// Weight matrices are stored as torch does (out × in, row-major), so every product is against a transpose.
    @inline(__always)
    public static func gemmTransB(m: Int, n: Int, k: Int,
                                  a: UnsafePointer<Float>, lda: Int,
                                  b: UnsafePointer<Float>, ldb: Int,
                                  c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(m), blasint(n), blasint(k),
                    1, a, blasint(lda), b, blasint(ldb), 0, c, blasint(ldc))
    }

    /// e^x for one float, branch-free (Cephes-style polynomial, ~1 ulp) so loops over it vectorise.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87.33654), 88.72283)
        // Round x·log2(e) to the nearest integer n with the 1.5·2^23 trick (no float->int conversion).
        let magic: Float = 12_582_912
        let t = x * 1.442695041 + magic
        let n = t - magic
        let r = (x - n * 0.693359375) + n * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        // 2^n from the integer in t's low mantissa bits; x >= -87.34 keeps n >= -126 (no subnormals).
        let bits = (t.bitPattern &- magic.bitPattern) &+ 127
        return p * Float(bitPattern: bits &<< 23)
    }

    /// Logistic sigmoid 1 / (1 + e^-x).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// tanh x through e^{-2|x|}, sign restored; absolute error at float32 rounding level.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let e = exp(-2 * Swift.abs(x))
        let m = (1 - e) / (1 + e)
        return x < 0 ? -m : m
    }

    /// log Σ exp(v[i]) of one row, computed stably around its maximum; overwrites `v` with exp(v − max).
    public static func logSumExpInPlace(_ v: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let (mx, total) = maxAndSumExpInPlace(v, count: count)
        return mx + logf(total)
    }

    /// Width of the blocks a wide row's log-sum-exp is split into, so that one row of a 191,735-word
    /// cluster spreads over every thread. The blocks depend on the width only, never on the thread count,
    /// so neither does the result.
    public static let logSumExpBlock = 16_384

    /// For each of `rows` logit rows (`width` wide, row stride `ld`): adds `bias` (width values), rounds to
    /// `precision`, and writes log Σ exp(row) − row[picks[i]] (the negative log-softmax at the picked
    /// column) to `out[i]`. The rows are overwritten. Work is split into (row, block) items over the threads;
    /// each block keeps its own maximum and sum, combined per row in block order.
    public static func negativeLogSoftmax(_ logits: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int,
                                          bias: UnsafePointer<Float>, precision: Precision, picks: [Int],
                                          out: UnsafeMutablePointer<Float>) {
        guard rows > 0, width > 0 else { return }
        let blocks = (width + logSumExpBlock - 1) / logSumExpBlock
        var partials = LogSoftmaxPartials(rows: rows, blocks: blocks)
        partials.add(logits, rows: 0..<rows, block: nil, width: width, ld: ld, bias: bias, precision: precision, picks: picks)
        partials.finish(into: out)
    }

    /// Per (row, block) of a wide softmax row: the block's maximum and Σ exp(v − max), and each row's picked
    /// logit. Blocks are `logSumExpBlock` columns from the row's start, whether they are computed all at once
    /// (`negativeLogSoftmax`) or one column block at a time over many rows (a tail cluster): either way each
    /// row's figure comes out the same.
    public struct LogSoftmaxPartials {
        let rows: Int, blocks: Int
        /// (max, Σexp) per (row, block), row-major.
        var partial: [Float]
        var picked: [Float]

        /// Room for `rows` rows of `blocks` blocks.
        public init(rows: Int, blocks: Int) {
            self.rows = rows
            self.blocks = blocks
            partial = [Float](repeating: 0, count: 2 * rows * blocks)
            picked = [Float](repeating: 0, count: rows)
        }

        /// Adds, rounds and reduces the logits of `rows` (row i of the range at `logits + (i − lower)·ld`):
        /// every block of a `width`-wide row when `block` is nil, else that one block, `width` being its width.
        /// `picks[i − lower]` is the picked column counted from the first column given.
        public mutating func add(_ logits: UnsafeMutablePointer<Float>, rows range: Range<Int>, block: Int?, width: Int, ld: Int,
                                 bias: UnsafePointer<Float>, precision: Precision, picks: [Int]) {
            let perRow = block == nil ? blocks : 1, items = range.count * perRow, blockCount = blocks
            let first = block ?? 0, lower = range.lowerBound
            partial.withUnsafeMutableBufferPointer { pp in
                picked.withUnsafeMutableBufferPointer { pk in
                    let part = SendablePointer(pp.baseAddress!), pick = SendablePointer(pk.baseAddress!)
                    let base = SendablePointer(logits), b = UnsafeSendable(bias)
                    picks.withUnsafeBufferPointer { idx in
                        let ix = UnsafeSendable(idx.baseAddress!)
                        parallelItems(items, grain: max(1, (1 << 15) / min(width, logSumExpBlock))) { item in
                            let i = item / perRow, lo = (item % perRow) * logSumExpBlock
                            let n = min(logSumExpBlock, width - lo)
                            let v = base.p + i * ld + lo, bb = b.p + lo
                            for j in 0..<n { v[j] += bb[j] }
                            precision.round(v, count: n)
                            let r = lower + i, y = ix.p[i] - lo
                            if y >= 0 && y < n { pick.p[r] = v[y] }
                            let (m, s) = maxAndSumExpInPlace(v, count: n)
                            let slot = 2 * (r * blockCount + first + item % perRow)
                            part.p[slot] = m
                            part.p[slot + 1] = s
                        }
                    }
                }
            }
        }

        /// log Σ exp − picked per row, combining its blocks in order.
        public func finish(into out: UnsafeMutablePointer<Float>) {
            for r in 0..<rows {
                var m = -Float.infinity
                for k in 0..<blocks { m = Swift.max(m, partial[2 * (r * blocks + k)]) }
                var s: Float = 0
                for k in 0..<blocks {
                    let i = 2 * (r * blocks + k)
                    // One block: exp(0) is exactly 1, so the row's figure is the one-pass log-sum-exp's.
                    s += partial[i + 1] * (blocks == 1 ? 1 : exp(partial[i] - m))
                }
                out[r] = m + logf(s) - picked[r]
            }
        }
    }

    /// Runs `body(i)` for i in 0..<count in contiguous ranges over the threads, serially when there are
    /// fewer than `grain` items per thread. Items must write disjoint outputs.
    public static func parallelItems(_ count: Int, grain: Int, _ body: (Int) -> Void) {
        let parts = min(threads, count / Swift.max(1, grain))
        if parts <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { b in
            let work = UncheckedBody(b)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                for i in (count * p / parts)..<(count * (p + 1) / parts) { work.body(i) }
            }
        }
    }

    /// Maximum of `v` and Σ exp(v[i] − max); overwrites `v` with exp(v − max).
    @inline(__always)
    static func maxAndSumExpInPlace(_ v: UnsafeMutablePointer<Float>, count: Int) -> (Float, Float) {
        // Four running maxima break the loop-carried dependency (generic SIMD max is not specialised here).
        var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0
        var i = 0
        while i + 4 <= count {
            let a = v[i], b = v[i + 1], c = v[i + 2], d = v[i + 3]
            m0 = a > m0 ? a : m0; m1 = b > m1 ? b : m1
            m2 = c > m2 ? c : m2; m3 = d > m3 ? d : m3
            i += 4
        }
        var mx = Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
        while i < count { mx = Swift.max(mx, v[i]); i += 1 }
        // A plain map loop: it vectorises, the polynomial exp being branch-free.
        for k in 0..<count { v[k] = exp(v[k] - mx) }
        var s = SIMD8<Float>(repeating: 0)
        i = 0
        while i + 8 <= count {
            s += UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = s.sum()
        while i < count { total += v[i]; i += 1 }
        return (mx, total)
    }
}

/// A row closure shared by worker threads that write disjoint outputs.
private struct UncheckedBody: @unchecked Sendable {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}

/// A read-only pointer handed to worker threads.
struct UnsafeSendable<T>: @unchecked Sendable {
    let p: UnsafePointer<T>
    init(_ p: UnsafePointer<T>) { self.p = p }
}

/// A pointer handed to worker threads that touch disjoint parts of it.
public struct SendablePointer: @unchecked Sendable {
    /// The shared memory.
    public let p: UnsafeMutablePointer<Float>
    /// Wraps `p`.
    public init(_ p: UnsafeMutablePointer<Float>) { self.p = p }
}
