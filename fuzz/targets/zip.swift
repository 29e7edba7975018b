// libFuzzer entry for the zip reader: central directory, zip64 records, overlap and duplicate checks,
// local headers, and inflating (or slicing) up to 16 entries of at most 1 MiB.
@testable import Checkpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZip(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = MappedFile(copying: UnsafeRawBufferPointer(start: data, count: size))
    guard let zip = try? ZipArchive(file: file) else { return 0 }
    for e in zip.entries.prefix(16) where e.uncompressedSize <= 1 << 20 {
        _ = try? zip.contents(of: e)
        _ = zip.entry(e.name)
    }
    return 0
}
