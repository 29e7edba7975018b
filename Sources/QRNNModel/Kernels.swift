import COpenBLAS
import Foundation

// Numeric kernels of the QRNN forward pass. They see plain float buffers only:
// nothing here knows about checkpoints, vocabularies or models.

/// Thin wrappers over OpenBLAS and the elementwise loops the forward pass needs.
public enum Kernels {
    /// Sets the number of threads OpenBLAS uses for every following GEMM.
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

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
    @inline(__always)
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
    @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// tanh x through e^{-2|x|}, sign restored; absolute error at float32 rounding level.
    @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let e = exp(-2 * Swift.abs(x))
        let m = (1 - e) / (1 + e)
        return x < 0 ? -m : m
    }

    /// log Σ exp(v[i]) of one row, computed stably around its maximum.
    public static func logSumExp(_ v: UnsafePointer<Float>, count: Int) -> Float {
        var mx = -Float.infinity
        for i in 0..<count { mx = Swift.max(mx, v[i]) }
        // Four partial sums break the loop-carried dependency so the loop vectorises.
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += exp(v[i] - mx); s1 += exp(v[i + 1] - mx)
            s2 += exp(v[i + 2] - mx); s3 += exp(v[i + 3] - mx)
            i += 4
        }
        while i < count { s0 += exp(v[i] - mx); i += 1 }
        return mx + logf((s0 + s1) + (s2 + s3))
    }
}
