import COpenBLAS
import Foundation

/// The BLAS a process runs with: its kernel set, why, and its thread count.
public struct BLASStatus: Equatable, Sendable {
    /// OpenBLAS's core name (`openblas_get_corename`), e.g. "SkylakeX".
    public var core: String
    /// Why this core runs (the dispatch decision).
    public var reason: String
    /// Threads OpenBLAS uses for GEMMs.
    public var threads: Int
    /// How idle OpenBLAS threads wait between GEMMs (`OPENBLAS_THREAD_TIMEOUT`), and who set it.
    public var idleThreads: String
}

/// Start-up choices about OpenBLAS: the right kernels for this processor, and the thread count.
public enum BLASRuntime {
    /// Set on the re-run to the core OpenBLAS chose first, so the second process knows it was ours.
    static let rerunMarker = "MICRONET_BLAS_RERUN_FROM"
    /// Set on the re-run when micronet (not the user) chose `OPENBLAS_THREAD_TIMEOUT`.
    static let timeoutMarker = "MICRONET_BLAS_TIMEOUT_SET"

    /// The dispatch decision for this process.
    public static func decision(environment: [String: String] = ProcessInfo.processInfo.environment) -> BLASDispatch {
        BLASDispatch.decide(core: coreName(), cpu: .current(), userCoretype: environment["OPENBLAS_CORETYPE"],
                            rerunFrom: environment[rerunMarker])
    }

    /// `OPENBLAS_THREAD_TIMEOUT` micronet asks for (log2 of CPU cycles): idle OpenBLAS threads go to sleep
    /// almost at once instead of yielding for 2^28 cycles (about 0.1 s) after every GEMM, which took the
    /// cores from micronet's own loops between GEMMs (the recurrence, the softmax): 8% of eval's time on
    /// 2 cores, and more the more cores there are. Waking them costs microseconds per GEMM.
    public static let threadTimeout = "4"

    /// The environment a re-run sets: `OPENBLAS_CORETYPE` when OpenBLAS loaded weaker kernels than the
    /// processor runs, `OPENBLAS_THREAD_TIMEOUT` when the user has not set it; empty when nothing needs doing.
    static func rerunSettings(environment: [String: String]) -> [(name: String, value: String)] {
        var settings: [(name: String, value: String)] = []
        if case .rerun(let coretype) = decision(environment: environment).action {
            settings += [("OPENBLAS_CORETYPE", coretype), (rerunMarker, coreName())]
        }
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil {
            settings += [("OPENBLAS_THREAD_TIMEOUT", threadTimeout), (timeoutMarker, "1")]
        }
        return settings
    }

    /// Re-executes this program once with the OpenBLAS settings `rerunSettings` asks for. OpenBLAS reads
    /// them when the library loads, before any of our code, so a fresh process is the only way to change
    /// them; a user's own values are never overridden. Returns when nothing needs doing (or the re-run could
    /// not start, in which case the process goes on with what it has).
    public static func rerunWithBetterKernelsIfNeeded() {
        let settings = rerunSettings(environment: ProcessInfo.processInfo.environment)
        guard !settings.isEmpty else { return }
        for (name, value) in settings { setenv(name, value, 1) }
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv returned: it failed. Carry on with the kernels and settings already loaded.
        for (name, _) in settings { unsetenv(name) }
    }

    /// Sets the GEMM thread count: `requested`, or every core this process may use when nil.
    /// Returns the count OpenBLAS actually runs with (it caps at its build's MAX_THREADS).
    @discardableResult
    public static func setThreads(_ requested: Int?) -> Int {
        let n = max(1, requested ?? ProcessInfo.processInfo.activeProcessorCount)
        openblas_set_num_threads(Int32(clamping: n))
        return Int(openblas_get_num_threads())
    }

    /// What runs now.
    public static func status(environment: [String: String] = ProcessInfo.processInfo.environment) -> BLASStatus {
        BLASStatus(core: coreName(), reason: decision(environment: environment).reason,
                   threads: Int(openblas_get_num_threads()), idleThreads: idleThreads(environment: environment))
    }

    /// One line on how idle OpenBLAS threads wait, for `--verbose`.
    static func idleThreads(environment: [String: String]) -> String {
        guard let timeout = environment["OPENBLAS_THREAD_TIMEOUT"] else {
            return "OPENBLAS_THREAD_TIMEOUT unset: idle threads spin for OpenBLAS's default 2^28 cycles after each GEMM"
        }
        if environment[timeoutMarker] != nil {
            return "OPENBLAS_THREAD_TIMEOUT=\(timeout) (set by micronet): idle threads sleep between GEMMs, leaving the cores to its loops"
        }
        return "OPENBLAS_THREAD_TIMEOUT=\(timeout) set in the environment (kept)"
    }

    /// `openblas_get_corename()`.
    public static func coreName() -> String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingCharacters(in: .whitespaces)
    }
}
