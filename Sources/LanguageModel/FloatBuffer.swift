/// A read-only run of floats that is either owned (converted or rounded weights) or borrowed
/// from memory someone else keeps alive (a memory-mapped checkpoint), so float32 weights are never copied.
public struct FloatBuffer: @unchecked Sendable {
    /// First element.
    public let base: UnsafePointer<Float>
    /// Number of elements.
    public let count: Int
    // Keeps the memory alive: an OwnedFloats for copies, the loaded checkpoint for borrowed views.
    private let owner: AnyObject?

    /// Copies `values` into memory owned by the buffer.
    public init(_ values: [Float]) {
        let owned = OwnedFloats(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let s = src.baseAddress { owned.pointer.update(from: s, count: values.count) }
        }
        self.base = UnsafePointer(owned.pointer)
        self.count = values.count
        self.owner = owned
    }

    /// Borrows `count` floats at `base`; `owner` must keep that memory valid and unchanged.
    public init(borrowing base: UnsafePointer<Float>, count: Int, owner: AnyObject) {
        self.base = base
        self.count = count
        self.owner = owner
    }

    /// Element `i` (unchecked beyond a debug assertion: shapes are validated when the weights are built).
    @inlinable @inline(__always)
    public subscript(i: Int) -> Float {
        assert(i >= 0 && i < count)
        return base[i]
    }

    /// A copy with every element passed through `transform` (used to round weights to 16-bit formats).
    public func map(_ transform: (Float) -> Float) -> FloatBuffer {
        let owned = OwnedFloats(count: count)
        for i in 0..<count { owned.pointer[i] = transform(base[i]) }
        return FloatBuffer(owned: owned)
    }

    init(owned: OwnedFloats) {
        self.base = UnsafePointer(owned.pointer)
        self.count = owned.count
        self.owner = owned
    }
}

/// Heap floats freed with their last reference.
final class OwnedFloats {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    /// `zeroed: false` leaves the memory for the caller to fill completely before reading it.
    init(count: Int, zeroed: Bool = true) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: max(count, 1)) }
    }
    deinit { pointer.deallocate() }
}

extension FloatBuffer {
    /// Index and value of the first NaN or infinite element, described for an error message, or nil.
    public func firstNonFinite() -> String? {
        // A sum is finite exactly when every term is (barring overflow), so the common case is one fast pass.
        var s = SIMD8<Float>(repeating: 0), i = 0
        while i + 8 <= count {
            s += UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self) * 0
            i += 8
        }
        var tail: Float = 0
        while i < count { tail += base[i] * 0; i += 1 }
        if s.sum() == 0 && tail == 0 { return nil }
        for i in 0..<count where !base[i].isFinite { return "[\(i)] = \(base[i])" }
        return nil
    }
}
