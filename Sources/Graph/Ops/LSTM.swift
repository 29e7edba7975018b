/// One LSTM layer for one token: input I, hidden H, `biasVectors` b (PyTorch stores 2), optional projection P.
///
/// Params 4H(I+H) + b·4H; mults 4H(I+H) + 15H; adds 4H(I+H−1) + b·4H + 8H (gate products and sums, the
/// activations at their costs, the cell and hidden updates). A projection H→P without bias adds H·P params,
/// H·P mults and (H−1)·P adds while the recurrence stays on H: the accounting of the challenge's baseline.
/// Weights thin with sparsity as a FullyConnected's do; biases never.
public struct LSTM: OpKind {
    public static let typeName = "LSTM"
    public static let fieldNames = ["input_size", "hidden_size", "bias_vectors", "proj_size"]
    public static let hasWeights = true

    public var inputSize: Int
    public var hiddenSize: Int
    /// 0, 1 or 2 bias vectors of 4H each.
    public var biasVectors: Int
    /// The output projection's width, if any.
    public var projectionSize: Int?

    /// Creates an LSTM layer description.
    public init(inputSize: Int, hiddenSize: Int, biasVectors: Int = 2, projectionSize: Int? = nil) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.biasVectors = biasVectors
        self.projectionSize = projectionSize
    }

    public init(reading r: OpFieldReader) throws {
        self.init(inputSize: try r.size("input_size"), hiddenSize: try r.size("hidden_size"),
                  biasVectors: try r.optionalInt("bias_vectors", in: 0...2) ?? 2,
                  projectionSize: try r.optionalInt("proj_size", in: 1...OpFieldReader.maxSize))
        _ = try r.product([4, hiddenSize, inputSize + hiddenSize], "hidden_size")
        _ = try r.product([hiddenSize, projectionSize ?? 1], "proj_size")
    }

    public var fields: [(String, JSONValue)] {
        [("input_size", .int(inputSize)), ("hidden_size", .int(hiddenSize)), ("bias_vectors", .int(biasVectors))]
            + (projectionSize.map { [("proj_size", .int($0))] } ?? [])
    }

    public var info: [Int] { [-1, -1, inputSize, hiddenSize] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let i = Double(inputSize), h = Double(hiddenSize), b = Double(biasVectors), keep = 1 - c.sparsity
        let gates = 4 * h * (i + h)
        let projection = projectionSize.map { h * Double($0) } ?? 0
        var cost = OpCost.zero
        cost.paramBits = sparseSizeBits(elements: gates + projection, bits: c.paramBits, sparsity: c.sparsity)
            + b * 4 * h * c.paramBits
        cost.params = (gates + projection) * keep + b * 4 * h
        let length = (i + h) * keep
        cost.mults = 4 * h * length + 15 * h
        cost.adds = 4 * h * dotProductAdds(length) + b * 4 * h + 8 * h
        if let p = projectionSize.map(Double.init) {
            cost.mults += h * keep * p
            cost.adds += dotProductAdds(h * keep) * p
        }
        return cost
    }
}
