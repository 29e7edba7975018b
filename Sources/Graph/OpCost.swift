/// Raw cost of one op or a sum of ops: parameter bits, multiplications, additions (unscaled).
public struct OpCost: Equatable, Sendable {
    /// Bits needed to store the parameters (sparse values plus a one-bit mask when sparse, plus quantizer bits).
    public var paramBits: Double
    /// Multiplications per inference step (per image, per token).
    public var mults: Double
    /// Additions per inference step.
    public var adds: Double
    /// Stored parameter values (non-zero weights plus biases; masks excluded, tied weights counted once).
    public var params: Double
    /// Multiplications grouped by the input bit width they run at (filled by the counter; empty from a kind).
    ///
    /// Summing per width and weighting once keeps a uniform-bit model's figures identical to the digit to
    /// the reference's `mults · mul_bits`, which a sum of per-op products would not be for widths like 9.
    public var multsByBits: [Double: Double]
    /// Additions grouped by the accumulator bit width they run at (filled by the counter).
    public var addsByBits: [Double: Double]

    /// A zero cost.
    public static let zero = OpCost(paramBits: 0, mults: 0, adds: 0, params: 0)

    /// Creates a cost.
    public init(paramBits: Double, mults: Double, adds: Double, params: Double,
                multsByBits: [Double: Double] = [:], addsByBits: [Double: Double] = [:]) {
        self.paramBits = paramBits
        self.mults = mults
        self.adds = adds
        self.params = params
        self.multsByBits = multsByBits
        self.addsByBits = addsByBits
    }

    /// The same cost with its mults booked at `inputBits` and its adds at `accumulatorBits`.
    public func booked(inputBits: Double, accumulatorBits: Double) -> OpCost {
        var c = self
        c.multsByBits = [inputBits: mults]
        c.addsByBits = [accumulatorBits: adds]
        return c
    }

    /// Σ mults·bits over the widths, ascending (nil when nothing was booked).
    public var weightedMults: Double? { Self.weighted(multsByBits) }
    /// Σ adds·bits over the widths, ascending (nil when nothing was booked).
    public var weightedAdds: Double? { Self.weighted(addsByBits) }

    private static func weighted(_ groups: [Double: Double]) -> Double? {
        guard !groups.isEmpty else { return nil }
        return groups.keys.sorted().reduce(0.0) { $0 + groups[$1, default: 0] * $1 }
    }

    /// Sums raw counts, as the reference does before it scales anything.
    public static func + (a: OpCost, b: OpCost) -> OpCost {
        OpCost(paramBits: a.paramBits + b.paramBits, mults: a.mults + b.mults, adds: a.adds + b.adds,
               params: a.params + b.params,
               multsByBits: a.multsByBits.merging(b.multsByBits, uniquingKeysWith: +),
               addsByBits: a.addsByBits.merging(b.addsByBits, uniquingKeysWith: +))
    }
}
