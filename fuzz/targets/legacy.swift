// libFuzzer entry for the legacy (torch 0.4 to 1.5) reader: inputs are given the legacy magic, so the
// fuzzer spends its time on protocol, sys_info, the object pickle, the key list and storage views.
@testable import Checkpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLegacy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: size))
    if !bytes.starts(with: TorchLegacy.magic) { bytes = TorchLegacy.magic + bytes }
    bytes.withUnsafeBytes { raw in
        if let c = try? LoadedCheckpoint.load(bytes: raw, path: "fuzz-input") {
            for t in c.tensors.prefix(64) { _ = t.tensor.zeroCount() }
            c.releaseObjectGraph()
        }
    }
    return 0
}
