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
}

/// Start-up choices about OpenBLAS: the right kernels for this processor, and the thread count.
public enum BLASRuntime {
    /// Set on the re-run to the core OpenBLAS chose first, so the second process knows it was ours.
    static let rerunMarker = "MICRONET_BLAS_RERUN_FROM"

    /// The dispatch decision for this process.
    public static func decision(environment: [String: String] = ProcessInfo.processInfo.environment) -> BLASDispatch {
        BLASDispatch.decide(core: coreName(), cpu: .current(), userCoretype: environment["OPENBLAS_CORETYPE"],
                            rerunFrom: environment[rerunMarker])
    }

    /// Re-executes this program once with `OPENBLAS_CORETYPE` set when OpenBLAS loaded weaker kernels
    /// than the processor runs. OpenBLAS picks its kernels when the library loads, before any of our
    /// code, so a fresh process is the only way to change them. Returns when nothing needs doing (or
    /// the re-run could not start, in which case the process goes on with what it has).
    public static func rerunWithBetterKernelsIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard case .rerun(let coretype) = decision(environment: environment).action else { return }
        setenv("OPENBLAS_CORETYPE", coretype, 1)
        setenv(rerunMarker, coreName(), 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv returned: it failed. Carry on with the kernels already loaded.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(rerunMarker)
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
                   threads: Int(openblas_get_num_threads()))
    }

    /// `openblas_get_corename()`.
    public static func coreName() -> String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingCharacters(in: .whitespaces)
    }
}
