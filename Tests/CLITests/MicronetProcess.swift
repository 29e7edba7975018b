import Foundation
import XCTest

/// Runs the built `micronet` binary, as a user would, and captures what it prints.
struct MicronetProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// True when the time limit killed it.
        var timedOut = false
        /// Wall-clock seconds it ran.
        var seconds = 0.0
    }

    /// Caps for a run: address space (ulimit -v, in KiB) and wall-clock time.
    struct Limits {
        let addressSpaceKiB: Int
        let seconds: Double
        /// What every run on hostile input gets: 4 GiB of address space, 20 s. A regression that
        /// would exhaust memory or hang then fails the test instead of stalling CI.
        static let hostile = Limits(addressSpaceKiB: 4 << 20, seconds: 20)
    }

    /// Runs `micronet arguments…` on hostile input under `Limits.hostile`, failing the calling
    /// test if the time limit had to kill it.
    static func runHostile(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let r = try run(arguments, limits: .hostile)
        XCTAssertFalse(r.timedOut, "micronet \(arguments.joined(separator: " ")) ran past \(Limits.hostile.seconds) s and was killed",
                       file: file, line: line)
        return r
    }

    /// The products folder holding both the test bundle and the `micronet` executable.
    static var binary: URL {
        // macOS: the .xctest bundle sits in the products folder. Linux: the test runner itself does.
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("micronet")
        }
        return Bundle.main.bundleURL.appendingPathComponent("micronet")
    }

    /// The repository root (for fixtures).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `micronet arguments…` with `stdin` as standard input (nothing piped when nil).
    /// With `limits`, the binary runs under `ulimit -v` (through /bin/sh, which then execs it) and
    /// is killed (SIGKILL) once the time limit passes.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
                    currentDirectory: URL? = nil, limits: Limits? = nil) throws -> Result {
        let process = Process()
        if let limits {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -v \(limits.addressSpaceKiB) && exec \"$0\" \"$@\"", binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let started = Date()
        try process.run()
        let killer = TimedOut()
        if let limits {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + limits.seconds) {
                if process.isRunning { killer.fired = true; kill(pid, SIGKILL) }
            }
        }
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        // Read both pipes before waiting, so a large output cannot block the child.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), timedOut: killer.fired,
                      seconds: Date().timeIntervalSince(started))
    }
}

/// Set by the timer that killed a run.
private final class TimedOut: @unchecked Sendable {
    var fired = false
}

/// Holds what a background reader collected; the DispatchGroup orders the write before the read.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
