import Foundation
import XCTest

/// `micronet eval` reports the BLAS kernels, the thread count and why: top-level JSON fields and `--verbose`.
final class EvalBLASReportTests: XCTestCase {
    static let fixtures = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures")

    var splitCase: [String] {
        let f = { (p: String) in Self.fixtures.appendingPathComponent(p).path }
        return ["eval", f("qrnn/split-w211-b1-zip.pt"), "--text", f("qrnn/corpus/test.txt"), "--vocab", f("qrnn/vocab.txt"),
                "--bptt", "37"]
    }

    func json(_ extra: [String], environment: [String: String]? = nil) throws -> [String: Any] {
        let r = try MicronetProcess.run(splitCase + ["--format", "json"] + extra, environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    }

    func testJSONCarriesCoreReasonAndThreads() throws {
        let obj = try json([])
        let core = try XCTUnwrap(obj["blas_core"] as? String, "blas_core is a string")
        XCTAssertFalse(core.isEmpty)
        XCTAssertNotEqual(core, "unknown")
        let reason = try XCTUnwrap(obj["blas_core_reason"] as? String, "blas_core_reason is a string")
        XCTAssertTrue(reason.contains(core), "the reason names the core: \(reason)")
        // An integer, not a string or a float; the default is every core this process may use.
        XCTAssertTrue(obj["threads"] is Int, "\(String(describing: obj["threads"]))")
        XCTAssertEqual(obj["threads"] as? Int, min(ProcessInfo.processInfo.activeProcessorCount, 64))
    }

    func testThreadsEqualsTheRequestedCount() throws {
        for t in [1, 3] {
            let obj = try json(["--threads", "\(t)"])
            XCTAssertEqual(obj["threads"] as? Int, t)
        }
    }

    func testPerplexityIsTheSameAtEveryThreadCount() throws {
        let one = try XCTUnwrap(try json(["--threads", "1"])["loss"] as? Double)
        for t in [2, 3] {
            let loss = try XCTUnwrap(try json(["--threads", "\(t)"])["loss"] as? Double)
            XCTAssertEqual(loss, one, accuracy: 1e-8 * one, "\(t) threads")
        }
    }

    func testVerbosePrintsThreadsAndCore() throws {
        let r = try MicronetProcess.run(splitCase + ["--threads", "2", "--verbose"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("threads     2 (--threads)"), r.stdout)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("blas        OpenBLAS ") }, r.stdout)
        XCTAssertTrue(line.contains(": "), String(line))
        XCTAssertFalse(r.stdout.contains("gemv        "), "a QRNN runs no GEMV: \(r.stdout)")
        // An LSTM at batch 1 names the GEMV kernel cpuid picked.
        let f = { (p: String) in Self.fixtures.appendingPathComponent(p).path }
        let lstm = try MicronetProcess.run(["eval", f("lstm/plain-full-legacy.pt"), "--text", f("lstm/corpus/test.txt"),
                                            "--vocab", f("lstm/vocab.txt"), "--bptt", "20", "--verbose"])
        XCTAssertEqual(lstm.status, 0, lstm.stderr)
        let gemv = try XCTUnwrap(lstm.stdout.split(separator: "\n").first { $0.hasPrefix("gemv        ") }, lstm.stdout)
        XCTAssertTrue(["AVX-512 (", "AVX2 (", "portable ("].contains { gemv.dropFirst(12).hasPrefix($0) }, String(gemv))
        let plain = try MicronetProcess.run(splitCase)
        XCTAssertFalse(plain.stdout.contains("blas        "), "only with --verbose: \(plain.stdout)")
    }

    /// eval lets idle OpenBLAS threads sleep between GEMMs (OPENBLAS_THREAD_TIMEOUT), unless the user chose.
    func testIdleBLASThreadsSleepUnlessTheUserSaysOtherwise() throws {
        var env = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_THREAD_TIMEOUT", "MICRONET_BLAS_TIMEOUT_SET", "MICRONET_BLAS_RERUN_FROM"] { env.removeValue(forKey: key) }
        let ours = try MicronetProcess.run(splitCase + ["--verbose"], environment: env)
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertTrue(ours.stdout.contains("blas idle   OPENBLAS_THREAD_TIMEOUT=4 (set by micronet)"), ours.stdout)
        env["OPENBLAS_THREAD_TIMEOUT"] = "20"
        let theirs = try MicronetProcess.run(splitCase + ["--verbose"], environment: env)
        XCTAssertTrue(theirs.stdout.contains("blas idle   OPENBLAS_THREAD_TIMEOUT=20 set in the environment (kept)"), theirs.stdout)
        XCTAssertEqual(ours.stdout.split(separator: "\n").first { $0.hasPrefix("perplexity") },
                       theirs.stdout.split(separator: "\n").first { $0.hasPrefix("perplexity") })
    }

    /// A user's OPENBLAS_CORETYPE is never overridden, and the report says it was kept.
    func testUserCoretypeIsKeptAndReported() throws {
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_CORETYPE"] = "Prescott"  // SSE3 kernels: every x86-64 processor runs them
        env.removeValue(forKey: "MICRONET_BLAS_RERUN_FROM")
        let obj = try json([], environment: env)
        let reason = try XCTUnwrap(obj["blas_core_reason"] as? String)
        XCTAssertTrue(reason.contains("OPENBLAS_CORETYPE=Prescott set in the environment (kept)"), reason)
        #if arch(x86_64)
        XCTAssertEqual((obj["blas_core"] as? String)?.lowercased(), "prescott")
        #endif
        // Slower kernels, same figure as torch's.
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("qrnn/expected.json"))
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let torch = try XCTUnwrap(((all["split-w211-b1-zip"] as? [String: Any])?["float32"] as? [String: Any])?["perplexity"] as? Double)
        let ppl = try XCTUnwrap(obj["perplexity"] as? Double)
        XCTAssertLessThanOrEqual(abs(ppl - torch), 1e-5 * torch)
    }
}
