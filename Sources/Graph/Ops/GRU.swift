/// One GRU layer for one token (torch.nn.GRU, gates r, z, n): input I, hidden H, `biasVectors` b (PyTorch stores 2).
///
///   r = σ(W_ir x + W_hr h + b_r),  z = σ(W_iz x + W_hz h + b_z),  n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
///   h' = (1 − z) ⊙ n + z ⊙ h
/// Params 3H(I+H) + b·3H; mults 3H(I+H) + 10H (two sigmoids at 2 each, tanh at 3, r ⊙ (·), (1 − z) ⊙ n, z ⊙ h);
/// adds 3H(I+H−1) + b·3H + 6H (the gate sums as an LSTM's, the sigmoids at 1 each, tanh at 2, 1 − z and the
/// final sum). Weights thin with sparsity as a FullyConnected's do; biases never.
public struct GRU: OpKind {
    public static let typeName = "GRU"
    public static let fieldNames = ["input_size", "hidden_size", "bias_vectors"]
    public static let hasWeights = true

    public var inputSize: Int
    public var hiddenSize: Int
    /// 0, 1 or 2 bias vectors of 3H each.
    public var biasVectors: Int

    /// Creates a GRU layer description.
    public init(inputSize: Int, hiddenSize: Int, biasVectors: Int = 2) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.biasVectors = biasVectors
    }

    public init(reading r: OpFieldReader) throws {
        self.init(inputSize: try r.size("input_size"), hiddenSize: try r.size("hidden_size"),
                  biasVectors: try r.optionalInt("bias_vectors", in: 0...2) ?? 2)
        _ = try r.product([3, hiddenSize, inputSize + hiddenSize], "hidden_size")
    }

    public var fields: [(String, JSONValue)] {
        [("input_size", .int(inputSize)), ("hidden_size", .int(hiddenSize)), ("bias_vectors", .int(biasVectors))]
    }

    public var info: [Int] { [-1, -1, inputSize, hiddenSize] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let i = Double(inputSize), h = Double(hiddenSize), b = Double(biasVectors), keep = 1 - c.sparsity
        let gates = 3 * h * (i + h)
        var cost = OpCost.zero
        cost.paramBits = sparseSizeBits(elements: gates, bits: c.paramBits, sparsity: c.sparsity) + b * 3 * h * c.paramBits
        cost.params = gates * keep + b * 3 * h
        let length = (i + h) * keep
        cost.mults = 3 * h * length + 10 * h
        cost.adds = 3 * h * dotProductAdds(length) + b * 3 * h + 6 * h
        return cost
    }
}
