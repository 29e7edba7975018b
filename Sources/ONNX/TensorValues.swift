/// Reading values out of little-endian `raw_data` (or external data) of a given element type.
enum RawValues {
    /// Whether `type` has values micronet converts to numbers.
    static func hasNumericValues(_ type: ONNXDataType) -> Bool {
        switch type {
        case .float, .double, .float16, .bfloat16, .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64,
             .uint64, .bool, .int4, .uint4: return true
        default: return false
        }
    }

    /// Calls `body` with each of the `count` values as Double; returns `count`.
    static func forEach(_ raw: UnsafeRawBufferPointer, _ type: ONNXDataType, _ count: Int,
                        _ body: (Double) -> Void) -> Int {
        @inline(__always) func u16(_ i: Int) -> UInt16 { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
        @inline(__always) func u32(_ i: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
        @inline(__always) func u64(_ i: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
        switch type {
        case .float: for i in 0..<count { body(Double(Float(bitPattern: u32(i)))) }
        case .double: for i in 0..<count { body(Double(bitPattern: u64(i))) }
        case .float16: for i in 0..<count { body(Double(float16: u16(i))) }
        case .bfloat16: for i in 0..<count { body(Double(Float(bitPattern: UInt32(u16(i)) << 16))) }
        default: return forEachInteger(raw, type, count) { body(Double($0)) }
        }
        return count
    }

    /// Calls `body` with each of the `count` values of an integer type as Int64 (uint64 beyond
    /// Int64.max saturates); returns `count`.
    static func forEachInteger(_ raw: UnsafeRawBufferPointer, _ type: ONNXDataType, _ count: Int,
                               _ body: (Int64) -> Void) -> Int {
        switch type {
        case .int8: for i in 0..<count { body(Int64(Int8(bitPattern: raw[i]))) }
        case .uint8, .bool: for i in 0..<count { body(Int64(raw[i])) }
        case .int16: for i in 0..<count { body(Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))) }
        case .uint16: for i in 0..<count { body(Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))) }
        case .int32: for i in 0..<count { body(Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))) }
        case .uint32: for i in 0..<count { body(Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))) }
        case .int64: for i in 0..<count { body(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
        case .uint64:
            for i in 0..<count {
                let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                body(Int64(exactly: v) ?? Int64.max)
            }
        case .int4, .uint4:
            // Two elements per byte, the first in the low nibble.
            for i in 0..<count {
                let nibble = (raw[i / 2] >> (i % 2 == 0 ? 0 : 4)) & 0x0f
                body(type == .int4 ? Int64(Int8(bitPattern: nibble << 4) >> 4) : Int64(nibble))
            }
        case .float: for i in 0..<count { body(Int64(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))))) }
        default: break
        }
        return count
    }

    /// Elements of `raw` that are exactly zero, counted over bit patterns (sign bit masked for floats).
    static func zeroCount(_ raw: UnsafeRawBufferPointer, _ type: ONNXDataType, _ count: Int) -> Int {
        guard count > 0, let p = raw.baseAddress else { return 0 }
        switch type {
        case .float: return countZeros(p, count, UInt32.self, mask: 0x7fff_ffff)
        case .int32, .uint32: return countZeros(p, count, UInt32.self, mask: ~0)
        case .double: return countZeros(p, count, UInt64.self, mask: 0x7fff_ffff_ffff_ffff)
        case .int64, .uint64: return countZeros(p, count, UInt64.self, mask: ~0)
        case .float16, .bfloat16: return countZeros(p, count, UInt16.self, mask: 0x7fff)
        case .int16, .uint16: return countZeros(p, count, UInt16.self, mask: ~0)
        case .float8e4m3fn, .float8e5m2: return countZeros(p, count, UInt8.self, mask: 0x7f)
        case .int8, .uint8, .bool, .float8e4m3fnuz, .float8e5m2fnuz: return countZeros(p, count, UInt8.self, mask: ~0)
        case .int4, .uint4, .float4e2m1:
            let mask: UInt8 = type == .float4e2m1 ? 0x7 : 0xf
            var zeros = 0
            for i in 0..<count where (raw[i / 2] >> (i % 2 == 0 ? 0 : 4)) & mask == 0 { zeros += 1 }
            return zeros
        case .complex64, .complex128, .string, .float8e8m0, .int2, .uint2: return 0
        }
    }

    @inline(__always)
    private static func countZeros<W: FixedWidthInteger & UnsignedInteger>(_ p: UnsafeRawPointer, _ n: Int, _: W.Type, mask: W) -> Int {
        // A 32-bit counter per 4096-element chunk keeps the inner loop narrow so it vectorises.
        let size = MemoryLayout<W>.size
        var zeros = 0
        var i = 0
        while i < n {
            let end = min(n, i + 4096)
            var c: UInt32 = 0
            var j = i
            while j < end {
                c &+= (p.loadUnaligned(fromByteOffset: j &* size, as: W.self) & mask) == 0 ? 1 : 0
                j &+= 1
            }
            zeros &+= Int(c)
            i = end
        }
        return zeros
    }
}

/// Reading values out of TensorProto's typed repeated fields, piece by piece on the wire.
enum TypedValues {
    /// Whether `type` is stored two elements per int32_data entry (the onnx helper packs 4-bit values
    /// into bytes first, the low nibble holding the earlier element).
    static func isPackedNibbles(_ type: ONNXDataType) -> Bool { type == .int4 || type == .uint4 }

    /// Calls `body` with each value as Double; returns how many there were.
    static func forEach(_ file: ModelFile, _ field: TypedField, _ pieces: [TypedPiece], _ type: ONNXDataType,
                        count: Int, _ body: (Double) -> Void) throws -> Int {
        if isPackedNibbles(type) {
            return try forEachInteger(file, field, pieces, type, count: count) { body(Double($0)) }
        }
        return try walk(file, field, pieces) { bits in
            switch field {
            case .floatData: body(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
            case .doubleData: body(Double(bitPattern: bits))
            case .uint64Data: body(Double(bits))
            case .int64Data: body(Double(Int64(bitPattern: bits)))
            case .int32Data:
                // int32_data also carries 16-bit floats as their bit patterns.
                let v = Int32(truncatingIfNeeded: bits)
                switch type {
                case .float16: body(Double(float16: UInt16(truncatingIfNeeded: v)))
                case .bfloat16: body(Double(Float(bitPattern: UInt32(UInt16(truncatingIfNeeded: v)) << 16)))
                default: body(Double(v))
                }
            }
        }
    }

    /// Calls `body` with each value as Int64; returns how many there were.
    static func forEachInteger(_ file: ModelFile, _ field: TypedField, _ pieces: [TypedPiece], _ type: ONNXDataType,
                               count: Int, _ body: (Int64) -> Void) throws -> Int {
        if isPackedNibbles(type) {
            // Each entry is one byte of two nibbles; an odd count leaves the last high nibble unused.
            var n = 0
            let entries = try walk(file, field, pieces) { bits in
                for shift in [0, 4] where n < count {
                    let nibble = UInt8(truncatingIfNeeded: bits >> UInt64(shift)) & 0x0f
                    body(type == .int4 ? Int64(Int8(bitPattern: nibble << 4) >> 4) : Int64(nibble))
                    n += 1
                }
            }
            // Entries beyond the shape's need are reported as a mismatch, as for every other type.
            return entries > (count + 1) / 2 ? 2 * entries : n
        }
        return try walk(file, field, pieces) { bits in
            switch field {
            case .int32Data: body(Int64(Int32(truncatingIfNeeded: bits)))
            case .uint64Data: body(Int64(exactly: bits) ?? Int64.max)
            default: body(Int64(bitPattern: bits))
            }
        }
    }

    /// Every element's raw 64-bit pattern (fixed32 zero-extended, varints as read).
    private static func walk(_ file: ModelFile, _ field: TypedField, _ pieces: [TypedPiece],
                             _ body: (UInt64) -> Void) throws -> Int {
        var n = 0
        let bytes = file.all
        for piece in pieces {
            var r = WireReader(bytes, range: piece.range)
            while !r.isAtEnd {
                if !piece.packed { _ = try r.tag() }
                switch field.elementWire {
                case .fixed32: body(UInt64(try r.fixed32()))
                case .fixed64: body(try r.fixed64())
                default: body(try r.varint())
                }
                n += 1
            }
        }
        return n
    }
}

extension Double {
    /// The value of an IEEE half-precision bit pattern.
    init(float16 bits: UInt16) {
        let sign = (bits & 0x8000) != 0 ? -1.0 : 1.0
        let exponent = Int((bits >> 10) & 0x1f)
        let fraction = Double(bits & 0x3ff)
        switch exponent {
        case 0: self = sign * fraction * 0x1p-24
        case 31: self = fraction == 0 ? sign * .infinity : .nan
        default: self = sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
