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
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw FormatError("not a regular file (it is \(Self.kind(st.st_mode))); give the path of a checkpoint file")
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

    private let isMapped: Bool

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

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
}

/// The bytes of one storage: a range of the mapped file (zero-copy) or an owned copy
/// (inflated from a deflated record, or byte-swapped). Holds its owner alive.
final class StorageBuffer: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let owner: AnyObject?
    private let owned: UnsafeMutableRawBufferPointer?

    /// A range of a mapping, kept alive by `file`.
    init(file: MappedFile, bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes; self.owner = file; self.owned = nil
    }

    /// An owned buffer, freed with this object.
    init(owned: UnsafeMutableRawBufferPointer) {
        self.bytes = UnsafeRawBufferPointer(owned); self.owner = nil; self.owned = owned
    }

    /// A sub-range of another buffer (legacy storage views).
    init(parent: StorageBuffer, offset: Int, length: Int) {
        self.bytes = UnsafeRawBufferPointer(rebasing: parent.bytes[offset..<(offset + length)])
        self.owner = parent; self.owned = nil
    }

    deinit { owned?.deallocate() }
}
