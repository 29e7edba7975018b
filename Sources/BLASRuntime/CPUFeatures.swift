import CCPUID

/// Instruction-set tiers that decide which OpenBLAS kernels a processor can run, weakest first.
public enum CPUTier: Int, Comparable, Sendable, CustomStringConvertible {
    case sse, avx, avx2, avx512, avx512bf16, amx

    public static func < (a: CPUTier, b: CPUTier) -> Bool { a.rawValue < b.rawValue }

    /// The tier as people name it ("AVX-512").
    public var description: String {
        switch self {
        case .sse: return "SSE"
        case .avx: return "AVX"
        case .avx2: return "AVX2"
        case .avx512: return "AVX-512"
        case .avx512bf16: return "AVX-512 BF16"
        case .amx: return "AMX"
        }
    }
}

/// What this processor and its operating system support, read once with cpuid and xgetbv.
public struct CPUFeatures: Equatable, Sendable {
    public var vendor: String
    public var avx: Bool
    public var avx2: Bool
    public var avx512: Bool
    public var avx512bf16: Bool
    public var amx: Bool

    /// Creates a feature set (tests use this to describe other processors).
    public init(vendor: String, avx: Bool = false, avx2: Bool = false, avx512: Bool = false,
                avx512bf16: Bool = false, amx: Bool = false) {
        self.vendor = vendor
        self.avx = avx
        self.avx2 = avx2
        self.avx512 = avx512
        self.avx512bf16 = avx512bf16
        self.amx = amx
    }

    /// The features of the processor this runs on (all false off x86-64).
    public static func current() -> CPUFeatures {
        var raw = micronet_cpu_features()
        _ = micronet_cpu_features_read(&raw)
        let vendor = withUnsafeBytes(of: raw.vendor) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return CPUFeatures(vendor: vendor, avx: raw.avx != 0, avx2: raw.avx2 != 0, avx512: raw.avx512 != 0,
                           avx512bf16: raw.avx512bf16 != 0, amx: raw.amx != 0)
    }

    /// The strongest tier the processor supports.
    public var tier: CPUTier {
        if amx && avx512bf16 { return .amx }
        if avx512bf16 { return .avx512bf16 }
        if avx512 { return .avx512 }
        if avx2 { return .avx2 }
        if avx { return .avx }
        return .sse
    }
}
