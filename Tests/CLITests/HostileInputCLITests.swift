import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The binary on hostile input (issue 9), each run under 4 GiB of address space and 20 s
/// (`MicronetProcess.runHostile`): exit 2 with a one-to-three-line message naming the file, nothing
/// on stdout, the file unchanged, never a signal, a hang or a memory blow-up.
final class HostileInputCLITests: XCTestCase {
    private var bad: URL { MicronetProcess.repositoryRoot.appendingPathComponent("fixtures/bad") }

    private func assertRefused(_ arguments: [String], path: String, fragment: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let before = FileManager.default.contents(atPath: path)
        let r = try MicronetProcess.runHostile(arguments, file: file, line: line)
        XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("micronet: error: "), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(path), "message does not name \(path): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(fragment), "'\(r.stderr)' lacks '\(fragment)'", file: file, line: line)
        XCTAssertTrue((1...3).contains(r.stderr.filter { $0 == "\n" }.count), r.stderr, file: file, line: line)
        XCTAssertEqual(FileManager.default.contents(atPath: path), before, "\(path) changed", file: file, line: line)
    }

    func testTheHarnessLimitsReallyApply() throws {
        // 16 MiB of address space is too little to even start the binary: the cap is in force.
        let starved = try MicronetProcess.run(["--help"], limits: .init(addressSpaceKiB: 16 << 10, seconds: 20))
        XCTAssertNotEqual(starved.status, 0)
        let fine = try MicronetProcess.run(["--help"], limits: .hostile)
        XCTAssertEqual(fine.status, 0, fine.stderr)
    }

    func testEveryHostileFixtureIsRefusedByInspectAndCount() throws {
        let cases: [(String, String)] = [
            ("hostile_p2.pickle", "hostile pickle: it asks to call posix.system"),
            ("hostile_torch_hub.pt", "hostile pickle: it asks to call torch.hub.load"),
            ("hostile_load_inline.pt", "torch.utils.cpp_extension.load_inline"),
            ("hostile_torch_load.pt", "torch.serialization.load"),
            ("duplicate_datapkl.pt", "ambiguous zip: two entries are named"),
            ("hidden_pickle.pt", "pickle 'dtypes_zip/extra.pkl' (checked for safety, not used): hostile pickle"),
            ("overlap_zip.pt", "overlaps entry"),
            ("legacy_view_overflow.pt", "offset 4611686018427387904"),
            ("max_stride.pt", "reaches element 9223372036854775807"),
            ("expanded_huge.pt", "beyond micronet's budget"),
            ("expanded_2e40.pt", "beyond micronet's budget"),
            ("long_name_bomb.pt", "tensor names take more than"),
            ("shape_overflow.pt", "overflows"),
            ("deflate_bomb_lying.pt", "deflate bomb"),
            ("hostile_fx_graph_module.pt", "hostile pickle: it asks to call torch.fx.graph_module.reduce_graph_module"),
            ("dict_key_amp.pkl", "(memo amplification)"),
            ("deflate_over_budget.pt", "beyond micronet's inflation budget of 32 MiB + 8× the file size"),
        ]
        for (name, fragment) in cases {
            let path = bad.appendingPathComponent(name).path
            try assertRefused(["inspect", path], path: path, fragment: fragment)
            try assertRefused(["count", path], path: path, fragment: fragment)
        }
    }

    func testCyclesAndMemoDAGsLoadWithinTheLimits() throws {
        for name in ["cyclic_module.pt", "cyclic_optimizer.pt", "billion_laughs.pt", "max_stride_size1.pt"] {
            let r = try MicronetProcess.runHostile(["inspect", bad.appendingPathComponent(name).path])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
        }
    }

    func testLongNamesPrintElidedSoOutputStaysProportional() throws {
        let path = bad.appendingPathComponent("long_name_tied.pt").path
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let r = try MicronetProcess.runHostile(["inspect", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        // 1,000 rows of 5,002-byte names would print 10 MB; elided, each row is about 200 bytes.
        XCTAssertLessThan(r.stdout.utf8.count, 1000 * 300)
        XCTAssertLessThan(r.stdout.utf8.count, size * 40)
        XCTAssertTrue(r.stdout.contains("…[5002 bytes, fnv1a64 "), String(r.stdout.prefix(2000)))
    }

    func testErrorsElideLongNamesAsInspectDoes() throws {
        // count lists 16 of the 1,000 tied 5,002-byte names: 80 KB on one line unless elided.
        let path = bad.appendingPathComponent("long_name_tied.pt").path
        let r = try MicronetProcess.runHostile(["count", path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, String(r.stderr.prefix(500)))
        XCTAssertTrue(r.stderr.contains("not a model micronet recognises"), String(r.stderr.prefix(500)))
        XCTAssertTrue(r.stderr.contains("…[5002 bytes, fnv1a64 "), String(r.stderr.prefix(500)))
        XCTAssertLessThan(r.stderr.utf8.count, 4096)
        // Any message, not just that one: a 6,000-byte module name in a refused STACK_GLOBAL.
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("micronet-longglobal-\(getpid()).pkl").path
        func str(_ s: String) -> [UInt8] { [0x58] + withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian, Array.init) + Array(s.utf8) }
        let module = "os." + String(repeating: "x", count: 6000)
        _ = FileManager.default.createFile(atPath: p, contents: Data([0x80, 0x04] + str(module) + str("system") + [0x93, 0x2E]))
        defer { unlink(p) }
        try assertRefused(["inspect", p], path: p, fragment: "hostile pickle: it names os.xxx")
        let g = try MicronetProcess.runHostile(["inspect", p])
        XCTAssertTrue(g.stderr.contains("…[6010 bytes, fnv1a64 "), g.stderr)
        XCTAssertLessThan(g.stderr.utf8.count, 1024)
    }

    func testEvalErrorsAboutWeightsNameTheFile() throws {
        let root = MicronetProcess.repositoryRoot.appendingPathComponent("fixtures").path
        let cases = [
            ("\(root)/lstm/bad/nan-weight.pt", "\(root)/lstm/bad/text.txt", "\(root)/lstm/bad/vocab.txt", "rnns.0.weight_ih_l0 value [14] = nan"),
            // QRNN: a layer checked when the model is built, the embedding only once the loss is not finite.
            ("\(bad.path)/qrnn_inf_bias.pt", "\(root)/qrnn/corpus/test.txt", "\(root)/qrnn/vocab.txt", "rnns.1.linear.module.bias value [5] = inf"),
            ("\(bad.path)/qrnn_nan_embedding.pt", "\(root)/qrnn/corpus/test.txt", "\(root)/qrnn/vocab.txt", "encoder.weight value [0] = nan"),
        ]
        for (model, text, vocab, problem) in cases {
            try assertRefused(["eval", model, "--text", text, "--vocab", vocab, "--batch-size", "1"], path: model,
                              fragment: "not finite: \(model): \(problem)")
        }
    }

    func testAFIFOAsTheModelIsRefusedAtOnce() throws {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("micronet-cli-fifo-\(getpid())").path
        unlink(p)
        XCTAssertEqual(mkfifo(p, 0o600), 0)
        defer { unlink(p) }
        let r = try MicronetProcess.runHostile(["inspect", p])
        XCTAssertEqual(r.status, 2)
        // ModelImport's sniffing or the checkpoint reader, whichever looks first: one line naming it.
        XCTAssertTrue(r.stderr.hasPrefix("micronet: error: \(p): "), r.stderr)
        XCTAssertTrue(r.stderr.contains("FIFO"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        XCTAssertLessThan(r.seconds, 10)
    }

    func testMemoAmplificationIsRefusedUnderTheMemoryCap() throws {
        // 20,000 × _codecs.encode(<1 MiB string>): 20 GB would be built without the budget.
        func str(_ s: String) -> [UInt8] {
            let u = Array(s.utf8)
            return [0x58] + withUnsafeBytes(of: UInt32(u.count).littleEndian, Array.init) + u
        }
        var b: [UInt8] = [0x80, 0x02] + Array("c_codecs\nencode\n".utf8) + [0x71, 0x01]
        b += str(String(repeating: "a", count: 1 << 20)) + [0x71, 0x02] + str("latin1") + [0x71, 0x03, 0x5D, 0x28]
        for _ in 0..<20_000 { b += [0x68, 0x01, 0x68, 0x02, 0x68, 0x03, 0x86, 0x52] }
        b += [0x65, 0x2E]
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("micronet-codecs-\(getpid()).pkl").path
        _ = FileManager.default.createFile(atPath: p, contents: Data(b))
        defer { unlink(p) }
        try assertRefused(["inspect", p], path: p, fragment: "(memo amplification)")
    }
}
