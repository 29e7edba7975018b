/// A lookup table of `inputSize` rows (the vocabulary) and `nChannels` columns: stored, looked up for free.
///
/// The seed's counter ignores the global sparsity here, so only an op's own (measured) sparsity thins the table.
public struct Embedding: OpKind {
    public static let typeName = "Embedding"
    public static let fieldNames = ["input_size", "n_channels"]
    public static let hasWeights = true

    public var inputSize: Int
    public var nChannels: Int

    /// Creates an embedding description.
    public init(inputSize: Int, nChannels: Int) {
        self.inputSize = inputSize
        self.nChannels = nChannels
    }

    public init(reading r: OpFieldReader) throws {
        self.init(inputSize: try r.size("input_size"), nChannels: try r.size("n_channels"))
        _ = try r.product([inputSize, nChannels], "n_channels")
    }

    public var fields: [(String, JSONValue)] { [("input_size", .int(inputSize)), ("n_channels", .int(nChannels))] }
    public var info: [Int] { [-1, -1, -1, -1] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let elements = Double(inputSize) * Double(nChannels)
        let own = c.ownSparsity ?? 0
        return OpCost(paramBits: own > 0 ? sparseSizeBits(elements: elements, bits: c.paramBits, sparsity: own) : elements * c.paramBits,
                      mults: 0, adds: 0, params: elements * (1 - own))
    }
}
