/// One quasi-recurrent layer (torchqrnn's QRNNLayer) for one time step, as the seed's counter books it.
public struct QRNN: OpKind {
    public static let typeName = "QRNN"
    public static let fieldNames = ["input_size", "hidden_size", "window", "output_gate"]
    public static let hasWeights = true

    public var inputSize: Int
    public var hiddenSize: Int
    /// How many consecutive inputs the gate map reads (1 or 2 in awd-lstm-lm).
    public var window: Int
    public var outputGate: Bool

    /// Creates a QRNN layer description.
    public init(inputSize: Int, hiddenSize: Int, window: Int, outputGate: Bool) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.window = window
        self.outputGate = outputGate
    }

    public init(reading r: OpFieldReader) throws {
        self.init(inputSize: try r.size("input_size"), hiddenSize: try r.size("hidden_size"),
                  window: try r.size("window"), outputGate: try r.bool("output_gate"))
        _ = try r.product([window, inputSize, hiddenSize, 3], "hidden_size")
    }

    public var fields: [(String, JSONValue)] {
        [("input_size", .int(inputSize)), ("hidden_size", .int(hiddenSize)), ("window", .int(window)),
         ("output_gate", .bool(outputGate))]
    }

    public var info: [Int] { [-1, -1, -1, -1] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let h = Double(hiddenSize)
        let cin = Double(window) * Double(inputSize), cout = h * (outputGate ? 3 : 2)
        var cost = OpCost.zero
        cost.paramBits = sparseSizeBits(elements: cin * cout, bits: c.paramBits, sparsity: c.sparsity)
        cost.params = cin * cout * (1 - c.sparsity)
        let n = cin * (1 - c.sparsity)
        cost.mults = n * cout
        cost.adds = dotProductAdds(n) * cout
        cost.paramBits += cout * c.paramBits        // the gate map always has a bias
        cost.params += cout
        cost.adds += cout
        cost.addActivation(.tanh, outputs: h)
        cost.addActivation(.sigmoid, outputs: h * (outputGate ? 2 : 1))
        // Forget-mult c = f·z + (1 − f)·c_prev: two products, a subtraction and an addition per unit.
        cost.mults += h * 2
        cost.adds += h * 2
        if c.convention == .full && outputGate {
            cost.mults += h   // h = o · c, which the seed's counter leaves out
        }
        return cost
    }
}
