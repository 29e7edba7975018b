#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif
import Checkpoint
import Foundation

/// Opening a model file safely: regular files only, opened non-blocking so a FIFO never hangs.
enum ModelFile {
    /// Checks that `path` is a regular file; `role` names it in errors ("model", "graph file").
    static func requireRegular(_ path: String, role: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw ImportError(path, openProblem(errno)) }
        if let what = PathKind.nonRegular(mode: st.st_mode) {
            throw ImportError(path, "is \(what), not a \(role) file (only regular files are read)")
        }
    }

    /// Graph files are read whole and parsed in memory; no real one comes near this (a 1,000-op graph is ~300 KB).
    static let maxGraphBytes = 256 << 20

    /// Reads the first `length` bytes of a regular file, or all of it when `length` is nil (refusing files over `limit`).
    static func read(_ path: String, role: String, length: Int? = nil, limit: Int = maxGraphBytes) throws -> [UInt8] {
        try requireRegular(path, role: role)
        // O_NONBLOCK: if the path was swapped for a FIFO after the check, open returns at once.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw ImportError(path, openProblem(errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ImportError(path, "cannot stat: \(String(cString: strerror(errno)))") }
        if let what = PathKind.nonRegular(mode: st.st_mode) {
            throw ImportError(path, "is \(what), not a \(role) file (only regular files are read)")
        }
        let size = Int(st.st_size)
        if length == nil && size > limit {
            throw ImportError(path, "is \(size) bytes; a \(role) file is read whole, and at most \(limit >> 20) MiB is accepted")
        }
        let wanted = min(length ?? size, size)
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, wanted - done) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ImportError(path, "cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { break }    // the file shrank while being read
            done += n
        }
        return Array(bytes.prefix(done))
    }

    private static func openProblem(_ code: Int32) -> String {
        code == ENOENT ? "no such file" : "cannot open: \(String(cString: strerror(code)))"
    }
}
