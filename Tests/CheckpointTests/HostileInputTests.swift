import Foundation
import XCTest
@testable import Checkpoint
#if canImport(Glibc)
import Glibc
#endif

/// Issue 9, one test per class of hostile input: each gets a one-line CheckpointError naming the
/// file and the problem, the file is left unchanged, and real checkpoints of the same shape still load.
/// Files under fixtures/ are written by real torch (fixtures/make_hostile_fixtures.py); byte arrays
/// here are hand-made hostile pickles.
final class HostileInputTests: XCTestCase {
    /// Loads `path` expecting a one-line error naming it and containing `fragment`; the file's bytes
    /// must be the same afterwards.
    private func assertRejects(_ path: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        let before = FileManager.default.contents(atPath: path)
        do {
            let c = try LoadedCheckpoint.load(path: path)
            XCTFail("\(path) loaded (\(c.tensors.count) tensors) but should fail with '\(fragment)'", file: file, line: line)
        } catch let e as CheckpointError {
            XCTAssertTrue(e.description.hasPrefix(path + ": "), e.description, file: file, line: line)
            XCTAssertTrue(e.description.contains(fragment), "'\(e.description)' lacks '\(fragment)'", file: file, line: line)
            XCTAssertFalse(e.description.contains("\n"), file: file, line: line)
        } catch {
            XCTFail("\(path): not a CheckpointError: \(error)", file: file, line: line)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), before, "\(path) changed", file: file, line: line)
    }

    private func withScratch(_ bytes: [UInt8], _ body: (String) throws -> Void) rethrows {
        let p = Fixtures.scratch(bytes, name: "hostile-\(bytes.count).pkl")
        defer { try? FileManager.default.removeItem(atPath: p) }
        try body(p)
    }

    private static func str(_ s: String) -> [UInt8] {  // BINUNICODE
        let u = Array(s.utf8)
        return [0x58] + withUnsafeBytes(of: UInt32(u.count).littleEndian, Array.init) + u
    }

    // MARK: class 7: allowlist, ambiguous archives, every pickle checked

    func testCodeLoadingGlobalsThatADenylistMissedAreRefused() {
        assertRejects(Fixtures.badPath("hostile_torch_hub.pt"), "hostile pickle: it asks to call torch.hub.load")
        assertRejects(Fixtures.badPath("hostile_load_inline.pt"), "hostile pickle: it asks to call torch.utils.cpp_extension.load_inline")
        assertRejects(Fixtures.badPath("hostile_torch_load.pt"), "hostile pickle: it asks to call torch.serialization.load")
        // Named but never called: still refused, since torch.load would import it.
        withScratch([0x80, 0x02, 0x7D] + Self.str("f") + Array("cos\nsystem\n".utf8) + [0x73, 0x2E]) {
            assertRejects($0, "hostile pickle: it names os.system")
        }
        // A protocol-4 qualname reaching into a refused namespace from an allowed module.
        withScratch([0x80, 0x02] + Array("ctorch\nhub.load\n".utf8) + [0x2E]) { assertRejects($0, "hostile pickle: it names torch.hub.load") }
    }

    func testCallingAValueThePickleBuiltIsRefused() {
        // getattr(OrderedDict(), 'keys')(): a gadget chain's shape.
        let b: [UInt8] = [0x80, 0x02] + Array("cbuiltins\ngetattr\n".utf8) + Array("ccollections\nOrderedDict\n".utf8)
            + [0x29, 0x52] + Self.str("keys") + [0x86, 0x52, 0x29, 0x52, 0x2E]
        withScratch(b) { assertRejects($0, "hostile pickle: it calls a value it built") }
    }

    func testWeightDropGetattrAndTorchvisionPartialLoadInertly() throws {
        let wd = try LoadedCheckpoint.load(path: Fixtures.path("weightdrop_lstm.pt"))
        XCTAssertTrue(wd.inertCalls.contains("__builtin__.getattr"), "\(wd.inertCalls)")
        XCTAssertTrue(wd.suspiciousCalls.isEmpty)
        XCTAssertTrue(wd.tensors.contains { $0.name == "module.weight_hh_l0_raw" }, "\(wd.tensors.map(\.name))")
        wd.releaseObjectGraph()
        let vit = try LoadedCheckpoint.load(path: Fixtures.path("vit_partial.pt"))
        XCTAssertTrue(vit.inertCalls.contains("functools.partial"), "\(vit.inertCalls)")
        XCTAssertFalse(vit.tensors.isEmpty)
        vit.releaseObjectGraph()
    }

    func testAmbiguousOrHiddenPicklesInAZipAreRefused() {
        assertRejects(Fixtures.badPath("duplicate_datapkl.pt"), "ambiguous zip: two entries are named 'dtypes_zip/data.pkl'")
        assertRejects(Fixtures.badPath("hidden_pickle.pt"), "pickle 'dtypes_zip/extra.pkl' (checked for safety, not used): hostile pickle: it asks to call posix.system")
    }

    func testGlobalsThatGenerateOrRunCodeAreRefused() throws {
        // torch.load really runs each of these: FX's reduce_graph_module execs the pickled source.
        assertRejects(Fixtures.badPath("hostile_fx_graph_module.pt"), "hostile pickle: it asks to call torch.fx.graph_module.reduce_graph_module")
        let calls = [("torch.fx.graph_module", "_deserialize_graph_module"), ("numpy.testing._private.utils", "runstring"),
                     ("torch._inductor.codecache", "PyCodeCache"), ("torch._C", "_jit_script_compile"), ("doctest", "debug_script"),
                     ("torch._dynamo", "optimize"), ("torch._C", "_jit_pass_inline"), ("torch.utils.benchmark", "Timer"),
                     ("posixpath", "realpath"), ("torch", "save"), ("torch", "_C._jit_script_compile")]
        for (module, name) in calls {
            // GLOBAL module name, ('x',), REDUCE
            let b: [UInt8] = [0x80, 0x02] + Array("c\(module)\n\(name)\n".utf8) + Self.str("x") + [0x85, 0x52, 0x2E]
            withScratch(b) { assertRejects($0, "hostile pickle: it asks to call \(module).\(name)") }
        }
        // Neighbours that only look alike stay inert: torch._C's other names, a `fxlib` module.
        for (module, name) in [("torch._C", "_nn"), ("fxlib.graph", "Node"), ("torch", "Size")] {
            let b: [UInt8] = [0x80, 0x02] + Array("c\(module)\n\(name)\n".utf8) + [0x2E]
            try withScratch(b) { XCTAssertNoThrow(try LoadedCheckpoint.load(path: $0), "\(module).\(name)") }
        }
    }

    func testOverlappingZipEntriesAreRefused() {
        assertRejects(Fixtures.badPath("overlap_zip.pt"), "corrupt zip: entry 'dtypes_zip/data/0' overlaps entry 'dtypes_zip/data/1'")
    }

    // MARK: class 1: cycles

    func testCyclesInModulesOptimizerStateAndDictsAreFollowedOnce() throws {
        let m = try LoadedCheckpoint.load(path: Fixtures.badPath("cyclic_module.pt"))
        XCTAssertEqual(m.tensors.map(\.name), ["0.weight", "0.bias"])
        m.releaseObjectGraph()
        let o = try LoadedCheckpoint.load(path: Fixtures.badPath("cyclic_optimizer.pt"))
        XCTAssertEqual(o.tensors.map(\.name), ["w", "optimizer.state.0.momentum_buffer"])
        o.releaseObjectGraph()
        // A dict that holds itself: {'a': <itself>}.
        try withScratch([0x80, 0x02, 0x7D, 0x71, 0x00] + Self.str("a") + [0x68, 0x00, 0x73, 0x2E]) { p in
            let c = try LoadedCheckpoint.load(path: p)
            XCTAssertEqual(c.tensors.count, 0)
            c.releaseObjectGraph()
        }
    }

    // MARK: class 2: overflow

    func testHugeOffsetsAndStridesAreReportedNotTrapped() throws {
        assertRejects(Fixtures.badPath("legacy_view_overflow.pt"), "storage view '94045149400288' (offset 4611686018427387904, 6 elements) is beyond storage")
        assertRejects(Fixtures.badPath("max_stride.pt"), "reaches element 9223372036854775807 but storage '0' has 4")
        // Stride 2^63−1 on a size-1 dimension is a valid view of elements 0 and 2 (torch agrees).
        let c = try LoadedCheckpoint.load(path: Fixtures.badPath("max_stride_size1.pt"))
        let w = try XCTUnwrap(c.tensor(named: "w"))
        XCTAssertEqual(w.toFloat32(), [0, 2])
        XCTAssertEqual(w.zeroCount(), 1)
    }

    // MARK: class 3: logical size far beyond storage

    func testViewsRepeatingTheirStorageBeyondTheBudgetAreRefused() {
        assertRejects(Fixtures.badPath("expanded_huge.pt"), "repeats the 1 element(s) of storage '0' as 4611686018427387904 elements, beyond micronet's budget of 67108864 elements (256 MiB as float32)")
        assertRejects(Fixtures.badPath("expanded_2e40.pt"), "as 1099511627776 elements")
    }

    // MARK: class 4: files that are not what they seem

    func testAFIFOIsRefusedWithoutBlocking() throws {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("micronet-fifo-\(getpid())").path
        unlink(p)
        XCTAssertEqual(mkfifo(p, 0o600), 0)
        defer { unlink(p) }
        let start = Date()
        assertRejects(p, "not a regular file (it is a FIFO (named pipe))")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        assertRejects(Fixtures.dir.path, "not a regular file (it is a folder)")
    }

    func testAMappedFileTruncatedWhileReadExitsTwoWithOneLine() throws {
        // Large files are mapped; truncating one under the reader would raise SIGBUS. The child maps a
        // 20 MiB file, truncates it, touches a lost page: MappingGuard must exit 2 with one line.
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("micronet-shrink-\(getpid()).pt").path
        FileManager.default.createFile(atPath: p, contents: Data(count: 20 << 20))
        defer { unlink(p) }
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let child = fork()
        if child == 0 {
            dup2(fds[1], 2)
            guard let f = try? MappedFile(path: p) else { _exit(3) }
            let fd = open(p, O_WRONLY | O_TRUNC)
            close(fd)
            let byte = f.all[10 << 20]  // SIGBUS here
            _exit(byte == 0 ? 4 : 5)
        }
        close(fds[1])
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(20)
        while waitpid(child, &status, WNOHANG) == 0 {
            if Date() > deadline { kill(child, SIGKILL); XCTFail("the child hung"); break }
            usleep(10_000)
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fds[0], &buffer, buffer.count)
        close(fds[0])
        let message = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self)
        XCTAssertEqual(status & 0x7f, 0, "killed by signal \(status & 0x7f)")
        XCTAssertEqual((status >> 8) & 0xff, 2, message)
        XCTAssertTrue(message.hasPrefix("micronet: error: \(p): the file shrank while it was being read"), message)
        XCTAssertEqual(message.filter { $0 == "\n" }.count, 1, message)
    }

    // MARK: class 5: unbounded work

    func testMemoDAGsOfTuplesFlattenOnce() throws {
        let start = Date()
        let c = try LoadedCheckpoint.load(path: Fixtures.badPath("billion_laughs.pt"))
        XCTAssertEqual(c.tensors.count, 2)  // "w" and the one tensor at the bottom, named once
        // 300 levels of (x, x) over one int: 2^300 paths, one walk each.
        try withScratch([0x80, 0x02, 0x4B, 0x01] + [UInt8]([0x32, 0x86]).repeated(300) + [0x2E]) { p in
            _ = try LoadedCheckpoint.load(path: p)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    // MARK: class 6: memory amplification

    func testCodecsEncodeOfAMemoizedStringIsCapped() {
        // 20,000 × _codecs.encode(<1 MiB string>, 'latin1'): 20 GB from a 1.2 MB file.
        var b: [UInt8] = [0x80, 0x02] + Array("c_codecs\nencode\n".utf8) + [0x71, 0x01]
        b += Self.str(String(repeating: "a", count: 1 << 20)) + [0x71, 0x02] + Self.str("latin1") + [0x71, 0x03]
        b += [0x5D, 0x28] + [UInt8]([0x68, 0x01, 0x68, 0x02, 0x68, 0x03, 0x86, 0x52]).repeated(20_000) + [0x65, 0x2E]
        withScratch(b) { assertRejects($0, "(memo amplification)") }
    }

    func testOrderedDictOfAMemoizedPairListIsCapped() {
        // OrderedDict(<list of 100,000 pairs>) 1,000 times, Python 2's reduce form.
        var b: [UInt8] = [0x80, 0x02] + Array("ccollections\nOrderedDict\n".utf8) + [0x71, 0x01]
        b += [0x5D, 0x28] + [UInt8]([0x28, 0x4B, 0x01, 0x4E, 0x6C]).repeated(100_000) + [0x65, 0x71, 0x02]
        b += [0x5D, 0x28] + [UInt8]([0x68, 0x01, 0x68, 0x02, 0x85, 0x52]).repeated(1_000) + [0x65, 0x2E]
        withScratch(b) { assertRejects($0, "(memo amplification)") }
    }

    func testDeflatedEntriesInflateWithinTheBudget() throws {
        // 40 KB inflating to 40 MB of zeros: past 32 MiB + 8× the file, refused before any allocation.
        assertRejects(Fixtures.badPath("deflate_over_budget.pt"),
                      "zip entry 'zeros/data/0' inflates to 40000000 bytes (38.1 MiB) from 38889 compressed, beyond micronet's inflation budget of 32 MiB + 8× the file size per archive (32.3 MiB here)")
        XCTAssertEqual(ZipArchive.inflationBudget(forFileBytes: 4_175_134), (32 << 20) + 8 * 4_175_134)
        XCTAssertEqual(ZipArchive.inflationBudget(forFileBytes: Int.max), Int.max)
        // A real deflated checkpoint is well inside it.
        XCTAssertGreaterThan(try LoadedCheckpoint.load(path: Fixtures.path("views_deflated.pt")).tensors.count, 0)
    }

    func testAMemoizedLongKeyInManyDictsIsChargedNotCopied() throws {
        // 1,000 dicts keyed by one 32 KiB string: hashed 1,000 times (32 MiB) from a 38 KB file.
        assertRejects(Fixtures.badPath("dict_key_amp.pkl"), "(memo amplification)")
        // The same through OrderedDict([(key, 1)]) reduces.
        var b: [UInt8] = [0x80, 0x02] + Self.str(String(repeating: "k", count: 32 << 10)) + [0x71, 0x00]
        b += Array("ccollections\nOrderedDict\n".utf8) + [0x71, 0x01, 0x5D, 0x28]
        b += [UInt8]([0x68, 0x01, 0x5D, 0x68, 0x00, 0x4B, 0x01, 0x86, 0x61, 0x85, 0x52]).repeated(1_000) + [0x65, 0x2E]
        withScratch(b) { assertRejects($0, "(memo amplification)") }
        // A key shared by a few dicts (an optimizer's per-parameter 'exp_avg') is fine.
        var ok: [UInt8] = [0x80, 0x02] + Self.str(String(repeating: "k", count: 32 << 10)) + [0x71, 0x00, 0x5D, 0x28]
        ok += [UInt8]([0x7D, 0x68, 0x00, 0x4B, 0x01, 0x73]).repeated(10) + [0x65, 0x2E]
        try withScratch(ok) { XCTAssertEqual(try LoadedCheckpoint.load(path: $0).tensors.count, 0) }
    }

    func testALongKeyOverManyNonTensorItemsBuildsNoNames() throws {
        // {<64 KiB key>: [0, 1, ..., 99,999]}: no name is built for a value that holds no tensor.
        var b: [UInt8] = [0x80, 0x02, 0x7D] + Self.str(String(repeating: "k", count: 64 << 10)) + [0x5D, 0x28]
        b += [UInt8]([0x4B, 0x07]).repeated(100_000) + [0x65, 0x73, 0x2E]
        try withScratch(b) { XCTAssertEqual(try LoadedCheckpoint.load(path: $0).tensors.count, 0) }
        // ... but 1,000 lists under it are 1,000 names of 64 KiB: charged, and past the budget.
        var c: [UInt8] = [0x80, 0x02, 0x7D] + Self.str(String(repeating: "k", count: 64 << 10)) + [0x5D, 0x28]
        c += [UInt8]([0x5D, 0x5D, 0x61]).repeated(1_000) + [0x65, 0x73, 0x2E]
        withScratch(c) { assertRejects($0, "tensor names take more than") }
    }

    func testALongNameRepeatedUnderManyItemsIsCappedAndElided() throws {
        assertRejects(Fixtures.badPath("long_name_bomb.pt"), "tensor names take more than")
        let c = try LoadedCheckpoint.load(path: Fixtures.badPath("long_name_tied.pt"))
        XCTAssertEqual(c.tensors.count, 1000)
        let shown = NameElision.display(c.tensors[0].name)
        XCTAssertLessThan(shown.utf8.count, 128)
        XCTAssertTrue(shown.hasSuffix("…[5002 bytes, fnv1a64 " + fnvHex(c.tensors[0].name) + "]"), shown)
        XCTAssertNotEqual(shown, NameElision.display(c.tensors[1].name))
        XCTAssertEqual(NameElision.display("short"), "short")
    }

    private func fnvHex(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let x = String(h, radix: 16)
        return String(repeating: "0", count: 16 - x.count) + x
    }

    // MARK: pickle opcodes that declare more than the file holds

    func testAFrameLongerThanTheBytesLeftIsRefused() throws {
        let frame: (UInt64) -> [UInt8] = { [0x95] + withUnsafeBytes(of: $0.littleEndian, Array.init) }
        withScratch([0x80, 0x04] + frame(1 << 63) + [0x5D, 0x2E]) {
            assertRejects($0, "truncated pickle: FRAME at offset 2 declares 9223372036854775808 bytes but only 2 are left")
        }
        withScratch([0x80, 0x04] + frame(3) + [0x5D, 0x2E]) { assertRejects($0, "FRAME at offset 2 declares 3 bytes but only 2") }
        // A frame that fits (every protocol-4 pickle has them) loads.
        try withScratch([0x80, 0x04] + frame(2) + [0x5D, 0x2E]) { XCTAssertEqual(try LoadedCheckpoint.load(path: $0).tensors.count, 0) }
    }

    // MARK: class 8: non-string keys name their tensors (compared with torch in FixtureTests)

    func testNonStringDictKeysNeverDropTensors() throws {
        let c = try LoadedCheckpoint.load(path: Fixtures.path("nonstring_keys.pt"))
        XCTAssertEqual(c.tensors.map(\.name), ["a", "2", "2.5", "None", "b'raw\\x01'", "('x', 1)"])
        // Keys without a plain repr (a frozenset, an object) are named by kind and position.
        let storage = StorageRef(key: "0", dtype: .float32, numel: 1)
        let t = try Tensor(storage: storage, offset: 0, shape: [1], strides: [1])
        let d = PickleDict()
        d.set(.set(PickleList([.int(1)])), .tensor(t))
        d.set(.object(PickleObject(className: "m.K", args: [])), .tensor(t))
        var f = Flattener(nameBudget: 1 << 20)
        try f.flatten(.dict(d))
        XCTAssertEqual(f.out.map(\.name), ["<set key #0>", "<m.K key #1>"])
    }
}
