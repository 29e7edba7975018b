/// Number format weights and activations are rounded to at each op boundary (sums stay float32).
public enum Precision: String, CaseIterable, Sendable {
    case fp32, fp16, bf16

    /// Rounds one value to this format and back to Float (identity for fp32).
    @inlinable @inline(__always)
    public func round(_ x: Float) -> Float {
        switch self {
        case .fp32: return x
        case .fp16: return Float(Float16(x))
        case .bf16: return Precision.roundToBFloat16(x)
        }
    }

    /// Rounds `count` floats in place (nothing for fp32).
    public func round(_ p: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .fp32: return
        case .fp16: for i in 0..<count { p[i] = Float(Float16(p[i])) }
        case .bf16: for i in 0..<count { p[i] = Precision.roundToBFloat16(p[i]) }
        }
    }

    /// Round-to-nearest-even to bfloat16 (the upper 16 bits of a float32), NaN kept NaN.
    @inlinable @inline(__always)
    public static func roundToBFloat16(_ x: Float) -> Float {
        if x.isNaN { return x }
        let bits = x.bitPattern
        let rounded = bits &+ (0x7FFF &+ ((bits >> 16) & 1))
        return Float(bitPattern: rounded & 0xFFFF_0000)
    }
}
