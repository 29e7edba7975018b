import Checkpoint
import Counter
import Graph
import Foundation

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
    var header: String { header(measuredFrom: "the checkpoint's zeros") }

    /// The first note line, naming where zeros were measured ("the initializers' zeros").
    func header(measuredFrom source: String) -> String {
        guard measure else { return "sparsity: the global --sparsity applies (measured sparsity not used)" }
        let bits = paramBits == paramBits.rounded() ? String(Int(paramBits)) : "\(paramBits)"
        return "sparsity measured from \(source); sparse (values + 1-bit mask) only where smaller than dense at \(bits) bits (or at an op's own bits):"
    }

    /// The sparsity to count `weight` at (nil: dense) for op `op`, and the note line saying so;
    /// `bits` is the op's own parameter width when it has one.
    func decide(op: String, weight: WeightTensor, bits: Double? = nil) -> (sparsity: Double?, note: String) {
        decide(op: op, label: weight.label, elements: Double(weight.elementCount), zeroFraction: weight.zeroFraction(),
               source: weight.mask == nil ? "zeros" : "zeros (pruning mask applied)", bits: bits)
    }

    /// The rule for any measured weight (checkpoint tensors, ONNX initializers): sparse only where the
    /// non-zero values plus a 1-bit mask take fewer bits than the dense tensor.
    func decide(op: String, label: String, elements: Double, zeroFraction zeros: Double, source: String = "zeros",
                bits: Double? = nil) -> (sparsity: Double?, note: String) {
        let paramBits = bits ?? self.paramBits
        let sparseBits = sparseSizeBits(elements: elements, bits: paramBits, sparsity: zeros)
        let denseBits = elements * paramBits
        let percent = String(format: "%.2f%%", zeros * 100)
        if zeros > 0 && sparseBits < denseBits {
            return (zeros, "  \(op): \(label) \(percent) \(source) -> sparse (\(Self.megabytes(sparseBits)) MB < \(Self.megabytes(denseBits)) MB dense)")
        }
        return (nil, "  \(op): \(label) \(percent) \(source) -> dense")
    }

    private static func megabytes(_ bits: Double) -> String { String(format: "%.6g", bits / 8 / 1e6) }
}
