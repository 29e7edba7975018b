#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a model file: mapped read-only (pages are read only when touched, the file is never
/// changed) or an owned copy of bytes given in memory (tests, fuzzing).
final class ModelFile: @unchecked Sendable {
    /// Start of the bytes (nil when empty).
    let base: UnsafeRawPointer?
    /// Length in bytes.
    let count: Int
    private let mappedLength: Int?

    /// Maps `path`, or the `length` bytes from `offset` on (external data); throws a message without the path.
    init(path: String, offset: Int = 0, length: Int? = nil) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WireError("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw WireError("cannot stat: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw WireError("not a regular file") }
        let size = Int(st.st_size)
        let want = length ?? (size - offset)
        guard offset >= 0, want >= 0, offset <= size, want <= size - offset else {
            throw WireError("range \(offset)+\(want) is past the end of the file (\(size) bytes)")
        }
        count = want
        if want == 0 { base = nil; mappedLength = nil; return }
        // mmap offsets must be page aligned: map from the page start and point past the slack.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset - offset % page
        let slack = offset - start
        let p = mmap(nil, want + slack, PROT_READ, MAP_PRIVATE, fd, off_t(start))
        guard let p, p != MAP_FAILED else { throw WireError("cannot map: \(String(cString: strerror(errno)))") }
        base = UnsafeRawPointer(p) + slack
        mappedLength = want + slack
    }

    /// An owned copy of `bytes`.
    init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        mappedLength = nil
        if bytes.isEmpty { base = nil; return }
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        p.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        base = UnsafeRawPointer(p)
    }

    deinit {
        guard let base else { return }
        if let mappedLength {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let slack = Int(bitPattern: base) % page
            munmap(UnsafeMutableRawPointer(mutating: base - slack), mappedLength)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// The whole file.
    var all: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// The bytes of `range` (already checked to lie inside the file).
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }
}
