import Checkpoint
import Foundation
import Graph

/// How measured sparsity applies to a checkpoint's weights.
public struct SparsityPolicy: Sendable, Equatable {
    /// Bits per parameter: a weight counts sparse only where its values plus a 1-bit mask take fewer bits than dense.
    public var paramBits: Double
    /// False when the user gave a global sparsity, which then overrides what is measured.
    public var measure: Bool

    /// Creates a policy.
    public init(paramBits: Double, measure: Bool) {
        self.paramBits = paramBits
        self.measure = measure
    }

    /// The first note line: how sparsity was decided.
    var header: String {
        guard measure else { return "sparsity: the global --sparsity applies (measured sparsity not used)" }
        let bits = paramBits == paramBits.rounded() ? String(Int(paramBits)) : "\(paramBits)"
        return "sparsity measured from the checkpoint's zeros; sparse (values + 1-bit mask) only where smaller than dense at \(bits) bits:"
    }

    /// The sparsity to count `weight` at (nil: dense) for op `op`, and the note line saying so;
    /// `bits` is the op's own parameter width where it has one.
    func decide(op: String, weight: WeightTensor, bits: Double? = nil) -> (sparsity: Double?, note: String) {
        let paramBits = bits ?? self.paramBits
        let zeros = weight.zeroFraction()
        let elements = Double(weight.elementCount)
        let sparseBits = sparseSizeBits(elements: elements, bits: paramBits, sparsity: zeros)
        let denseBits = elements * paramBits
        let percent = String(format: "%.2f%%", zeros * 100)
        let source = weight.mask == nil ? "zeros" : "zeros (pruning mask applied)"
        if zeros > 0 && sparseBits < denseBits {
            return (zeros, "  \(op): \(weight.label) \(percent) \(source) -> sparse (\(Self.megabytes(sparseBits)) MB < \(Self.megabytes(denseBits)) MB dense)")
        }
        return (nil, "  \(op): \(weight.label) \(percent) \(source) -> dense")
    }

    private static func megabytes(_ bits: Double) -> String { String(format: "%.6g", bits / 8 / 1e6) }
}
