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

    /// y (m) = A (m × n, row-major, stride lda) · x (n): one step of a recurrence with a single stream.
    @inline(__always)
    public static func gemv(m: Int, n: Int, a: UnsafePointer<Float>, lda: Int,
                            x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        guard m > 0 else { return }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(m), blasint(n), 1, a, blasint(lda), x, 1, 0, y, 1)
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
        return mx + logf(total)
    }
}

/// A row closure shared by worker threads that write disjoint outputs.
private struct UncheckedBody: @unchecked Sendable {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}

/// A pointer handed to worker threads that touch disjoint parts of it.
public struct SendablePointer: @unchecked Sendable {
    /// The shared memory.
    public let p: UnsafeMutablePointer<Float>
    /// Wraps `p`.
    public init(_ p: UnsafeMutablePointer<Float>) { self.p = p }
}
