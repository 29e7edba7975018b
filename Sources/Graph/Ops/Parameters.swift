/// Values a model stores that no counted op owns: a position embedding added to the tokens, a class token
/// concatenated to them, the scale and shift of a LayerNorm an exporter wrote out as Mul and Add. They are
/// parameters (the rules count every value needed at inference) and cost no operation of their own: the op
/// that reads them is counted where it stands.
///
/// As for an embedding table, only an op's own (measured) sparsity thins them, never the global one.
public struct Parameters: OpKind {
    public static let typeName = "Parameters"
    public static let fieldNames = ["elements"]
    public static let hasWeights = true

    /// Values stored.
    public var elements: Int

    /// Creates a block of `elements` stored values.
    public init(elements: Int) { self.elements = elements }

    public init(reading r: OpFieldReader) throws { self.init(elements: try r.size("elements")) }

    public var fields: [(String, JSONValue)] { [("elements", .int(elements))] }
    public var info: [Int] { [-1, -1, -1, -1] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let n = Double(elements), own = c.ownSparsity ?? 0
        return OpCost(paramBits: own > 0 ? sparseSizeBits(elements: n, bits: c.paramBits, sparsity: own) : n * c.paramBits,
                      mults: 0, adds: 0, params: n * (1 - own))
    }
}
