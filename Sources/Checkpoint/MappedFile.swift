#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory; the pages are only read when touched, and the file is
/// never modified. Storages of stored (uncompressed) records point straight into it.
final class MappedFile: @unchecked Sendable {
    /// Start of the mapping (nil for an empty file).
    let base: UnsafeRawPointer?
    /// Length of the file in bytes.
    let count: Int

    /// Maps `path`; throws a one-line message (without the path) on failure.
    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FormatError("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError("cannot stat: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FormatError("not a regular file") }
        count = Int(st.st_size)
        isMapped = true
        if count == 0 { base = nil; return }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw FormatError("cannot map: \(String(cString: strerror(errno)))") }
        base = UnsafeRawPointer(p)
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
        if isMapped { munmap(UnsafeMutableRawPointer(mutating: base), count) } else { UnsafeMutableRawPointer(mutating: base).deallocate() }
    }

    /// The bytes `[offset, offset+length)`, or nil if that range is not inside the file.
    func bytes(at offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    /// The whole file.
    var all: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
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
}
