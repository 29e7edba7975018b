import Foundation
import XCTest

/// Every number a flag carries into arithmetic is range-checked when the command line is parsed:
/// exit 2 with the range in the message, before any model is read.
final class FlagRangeTests: XCTestCase {
    private func assertRefused(_ arguments: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try MicronetProcess.run(arguments)
        XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", "\(arguments)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("micronet: error: ") && r.stderr.contains(message), "\(arguments): \(r.stderr)",
                      file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr, file: file, line: line)
    }

    func testBitWidthsAreIntegersFromOneTo64() throws {
        for flag in ["--param-bits", "--input-bits", "--accumulator-bits", "--add-bits-base", "--mul-bits-base"] {
            for value in ["1e12", "1e300", "0", "65", "8.5", "-16", "nan", "inf"] {
                try assertRefused(["count", "\(flag)=\(value)"], "\(flag) must be an integer from 1 to 64, got ")
            }
        }
        try assertRefused(["score", "--param-bits", "1e12"], "--param-bits must be an integer from 1 to 64, got 1000000000000.0")
        try assertRefused(["count", "--add-bits-base", "1e-300"], "--add-bits-base must be an integer from 1 to 64, got 1e-300")
        let ok = try MicronetProcess.run(["count", "--param-bits", "64", "--input-bits", "1", "--format", "csv"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    /// A negative number after a space is the flag's value, so the message states the range (it used to
    /// read "-1" as a flag and say the value was missing).
    func testNegativeValuesAfterASpaceGetTheRange() throws {
        try assertRefused(["count", "--param-bits", "-1"], "--param-bits must be an integer from 1 to 64, got -1")
        try assertRefused(["score", "--baseline", "-5"], "--baseline must be a finite number of at least 1, got -5")
        try assertRefused(["count", "--sparsity", "-0.5"], "--sparsity must be in [0, 1), got -0.5")
        try assertRefused(["count", "--preset", "qrnn-lm", "--nhid", "-3"], "--nhid must be an integer from 1 to")
        try assertRefused(["eval", "model.pt", "--text", "t", "--vocab", "v", "--bptt", "-2"], "--bptt must be an integer from 1 to")
    }

    func testSparsityIsInZeroToOne() throws {
        for value in ["1", "1.5", "-0.1", "nan"] {
            try assertRefused(["count", "--sparsity=\(value)"], "--sparsity must be in [0, 1), got ")
        }
    }

    func testPresetSizesAreBounded() throws {
        try assertRefused(["count", "--preset", "qrnn-lm", "--vocab", "9223372036854775807"],
                          "--vocab must be an integer from 1 to 2147483648, got 9223372036854775807")
        try assertRefused(["count", "--preset", "qrnn-lm", "--nhid", "4000000000"],
                          "--nhid must be an integer from 1 to 2147483648, got 4000000000")
        try assertRefused(["graph", "--emsize", "0"], "--emsize must be an integer from 1 to 2147483648, got 0")
        try assertRefused(["count", "--nlayers", "5000"], "--nlayers must be an integer from 1 to 4096, got 5000")
        // Each width within range, but the model would pass 2^40 weights (2^31 × 2^10 = 2^41 in the embedding alone).
        try assertRefused(["count", "--preset", "qrnn-lm", "--vocab", "2147483648", "--emsize", "1024"],
                          "has more than 2^40 weights, the most a preset may have")
    }

    func testBaselineIsFiniteAndAtLeastOne() throws {
        for value in ["1e-300", "0.5", "inf", "nan", "0"] {
            try assertRefused(["score", "--baseline", value], "--baseline must be a finite number of at least 1, got ")
        }
        try assertRefused(["score", "--baseline", "1000", "--baseline-ops", "1e-300"],
                          "--baseline-ops must be a finite number of at least 1, got ")
    }
}

/// MODEL and --graph must be regular files: a FIFO, folder or device is named and refused, never waited on.
final class NonRegularFileTests: XCTestCase {
    /// Runs micronet, killing it after `seconds` (a regression then fails instead of stalling the suite).
    private func run(_ arguments: [String], seconds: Double = 20) throws -> (status: Int32, stderr: String, timedOut: Bool) {
        let process = Process()
        process.executableURL = MicronetProcess.binary
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text, timedOut)
    }

    func testFIFOAsModelOrGraphExitsTwoAtOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("model.pt").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let checkpoint = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/count/mlp_pruned.pt").path
        let qrnn = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/qrnn").path
        let eval = ["eval", "\(qrnn)/split-w21-b1-legacy.pt", "--text", "\(qrnn)/corpus/test.txt", "--vocab", fifo]
        for (args, shown) in [(["count", fifo], fifo), (["inspect", fifo], fifo), (["count", checkpoint, "--graph", fifo], fifo), (eval, fifo),
                              (["count", dir.path], dir.path), (["count", "/dev/null"], "/dev/null")] {
            let r = try run(args)
            XCTAssertFalse(r.timedOut, "\(args) blocked")
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("micronet: error: \(shown): is a "), r.stderr)
            XCTAssertTrue(r.stderr.contains("only regular files are read"), r.stderr)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        }
    }
}
