import Graph

/// Bit widths, sparsity and convention of one count (the arguments of the reference's print_summary).
///
/// These are the global values: an op's own bits and sparsity win over them (`resolve(for:)`).
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

    /// The one place an op's own bits and sparsity meet the global settings: the op's win, globals fill the rest.
    public func resolve(for named: NamedOp) -> OpCostContext {
        OpCostContext(paramBits: named.bits.param.map(Double.init) ?? paramBits,
                      inputBits: named.bits.input.map(Double.init) ?? inputBits,
                      accumulatorBits: named.bits.accumulator.map(Double.init) ?? accumulatorBits,
                      quantizerBits: named.bits.quantizer.map(Double.init) ?? 0,
                      sparsity: named.sparsity ?? sparsity, ownSparsity: named.sparsity, convention: convention)
    }

    /// Checks every width is an integer from 1 to 64 and the sparsity is in [0, 1); the message names the setting.
    public func validate() throws {
        for (name, value) in [("param bits", paramBits), ("input bits", inputBits), ("accumulator bits", accumulatorBits),
                              ("add bits base", addBitsBase), ("mul bits base", mulBitsBase)] {
            try Self.checkBits(value, name: name)
        }
        guard sparsity >= 0 && sparsity < 1 else { throw CountSettingsError("sparsity must be in [0, 1), got \(sparsity)") }
    }

    /// Throws unless `value` is an integer from 1 to 64 ("--param-bits must be an integer from 1 to 64, got 1e+12").
    public static func checkBits(_ value: Double, name: String) throws {
        let range = GraphFile.bitRange
        guard value.isFinite, value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw CountSettingsError("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
    }

    /// The freebie rule: a model with an op quantized below 16 bits may not count its other ops at 16.
    ///
    /// Global parameter or input widths from 16 up to 32 (the freebie, asked for or by default) fall back to 32 on
    /// such a model; a note says why. Lower global widths are a claim of quantization and stay.
    public func applyingFreebieRule(to graph: OpGraph) -> (settings: CountSettings, note: String?) {
        let claims = (16..<32).contains(paramBits) || (16..<32).contains(inputBits)
        guard claims, let quantized = graph.allOps.first(where: { $0.op.bits.isQuantized }) else { return (self, nil) }
        var s = self
        if (16..<32).contains(s.paramBits) { s.paramBits = 32 }
        if (16..<32).contains(s.inputBits) { s.inputBits = 32 }
        let b = quantized.op.bits
        let what = [b.param.map { "param_bits \($0)" }, b.input.map { "input_bits \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return (s, "the 16-bit freebie is refused: op '\(quantized.op.name)' is quantized below 16 bits (\(what)); "
                + "ops without bits of their own stay at 32 bits")
    }
}

/// A setting out of range.
public struct CountSettingsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// Creates an error with its one-line message.
    public init(_ description: String) { self.description = description }
}
