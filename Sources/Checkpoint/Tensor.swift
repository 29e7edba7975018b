/// Where a tensor's bytes live: one storage record, loaded once and shared by every tensor
/// (views, tied weights) that names its key. The buffer is bound after the pickle is parsed.
final class StorageRef: @unchecked Sendable {
    let key: String
    let dtype: DType
    /// Element count the persistent id declares.
    let numel: Int
    /// Set once by the loader before any tensor is used.
    var buffer: StorageBuffer?

    init(key: String, dtype: DType, numel: Int) {
        self.key = key; self.dtype = dtype; self.numel = numel
    }

    /// Bytes the persistent id says this storage holds.
    var byteCount: Int { numel * dtype.byteSize }
}

/// A strided view into one storage (storages are shared: tied weights, views).
public struct Tensor: Sendable {
    /// Element type.
    public let dtype: DType
    /// Size of each dimension.
    public let shape: [Int]
    /// Step of each dimension, in elements.
    public let strides: [Int]
    /// First element's index in the storage, in elements.
    public let storageOffset: Int
    /// The storage record key (zip: `data/<key>`; legacy: the root key).
    public let storageKey: String
    /// Product of `shape` (checked against overflow when the tensor was built).
    public let count: Int
    /// Scales, zero points and scheme of a torch.ao quantized tensor (dtype qint8, quint8, qint32, quint4x2).
    public let quantization: Quantization?
    let storage: StorageRef

    /// Builds a tensor after checking shape and strides arithmetic; bounds against the storage are
    /// checked by `checkBounds` once the storage bytes are known.
    init(storage: StorageRef, offset: Int, shape: [Int], strides: [Int], quantization: Quantization? = nil) throws {
        guard shape.count == strides.count else {
            throw FormatError("tensor has \(shape.count) sizes but \(strides.count) strides")
        }
        guard shape.count <= 64 else { throw FormatError("tensor has \(shape.count) dimensions") }
        guard offset >= 0 else { throw FormatError("tensor has negative storage offset \(offset)") }
        var n = 1
        for d in shape {
            guard d >= 0 else { throw FormatError("tensor has negative size \(d) in shape \(shape)") }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard !o else { throw FormatError("tensor shape \(shape) overflows: its element count does not fit in 64 bits") }
            n = p
        }
        for s in strides where s < 0 {
            throw FormatError("tensor has negative stride \(s) in strides \(strides)")
        }
        self.dtype = storage.dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = offset
        self.storageKey = storage.key
        self.count = n
        self.quantization = quantization
        self.storage = storage
    }

    /// True when the elements are laid out row-major without gaps.
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// Checks that every element the view can reach lies inside its storage's bytes.
    func checkBounds() throws {
        guard let buf = storage.buffer else { throw FormatError("storage '\(storageKey)' was never loaded") }
        let available = buf.bytes.count / dtype.byteSize * (dtype == .quint4x2 ? 2 : 1)
        if count == 0 {
            guard storageOffset <= available else {
                throw FormatError("tensor offset \(storageOffset) is beyond storage '\(storageKey)' of \(available) elements")
            }
            return
        }
        var last = storageOffset
        for (d, s) in zip(shape, strides) {
            let (m, o1) = (d - 1).multipliedReportingOverflow(by: s)
            let (sum, o2) = last.addingReportingOverflow(m)
            guard !o1, !o2 else { throw FormatError("tensor shape \(shape) with strides \(strides) overflows") }
            last = sum
        }
        guard last < available else {
            throw FormatError("tensor (offset \(storageOffset), shape \(shape), strides \(strides)) reaches element \(last) but storage '\(storageKey)' has \(available)")
        }
        // A view that reads storage elements repeatedly (stride 0 from expand, overlapping as_strided)
        // may claim far more elements than its storage holds; every pass over it (zero counting,
        // conversion) is bounded by refusing views beyond 4× their storage or the materialising budget.
        guard count <= max(available.multipliedReportingOverflow(by: 4).partialValue, Self.maxRepeatedViewElements) || count <= available else {
            throw FormatError("tensor (shape \(shape), strides \(strides)) repeats the \(available) element(s) of storage '\(storageKey)' as \(count) elements, beyond micronet's budget of \(Self.maxRepeatedViewElements) elements (\((Self.maxRepeatedViewElements * 4) >> 20) MiB as float32) for a view; refusing it")
        }
    }

    /// Most elements a view larger than 4× its storage may have (2^26: 256 MiB as float32), so that
    /// zero counting and conversion stay bounded by the storage bytes or this stated budget.
    public static let maxRepeatedViewElements = 1 << 26

    /// Bytes of the tensor's elements as its dtype (count × element size), nil beyond Int64.
    public var logicalByteCount: Int? {
        let (b, o) = count.multipliedReportingOverflow(by: dtype.byteSize)
        return o ? nil : b
    }

    var bytes: UnsafeRawBufferPointer { storage.buffer?.bytes ?? UnsafeRawBufferPointer(start: nil, count: 0) }

    /// Storage element indices of every element, row-major in `shape`.
    func forEachIndex(_ body: (Int) -> Void) {
        if count == 0 { return }
        if isContiguous {
            for i in 0..<count { body(storageOffset + i) }
            return
        }
        var idx = [Int](repeating: 0, count: shape.count)
        var pos = storageOffset
        for _ in 0..<count {
            body(pos)
            var d = shape.count - 1
            while d >= 0 {
                // Wrapping: stepping past the last index of a dimension may leave Int64 (stride
                // 2^63−1 on a size-1 dimension) before it is undone; every index handed out was
                // bounds-checked at load.
                idx[d] &+= 1
                pos = pos &+ strides[d]
                if idx[d] < shape[d] { break }
                pos = pos &- strides[d] &* shape[d]
                idx[d] = 0
                d -= 1
            }
        }
    }

    /// Element `i` of the storage converted to Float.
    @inline(__always)
    func element(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Float {
        switch dtype {
        case .float32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case .float16: return Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
        case .bfloat16: return Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
        case .float64: return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
        case .int8: return Float(Int8(bitPattern: raw[i]))
        case .uint8: return Float(raw[i])
        case .bool: return raw[i] != 0 ? 1 : 0
        case .int16: return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
        case .int32: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case .int64: return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        // Quantized tensors: the stored integer (`int_repr()`); `dequantized()` applies scale and zero point.
        case .qint8: return Float(Int8(bitPattern: raw[i]))
        case .quint8: return Float(raw[i])
        case .qint32: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case .quint4x2: return Float(i % 2 == 0 ? raw[i / 2] & 0x0f : raw[i / 2] >> 4)  // low nibble first
        }
    }

    /// Element `i` of the storage converted to Double (exact for every dtype but int64 beyond 2^53).
    @inline(__always)
    func elementDouble(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Double {
        switch dtype {
        case .float64: return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
        case .int64: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case .int32, .qint32: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        default: return Double(element(raw, i))
        }
    }

    /// Values as Float (converting f16/bf16/f64/ints; quantized tensors give their stored integers), in row-major
    /// order of `shape`. Bounds already checked at load.
    public func toFloat32() -> [Float] {
        let raw = bytes
        var out = [Float](); out.reserveCapacity(count)
        forEachIndex { out.append(element(raw, $0)) }
        return out
    }

    /// Values as Double, in row-major order of `shape` (for checksums and int64 buffers).
    public func toFloat64() -> [Double] {
        let raw = bytes
        var out = [Double](); out.reserveCapacity(count)
        forEachIndex { out.append(elementDouble(raw, $0)) }
        return out
    }

    /// Zero-copy when the tensor is contiguous little-endian float32 (pointer into the mapped file), else a converted copy.
    public func withFloat32<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        if dtype == .float32, isContiguous, let base = bytes.baseAddress {
            let p = base + storageOffset * 4
            if Int(bitPattern: p) % MemoryLayout<Float>.alignment == 0 {
                return try body(UnsafeBufferPointer(start: p.assumingMemoryBound(to: Float.self), count: count))
            }
        }
        let copy = toFloat32()
        return try copy.withUnsafeBufferPointer(body)
    }

    /// Fraction of elements exactly equal to zero (both signed zeros).
    public func zeroFraction() -> Double {
        if count == 0 { return 0 }
        return Double(zeroCount()) / Double(count)
    }

    /// Number of elements exactly equal to zero; a tight loop over bit patterns with the sign bit
    /// masked for floats, so it runs at memory speed over mapped weights.
    public func zeroCount() -> Int {
        let raw = bytes
        guard count > 0, let base = raw.baseAddress else { return 0 }
        if let q = quantization { return q.zeroCount(self) }
        if isContiguous {
            let start = base + storageOffset * dtype.byteSize
            switch dtype {
            case .float32: return Self.countZeros(start, count, UInt32.self, mask: 0x7fff_ffff)
            case .int32: return Self.countZeros(start, count, UInt32.self, mask: 0xffff_ffff)
            case .float16, .bfloat16: return Self.countZeros(start, count, UInt16.self, mask: 0x7fff)
            case .int16: return Self.countZeros(start, count, UInt16.self, mask: 0xffff)
            case .float64: return Self.countZeros(start, count, UInt64.self, mask: 0x7fff_ffff_ffff_ffff)
            case .int64: return Self.countZeros(start, count, UInt64.self, mask: ~0)
            case .int8, .uint8, .bool: return Self.countZeros(start, count, UInt8.self, mask: 0xff)
            case .qint8, .quint8, .qint32, .quint4x2: break  // a quantized dtype without its quantizer: counted below
            }
        }
        var zeros = 0
        forEachIndex { if elementDouble(raw, $0) == 0 { zeros += 1 } }
        return zeros
    }

    @inline(__always)
    private static func countZeros<W: FixedWidthInteger & UnsignedInteger>(_ p: UnsafeRawPointer, _ n: Int, _: W.Type, mask: W) -> Int {
        // Unaligned loads (legacy files pack storages back to back) cost nothing on x86 and
        // vectorise; the 32-bit chunk counter keeps the inner loop narrow and cannot overflow.
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
