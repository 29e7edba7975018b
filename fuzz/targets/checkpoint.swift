// libFuzzer entry for the whole checkpoint reader: every input goes through format detection, the
// archive reader (zip central directory, inflate, legacy storage walk), the pickle machine, bounds
// checks, flattening and zero counting. Built by scripts/fuzz.sh, outside SwiftPM.
@testable import Checkpoint

/// Called by libFuzzer once per input; any crash, leak or hang is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let c = try? LoadedCheckpoint.load(bytes: bytes, path: "fuzz-input") {
        for t in c.tensors.prefix(64) where t.tensor.count <= 1 << 20 {
            _ = t.tensor.zeroCount()
            _ = t.tensor.toFloat32()
            _ = NameElision.display(t.name)
        }
        _ = c.structure
        c.releaseObjectGraph()  // crafted inputs may form reference cycles
    }
    return 0
}
