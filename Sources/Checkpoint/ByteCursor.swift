/// A bounds-checked little-endian reader over untrusted bytes: every read checks the remaining
/// length first, so no length field is trusted before it is compared with what is there.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    /// What the bytes are, for "truncated" messages ("pickle", "zip central directory").
    let what: String

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0, what: String) {
        self.bytes = bytes; self.position = position; self.what = what
    }

    var remaining: Int { bytes.count - position }

    mutating func need(_ n: Int) throws {
        guard n >= 0, n <= remaining else {
            throw FormatError("truncated \(what): needs \(n) bytes at offset \(position), only \(max(0, remaining)) left")
        }
    }

    mutating func u8() throws -> UInt8 {
        try need(1); defer { position += 1 }
        return bytes[position]
    }

    mutating func le<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let n = MemoryLayout<T>.size
        try need(n); defer { position += n }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        try need(n); defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }

    /// Bytes up to (not including) the next newline, which is consumed; at most `limit` bytes.
    mutating func line(limit: Int = 1 << 16) throws -> UnsafeRawBufferPointer {
        var end = position
        while end < bytes.count, bytes[end] != 0x0A {
            end += 1
            if end - position > limit { throw FormatError("\(what): text line longer than \(limit) bytes at offset \(position)") }
        }
        guard end < bytes.count else { throw FormatError("truncated \(what): unterminated line at offset \(position)") }
        let r = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
        position = end + 1
        return r
    }
}

extension UnsafeRawBufferPointer {
    /// UTF-8 decoding with replacement of invalid sequences.
    var utf8String: String { String(decoding: self, as: UTF8.self) }
    /// Latin-1 decoding (Python 2 byte strings).
    var latin1String: String { String(String.UnicodeScalarView(self.map { Unicode.Scalar($0) })) }
}
