/// A dense layer `[c_in, c_out]` applied to `rows` rows (the product of an activation's leading dims, batch 1).
///
/// With `tiedWeights` its weight is stored by another op (its bias, if any, is its own). c_in = 0 with a bias is the seed's bias-only op.
public struct FullyConnected: OpKind {
    public static let typeName = "FullyConnected"
    public static let fieldNames = ["kernel_shape", "rows", "use_bias", "activation", "tied_weights"]
    public static let hasWeights = true

    public var kernelShape: [Int]
    public var useBias: Bool
    public var activation: Activation?
    public var tiedWeights: Bool
    /// Rows the layer runs on per inference step (1 for a vector input).
    public var rows: Int

    /// Creates a fully connected layer description.
    public init(kernelShape: [Int], useBias: Bool, activation: Activation? = nil, tiedWeights: Bool = false, rows: Int = 1) {
        self.kernelShape = kernelShape
        self.useBias = useBias
        self.activation = activation
        self.tiedWeights = tiedWeights
        self.rows = rows
    }

    public init(reading r: OpFieldReader) throws {
        let shape = try r.ints("kernel_shape", count: 2, in: 0...OpFieldReader.maxSize)
        let useBias = try r.bool("use_bias")
        // c_in = 0 is the seed's bias-only op (its decoder bias); anything else must be positive.
        guard shape[1] > 0, shape[0] > 0 || useBias else {
            throw r.error("kernel_shape", "sizes must be positive (c_in may be 0 only for a bias-only op with use_bias), got \(shape)")
        }
        self.init(kernelShape: shape, useBias: useBias, activation: try r.activation("activation"),
                  tiedWeights: try r.optionalBool("tied_weights") ?? false, rows: try r.size("rows", default: 1))
        _ = try r.product([shape[0], shape[1], rows], "kernel_shape")
    }

    public var fields: [(String, JSONValue)] {
        var f: [(String, JSONValue)] = [("kernel_shape", .ints(kernelShape))]
        if rows != 1 { f.append(("rows", .int(rows))) }
        f += [("use_bias", .bool(useBias)), ("activation", activation.map { .string($0.rawValue) } ?? .null)]
        if tiedWeights { f.append(("tied_weights", .bool(true))) }
        return f
    }

    public var info: [Int] { [rows, -1, kernelShape[0], kernelShape[1]] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let cin = Double(kernelShape[0]), cout = Double(kernelShape[1]), r = Double(rows)
        var cost = OpCost.zero
        // Tied weights are stored (and counted) by the op they are tied to; a bias is the layer's own.
        if !tiedWeights {
            cost.paramBits = sparseSizeBits(elements: cin * cout, bits: c.paramBits, sparsity: c.sparsity)
            cost.params = cin * cout * (1 - c.sparsity)
        }
        let n = cin * (1 - c.sparsity)
        cost.mults = n * cout * r
        // The reference's (n − 1)·c_out goes negative for the seed's bias-only op (c_in = 0) and
        // cancels the bias adds, as the seed's table counts it; the full convention counts one add per output
        // for the bias instead. A real dot product (c_in > 0) never has negative adds.
        let dotAdds = c.convention == .full || cin > 0 ? dotProductAdds(n) : n - 1
        cost.adds = dotAdds * cout * r
        if useBias {
            cost.paramBits += cout * c.paramBits
            cost.params += cout
            cost.adds += cout * r
        }
        cost.addActivation(activation, outputs: cout * r)
        return cost
    }
}
