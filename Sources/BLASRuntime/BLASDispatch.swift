/// Which OpenBLAS kernel set to run, and why: the decision behind `OPENBLAS_CORETYPE`.
///
/// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its kernels from the processor at load time, but
/// falls back to its SSE3 "Prescott" kernels on processors newer than it knows (Sapphire Rapids,
/// say), running GEMMs several times slower. micronet compares the core OpenBLAS reports with what
/// cpuid says the processor runs and, when OpenBLAS chose a weaker tier, asks for the right one.
public struct BLASDispatch: Equatable, Sendable {
    /// What to do at start-up.
    public enum Action: Equatable, Sendable {
        /// Keep what OpenBLAS runs now.
        case keep
        /// Run the program again with `OPENBLAS_CORETYPE` set to this core name.
        case rerun(coretype: String)
    }

    public var action: Action
    /// One line for `--verbose` and JSON: why this core runs.
    public var reason: String

    /// The tier of the kernels behind an OpenBLAS core name (nil for a name this table does not know).
    public static func tier(ofCore name: String) -> CPUTier? {
        switch name.lowercased() {
        case "sapphirerapids": return .amx
        case "cooperlake": return .avx512bf16
        case "skylakex": return .avx512
        case "haswell", "zen", "excavator": return .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": return .avx
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
             "dunnington", "nehalem", "athlon", "opteron", "opteron(sse3)", "barcelona", "nano", "bobcat":
            return .sse
        default: return nil
        }
    }

    /// The best core name OpenBLAS 0.3.21 knows for a processor (nil: nothing better than SSE).
    public static func preferredCore(for cpu: CPUFeatures) -> String? {
        // 0.3.21 has no SapphireRapids core; Cooper Lake's kernels are its best on AMX processors too.
        if cpu.avx512bf16 { return "Cooperlake" }
        if cpu.avx512 { return "SkylakeX" }
        if cpu.avx2 { return cpu.vendor == "AuthenticAMD" ? "Zen" : "Haswell" }
        if cpu.avx { return "Sandybridge" }
        return nil
    }

    /// Decides from the core OpenBLAS runs, the processor, and the environment.
    ///
    /// - Parameters:
    ///   - core: `openblas_get_corename()`.
    ///   - userCoretype: `OPENBLAS_CORETYPE` as the user set it (never overridden).
    ///   - rerunFrom: the core OpenBLAS chose before micronet re-ran itself, when it did.
    public static func decide(core: String, cpu: CPUFeatures, userCoretype: String?, rerunFrom: String?) -> BLASDispatch {
        if let rerunFrom {
            return BLASDispatch(action: .keep, reason: "OpenBLAS chose \(rerunFrom) on this \(cpu.tier) processor; "
                + "micronet re-ran with OPENBLAS_CORETYPE=\(userCoretype ?? "?") and OpenBLAS runs \(core)")
        }
        if let userCoretype, !userCoretype.isEmpty {
            return BLASDispatch(action: .keep, reason: "OPENBLAS_CORETYPE=\(userCoretype) set in the environment (kept); OpenBLAS runs \(core)")
        }
        guard let coreTier = tier(ofCore: core) else {
            return BLASDispatch(action: .keep, reason: "OpenBLAS chose \(core) (a core micronet does not rank; kept)")
        }
        guard coreTier < cpu.tier, let better = preferredCore(for: cpu),
              let betterTier = tier(ofCore: better), coreTier < betterTier else {
            return BLASDispatch(action: .keep, reason: "OpenBLAS chose \(core), which matches this \(cpu.tier) processor")
        }
        return BLASDispatch(action: .rerun(coretype: better),
                            reason: "OpenBLAS chose \(core) (\(coreTier)) on a \(cpu.tier) processor; asking for \(better)")
    }
}
