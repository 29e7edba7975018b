/// A cursor over protobuf wire format inside `bytes[position..<end]`. Every length is checked against
/// the end of the enclosing message before anything is read or allocated, so a corrupt or hostile
/// file costs at most a walk over its own bytes.
struct WireReader {
    /// Wire types of the protobuf encoding.
    enum WireType: Int { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int

    /// A reader over `range` of `bytes` (which must lie inside `bytes`).
    init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var isAtEnd: Bool { position >= end }

    /// Reads a base-128 varint of at most 10 bytes.
    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw WireError("truncated varint at offset \(position)") }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw WireError("varint longer than 64 bits at offset \(position - 1)") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a field key: the field number and its wire type.
    mutating func tag() throws -> (field: Int, wire: WireType) {
        let at = position
        let key = try varint()
        let field = key >> 3
        guard field >= 1, field <= 536_870_911 else { throw WireError("invalid field number \(field) at offset \(at)") }
        guard let wire = WireType(rawValue: Int(key & 7)) else {
            throw WireError("unsupported wire type \(key & 7) for field \(field) at offset \(at)")
        }
        return (Int(field), wire)
    }

    /// Reads a length prefix and returns the byte range it covers, checked against the message end.
    mutating func lengthDelimited() throws -> Range<Int> {
        let at = position
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw WireError("truncated: a field at offset \(at) needs \(length) bytes, only \(end - position) remain")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    /// Reads a value of wire type `wire` that the caller does not need.
    mutating func skip(_ wire: WireType) throws {
        switch wire {
        case .varint: _ = try varint()
        case .fixed64: try advance(8)
        case .fixed32: try advance(4)
        case .lengthDelimited: _ = try lengthDelimited()
        }
    }

    /// Reads a 4-byte little-endian value.
    mutating func fixed32() throws -> UInt32 {
        try require(4)
        let v = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        position += 4
        return v
    }

    /// Reads an 8-byte little-endian value.
    mutating func fixed64() throws -> UInt64 {
        try require(8)
        let v = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        position += 8
        return v
    }

    /// Reads a length-delimited UTF-8 string (invalid sequences are repaired, not trusted).
    mutating func string() throws -> String {
        let r = try lengthDelimited()
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self)
    }

    private mutating func require(_ n: Int) throws {
        guard end - position >= n else { throw WireError("truncated: \(n)-byte value at offset \(position)") }
    }

    private mutating func advance(_ n: Int) throws {
        try require(n)
        position += n
    }
}
