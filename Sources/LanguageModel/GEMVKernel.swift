import BLASRuntime
import CKernels

/// The instruction set a batch-1 GEMV runs on (C intrinsics in CKernels; Swift's SIMD types compile for
/// baseline x86-64, without FMA or the wide registers).
///
/// The AVX2 and AVX-512 kernels sum every row in the same order with fused multiply-adds, so they give
/// identical results; the portable kernel rounds each product and may differ from them in the last bits.
public enum GEMVKernel: Sendable, CaseIterable, CustomStringConvertible {
    case portable, avx2, avx512

    /// The widest kernel this processor and its operating system run, read once.
    public static let best: GEMVKernel = {
        let cpu = CPUFeatures.current()
        // The AVX-512 kernel also runs FMA3 and AVX2 instructions (its tails and final fold).
        return cpu.avx512 && cpu.avx2 ? .avx512 : cpu.avx2 ? .avx2 : .portable
    }()

    /// Whether this processor runs the kernel.
    public var isSupported: Bool {
        switch self {
        case .portable: return true
        case .avx2: return GEMVKernel.best != .portable
        case .avx512: return GEMVKernel.best == .avx512
        }
    }

    public var description: String {
        switch self {
        case .portable: return "portable"
        case .avx2: return "AVX2"
        case .avx512: return "AVX-512"
        }
    }

    var isa: micronet_isa {
        switch self {
        case .portable: return MICRONET_ISA_PORTABLE
        case .avx2: return MICRONET_ISA_AVX2
        case .avx512: return MICRONET_ISA_AVX512
        }
    }

    /// y[r − rows.lowerBound] = A[r] · x for the rows `rows` of A (row stride lda), serially.
    @inline(__always)
    public func run(rows: Range<Int>, n: Int, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
                    y: UnsafeMutablePointer<Float>) {
        guard !rows.isEmpty else { return }
        micronet_sgemv_rows(isa, a + rows.lowerBound * lda, lda, x, n, y, rows.count)
    }
}
