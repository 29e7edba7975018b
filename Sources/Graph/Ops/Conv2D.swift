/// A 2-D convolution: kernel kh×kw over Cin/groups input channels to Cout outputs, with strides, dilations and padding.
///
/// Per output element L = kh·kw·(Cin/g)·(1 − σ) mults and L − 1 adds (+1 with a bias); with groups 1, a
/// square input and same/valid padding this is exactly the reference's Conv2D.
public struct Conv2D: OpKind {
    public static let typeName = "Conv2D"
    public static let fieldNames = ["input_size", "input_shape", "kernel_shape", "strides", "dilations", "padding", "pads",
                                    "groups", "use_bias", "activation"]
    public static let hasWeights = true

    public var window: SpatialWindow
    public var channelsIn: Int
    public var channelsOut: Int
    /// Channel groups; Cin and Cout are multiples of it.
    public var groups: Int
    public var useBias: Bool
    public var activation: Activation?

    /// Creates a general convolution.
    public init(window: SpatialWindow, channelsIn: Int, channelsOut: Int, groups: Int = 1, useBias: Bool,
                activation: Activation?) {
        self.window = window
        self.channelsIn = channelsIn
        self.channelsOut = channelsOut
        self.groups = groups
        self.useBias = useBias
        self.activation = activation
    }

    /// The reference's square form: input side, kernel `[k, k, c_in, c_out]`, strides `[s, s]`.
    public init(inputSize: Int, kernelShape: [Int], strides: [Int], padding: Padding, useBias: Bool, activation: Activation?) {
        self.init(window: SpatialWindow(inputHeight: inputSize, inputWidth: inputSize, kernelHeight: kernelShape[0],
                                        kernelWidth: kernelShape[1], strideHeight: strides[0], strideWidth: strides[1],
                                        padding: padding),
                  channelsIn: kernelShape[2], channelsOut: kernelShape[3], useBias: useBias, activation: activation)
    }

    public init(reading r: OpFieldReader) throws {
        let k = try r.ints("kernel_shape", count: 4)
        let groups = try r.size("groups", default: 1)
        guard k[2] % groups == 0, k[3] % groups == 0 else {
            throw r.error("groups", "groups \(groups) must divide both c_in \(k[2]) and c_out \(k[3])")
        }
        self.init(window: try r.window(kernel: (k[0], k[1])), channelsIn: k[2], channelsOut: k[3], groups: groups,
                  useBias: try r.bool("use_bias"), activation: try r.activation("activation"))
        _ = try r.product([k[0], k[1], k[2] / groups, k[3], window.outputHeight, window.outputWidth], "kernel_shape")
    }

    public var fields: [(String, JSONValue)] {
        let w = window.fields()
        var f = w.input + [("kernel_shape", .ints([window.kernelHeight, window.kernelWidth, channelsIn, channelsOut]))] + w.rest
        if groups != 1 { f.append(("groups", .int(groups))) }
        return f + [("use_bias", .bool(useBias)), ("activation", activation.map { .string($0.rawValue) } ?? .null)]
    }

    public var info: [Int] { [window.inputHeight, window.kernelHeight, channelsIn, channelsOut] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let kh = Double(window.kernelHeight), kw = Double(window.kernelWidth)
        let cinPerGroup = Double(channelsIn / groups), cout = Double(channelsOut)
        let weights = kh * kw * cinPerGroup * cout
        let outputs = Double(window.outputHeight) * Double(window.outputWidth) * cout
        return convolutionCost(weights: weights, vectorLength: kh * kw * cinPerGroup, outputs: outputs,
                               biases: useBias ? cout : 0, activation: activation, context: c)
    }
}

/// The reference's conv arithmetic: sparse weights, L·(1 − σ) mults and one fewer adds per output, bias adds.
func convolutionCost(weights: Double, vectorLength: Double, outputs: Double, biases: Double, activation: Activation?,
                     context c: OpCostContext) -> OpCost {
    var cost = OpCost.zero
    cost.paramBits = sparseSizeBits(elements: weights, bits: c.paramBits, sparsity: c.sparsity)
    cost.params = weights * (1 - c.sparsity)
    let length = vectorLength * (1 - c.sparsity)
    cost.mults = length * outputs
    cost.adds = dotProductAdds(length) * outputs
    if biases > 0 {
        cost.paramBits += biases * c.paramBits
        cost.params += biases
        cost.adds += outputs
    }
    cost.addActivation(activation, outputs: outputs)
    return cost
}
