/// One kind of op: its graph-file form, its reference info row and its counting rule, in one place.
///
/// Adding a kind is one file in `Sources/Graph/Ops/`, one line in `OpRegistry.kinds`, and its tests.
public protocol OpKind: Equatable, Sendable {
    /// The type name graph files use in `"op"`.
    static var typeName: String { get }
    /// The kind's own graph-file fields (besides name, op, sparsity and the bit widths), in write order.
    static var fieldNames: [String] { get }
    /// Whether the op stores weights that sparsity can thin out (only then may it carry `sparsity`).
    static var hasWeights: Bool { get }
    /// Reads and range-checks the kind's fields.
    init(reading fields: OpFieldReader) throws
    /// The kind's fields as a graph file writes them.
    var fields: [(String, JSONValue)] { get }
    /// The reference's get_info row: inp_size, kernel_size, in channels, out channels (−1 where none).
    var info: [Int] { get }
    /// Raw params (in bits and values), mults and adds at the context's parameter bits and sparsity.
    func cost(_ context: OpCostContext) -> OpCost
}

extension OpKind {
    /// The kind's type name, from an instance.
    public var typeName: String { Self.typeName }
    /// Whether this op stores weights that sparsity can thin out.
    public var hasWeights: Bool { Self.hasWeights }

    /// Equality across kinds: equal only when both are this kind and equal as such.
    public func isEqual(to other: any OpKind) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// What one op is counted with, after the global settings have filled what the op leaves unset.
public struct OpCostContext: Equatable, Sendable {
    /// Bits per stored parameter of this op.
    public var paramBits: Double
    /// Bits of this op's multiplications' inputs.
    public var inputBits: Double
    /// Bits of this op's accumulators.
    public var accumulatorBits: Double
    /// Bits of stored quantizer scales and zero points (storage only, no parameter count).
    public var quantizerBits: Double
    /// Weight sparsity: the op's own, else the global one.
    public var sparsity: Double
    /// The op's own (measured) sparsity only; the embedding ignores the global one, as the seed's counter does.
    public var ownSparsity: Double?
    /// Which language-model work is counted.
    public var convention: CountingConvention

    /// Creates a context.
    public init(paramBits: Double, inputBits: Double = 32, accumulatorBits: Double = 32, quantizerBits: Double = 0,
                sparsity: Double, ownSparsity: Double? = nil, convention: CountingConvention = .seed) {
        self.paramBits = paramBits
        self.inputBits = inputBits
        self.accumulatorBits = accumulatorBits
        self.quantizerBits = quantizerBits
        self.sparsity = sparsity
        self.ownSparsity = ownSparsity
        self.convention = convention
    }
}
