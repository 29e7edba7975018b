import Graph

/// Bit widths, sparsity and convention of one count (the arguments of the reference's print_summary).
public struct CountSettings: Equatable, Sendable {
    /// Bits per stored parameter.
    public var paramBits: Double
    /// Bits of the inputs of a multiplication (the reference's mul_bits).
    public var inputBits: Double
    /// Bits of an addition's accumulator (the reference's add_bits).
    public var accumulatorBits: Double
    /// Bit width that counts as one addition.
    public var addBitsBase: Double
    /// Bit width that counts as one multiplication.
    public var mulBitsBase: Double
    /// Global weight sparsity in [0, 1); an op's own sparsity overrides it.
    public var sparsity: Double
    /// Which language-model work is counted.
    public var convention: CountingConvention

    /// Creates settings; the defaults are full 32-bit precision, dense, the seed's convention.
    public init(paramBits: Double = 32, inputBits: Double = 32, accumulatorBits: Double = 32,
                addBitsBase: Double = 32, mulBitsBase: Double = 32, sparsity: Double = 0,
                convention: CountingConvention = .seed) {
        self.paramBits = paramBits
        self.inputBits = inputBits
        self.accumulatorBits = accumulatorBits
        self.addBitsBase = addBitsBase
        self.mulBitsBase = mulBitsBase
        self.sparsity = sparsity
        self.convention = convention
    }

    /// The challenge's "freebie" for unquantized entries: 16-bit parameters and multiplications, 32-bit adds.
    public static let freebie = CountSettings(paramBits: 16, inputBits: 16, accumulatorBits: 32)
}
