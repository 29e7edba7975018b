#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's bytes, read-only: small files are read into memory, large ones mapped (pages are read
/// only when touched). The file is never modified.
///
/// A mapped file that another process truncates would raise SIGBUS on the next touch of a lost page.
/// Re-checking the size before each range leaves a race, so large mappings are registered with
/// `MappingGuard`, whose SIGBUS handler turns such a fault into a one-line error and exit 2.
/// Small files (up to `readLimit`) are copied in, so they cannot change underneath at all.
final class MappedFile: @unchecked Sendable {
    /// Start of the bytes (nil for an empty file).
    let base: UnsafeRawPointer?
    /// Length of the file in bytes.
    let count: Int
    /// Files up to this size are read into memory rather than mapped (16 MiB).
    static let defaultReadLimit = 16 << 20

    /// Opens `path` (never blocking: a FIFO or device is refused, not waited on); throws a one-line
    /// message (without the path) on failure.
    init(path: String, readLimit: Int = MappedFile.defaultReadLimit) throws {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FormatError("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError("cannot stat: \(String(cString: strerror(errno)))") }
        if let what = PathKind.nonRegular(mode: st.st_mode) {
            throw FormatError("not a regular file (it is \(what)); give the path of a checkpoint file")
        }
        count = Int(st.st_size)
        if count == 0 { base = nil; isMapped = false; return }
        if count <= readLimit {
            let p = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
            var done = 0
            while done < count {
                let n = pread(fd, p + done, count - done, off_t(done))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    p.deallocate()
                    throw FormatError(n == 0 ? "the file shrank while it was read (\(done) of \(count) bytes)" : "cannot read: \(String(cString: strerror(errno)))")
                }
                done += n
            }
            base = UnsafeRawPointer(p)
            isMapped = false
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw FormatError("cannot map: \(String(cString: strerror(errno)))") }
        base = UnsafeRawPointer(p)
        isMapped = true
        MappingGuard.register(start: UnsafeRawPointer(p), count: count, path: path)
    }

    /// Whether the bytes are a file mapping (pages can be dropped and re-read), not an in-memory copy.
    let isMapped: Bool

    /// An in-memory copy of `bytes` standing in for a file (fuzzing and tests of every truncation).
    init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        isMapped = false
        if bytes.isEmpty { base = nil; return }
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        p.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        base = UnsafeRawPointer(p)
    }

    deinit {
        guard let base else { return }
        if isMapped {
            MappingGuard.unregister(start: base)
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// The bytes `[offset, offset+length)`, or nil if that range is not inside the file.
    func bytes(at offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    /// The whole file.
    var all: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Drops the mapped pages wholly inside `range` from this process's resident memory (touched
    /// again, they are read back from the page cache), so one pass over every weight of a large
    /// mapping, as zero counting makes, costs no more than the part being read. No-op when read in.
    func releasePages(_ range: UnsafeRawBufferPointer) {
        guard isMapped, let base, let start = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let lo = (Int(bitPattern: start) + page - 1) / page * page
        let hi = (Int(bitPattern: start) + range.count) / page * page
        guard hi > lo, lo >= Int(bitPattern: base), hi <= Int(bitPattern: base) + count else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: lo), hi - lo, Int32(MADV_DONTNEED))
    }
}

/// The bytes of one storage: a range of the mapped file (zero-copy) or an owned copy
/// (inflated from a deflated record, or byte-swapped). Holds its owner alive.
final class StorageBuffer: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let owner: AnyObject?
    private let owned: UnsafeMutableRawBufferPointer?
    /// The bytes are pages of a read-only file mapping: dropping them from memory is safe (they are re-read).
    let isFileMapped: Bool

    /// A range of a mapping, kept alive by `file`.
    init(file: MappedFile, bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes; self.owner = file; self.owned = nil; self.isFileMapped = file.isMapped
    }

    /// An owned buffer, freed with this object.
    init(owned: UnsafeMutableRawBufferPointer) {
        self.bytes = UnsafeRawBufferPointer(owned); self.owner = nil; self.owned = owned; self.isFileMapped = false
    }

    /// A sub-range of another buffer (legacy storage views).
    init(parent: StorageBuffer, offset: Int, length: Int) {
        self.bytes = UnsafeRawBufferPointer(rebasing: parent.bytes[offset..<(offset + length)])
        self.owner = parent; self.owned = nil; self.isFileMapped = parent.isFileMapped
    }

    deinit { owned?.deallocate() }

    /// Drops `range` (inside `bytes`) from resident memory when it lies in a mapped file.
    func releasePages(_ range: UnsafeRawBufferPointer) {
        if let file = owner as? MappedFile { file.releasePages(range) } else if let parent = owner as? StorageBuffer { parent.releasePages(range) }
    }
}
