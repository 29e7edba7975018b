#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// The values in place (a view into the mapped file) when the tensor is contiguous little-endian float32
    /// at a 4-byte-aligned address; nil when they must be converted or copied (legacy storages are unaligned).
    public var float32View: UnsafeBufferPointer<Float>? {
        guard dtype == .float32, isContiguous, let base = bytes.baseAddress else { return nil }
        let p = base + storageOffset * 4
        guard Int(bitPattern: p) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return UnsafeBufferPointer(start: p.assumingMemoryBound(to: Float.self), count: count)
    }

    /// Writes the `count` values as Float into `destination`, converting as needed. A contiguous tensor on a
    /// file mapping is copied in blocks and each block's source pages are dropped from memory once copied
    /// (they are re-read from the file if touched again), so a copy costs about the copy's own bytes.
    public func copyFloat32(into destination: UnsafeMutablePointer<Float>) {
        let raw = bytes
        guard count > 0 else { return }
        guard isContiguous, let base = raw.baseAddress else {
            var i = 0
            forEachIndex { destination[i] = element(raw, $0); i += 1 }
            return
        }
        let block = 1 << 20 // elements per block: a few MiB of source at a time
        let size = dtype.byteSize, page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var start = 0
        while start < count {
            let n = Swift.min(block, count - start)
            let first = storageOffset + start
            if dtype == .float32 {
                // Unaligned little-endian float32 (legacy storages): byte copy, no conversion.
                UnsafeMutableRawPointer(destination + start).copyMemory(from: base + first * 4, byteCount: n * 4)
            } else {
                for k in 0..<n { destination[start + k] = element(raw, first + k) }
            }
            if storage.buffer?.isFileMapped == true {
                // Whole pages inside the block only: a neighbouring tensor may share the edge pages.
                let lo = Int(bitPattern: base + first * size), hi = lo + n * size
                let from = (lo + page - 1) / page * page, to = hi / page * page
                if to > from { _ = madvise(UnsafeMutableRawPointer(bitPattern: from), to - from, MADV_DONTNEED) }
            }
            start += n
        }
    }
}
