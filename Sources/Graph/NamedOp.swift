/// An op's own bit widths; nil fields take the global settings.
public struct OpBits: Equatable, Sendable {
    /// Bits per stored parameter (graph-file key `param_bits`).
    public var param: Int?
    /// Bits of the multiplications' inputs (`input_bits`).
    public var input: Int?
    /// Bits of the accumulators (`accumulator_bits`).
    public var accumulator: Int?
    /// Total bits of stored quantizer scales and zero points (`quantizer_bits`): parameter storage, not parameters.
    public var quantizer: Int?

    /// Creates bit widths; all nil means "use the global settings".
    public init(param: Int? = nil, input: Int? = nil, accumulator: Int? = nil, quantizer: Int? = nil) {
        self.param = param
        self.input = input
        self.accumulator = accumulator
        self.quantizer = quantizer
    }

    /// Whether the op sets no width of its own.
    public var isEmpty: Bool { param == nil && input == nil && accumulator == nil && quantizer == nil }

    /// Whether the op's own parameter or input width is below 16 bits (quantized: no freebie for the model).
    public var isQuantized: Bool { (param.map { $0 < 16 } ?? false) || (input.map { $0 < 16 } ?? false) }
}

/// An op with its name and, optionally, its own weight sparsity and bit widths (overriding the global ones).
public struct NamedOp: Equatable, Sendable {
    public var name: String
    public var op: any OpKind
    /// Fraction of zero weights in [0, 1); nil means "use the global sparsity".
    public var sparsity: Double?
    /// The op's own bit widths.
    public var bits: OpBits

    /// Creates a named op.
    public init(_ name: String, _ op: any OpKind, sparsity: Double? = nil, bits: OpBits = OpBits()) {
        self.name = name
        self.op = op
        self.sparsity = sparsity
        self.bits = bits
    }

    public static func == (lhs: NamedOp, rhs: NamedOp) -> Bool {
        lhs.name == rhs.name && lhs.op.isEqual(to: rhs.op) && lhs.sparsity == rhs.sparsity && lhs.bits == rhs.bits
    }
}
