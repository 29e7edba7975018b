import Graph

/// Raw cost of one op or a sum of ops: parameter bits, multiplications, additions (unscaled).
public struct OpCost: Equatable, Sendable {
    /// Bits needed to store the parameters (sparse values plus a one-bit mask when sparse).
    public var paramBits: Double
    /// Multiplications per inference step (per image, per token).
    public var mults: Double
    /// Additions per inference step.
    public var adds: Double
    /// Stored parameter values (non-zero weights plus biases; masks excluded, tied weights counted once).
    public var params: Double

    /// A zero cost.
    public static let zero = OpCost(paramBits: 0, mults: 0, adds: 0, params: 0)

    /// Creates a cost.
    public init(paramBits: Double, mults: Double, adds: Double, params: Double) {
        self.paramBits = paramBits
        self.mults = mults
        self.adds = adds
        self.params = params
    }

    /// Sums raw counts, as the reference does before it scales anything.
    public static func + (a: OpCost, b: OpCost) -> OpCost {
        OpCost(paramBits: a.paramBits + b.paramBits, mults: a.mults + b.mults, adds: a.adds + b.adds,
               params: a.params + b.params)
    }
}

/// (mults, adds) per output element of an activation.
///
/// relu, swish and sigmoid are the reference counter's; tanh is the seed's (3, 2). hswish and softmax
/// are ours: hswish = x · relu6(x + 3) / 6 is one add (x + 3), one clamp counted like relu, and two
/// multiplications; softmax is one exp (a transcendental counts one op, booked as a multiplication
/// like the reference books exp in sigmoid), one divide and one add into the normaliser per element.
public func activationCost(_ activation: Activation) -> (mults: Double, adds: Double) {
    switch activation {
    case .relu: return (1, 0)
    case .swish: return (3, 1)
    case .sigmoid: return (2, 1)
    case .tanh: return (3, 2)
    case .hswish: return (3, 1)
    case .softmax: return (2, 1)
    }
}

/// Bits to store `elements` weights of `bits` each at `sparsity`, as the reference's get_sparse_size:
/// the surviving values, plus a one-bit mask per element only when the tensor is sparse at all.
public func sparseSizeBits(elements: Double, bits: Double, sparsity: Double) -> Double {
    var size = elements * bits * (1 - sparsity)
    if sparsity > 0 { size += elements }
    return size
}

/// Output side of a convolution: ceil((n − k + 1 + 2·pad) / s) with pad = k // 2 for 'same'.
public func convolutionOutputSize(inputSize: Int, kernelSize: Int, padding: Padding, stride: Int) -> Int {
    let pad = padding == .same ? kernelSize / 2 : 0
    let side = (Double(inputSize - kernelSize) + 1.0 + Double(2 * pad)) / Double(stride)
    return Int(side.rounded(.up))
}

/// Counts one op as the reference counter (and, for its extensions, the seed's counter) does.
public func cost(of named: NamedOp, settings: CountSettings) -> OpCost {
    let sparsity = named.sparsity ?? settings.sparsity
    let p = settings.paramBits
    var c = OpCost.zero

    func addActivation(_ activation: Activation?, outputs: Double) {
        guard let activation else { return }
        let (m, a) = activationCost(activation)
        c.mults += m * outputs
        c.adds += a * outputs
    }

    switch named.op {
    case .conv2D(let conv), .depthwiseConv2D(let conv):
        let k = Double(conv.kernelShape[0])
        let depthwise: Bool
        if case .depthwiseConv2D = named.op { depthwise = true } else { depthwise = false }
        let channelsIn = Double(conv.kernelShape[2])
        let channelsOut = depthwise ? channelsIn : Double(conv.kernelShape[3])
        let weights = depthwise ? k * k * channelsIn : k * k * channelsIn * channelsOut
        c.paramBits += sparseSizeBits(elements: weights, bits: p, sparsity: sparsity)
        c.params += weights * (1 - sparsity)
        let vectorLength = (depthwise ? k * k : k * k * channelsIn) * (1 - sparsity)
        let side = Double(convolutionOutputSize(inputSize: conv.inputSize, kernelSize: conv.kernelShape[0],
                                                padding: conv.padding, stride: conv.strides[0]))
        let outputs = side * side * channelsOut
        c.mults += vectorLength * outputs
        c.adds += (vectorLength - 1) * outputs
        if conv.useBias {
            c.paramBits += channelsOut * p
            c.params += channelsOut
            c.adds += outputs
        }
        addActivation(conv.activation, outputs: outputs)

    case .fullyConnected(let fc):
        let cin = Double(fc.kernelShape[0]), cout = Double(fc.kernelShape[1])
        c.paramBits += sparseSizeBits(elements: cin * cout, bits: p, sparsity: sparsity)
        c.params += cin * cout * (1 - sparsity)
        let n = cin * (1 - sparsity)
        c.mults += n * cout
        // The reference's (n − 1)·c_out goes negative for the seed's bias-only op (c_in = 0) and
        // cancels the bias adds; the full convention counts one add per output for the bias instead.
        let dotAdds = settings.convention == .full ? max(n - 1, 0) : n - 1
        c.adds += dotAdds * cout
        if fc.useBias {
            c.paramBits += cout * p
            c.params += cout
            c.adds += cout
        }
        addActivation(fc.activation, outputs: cout)
        if fc.tiedWeights {
            // The weights are stored (and counted) by the op they are tied to.
            c.paramBits = 0
            c.params = 0
        }

    case .globalAvg(let e):
        c.mults += Double(e.nChannels)
        c.adds += (Double(e.inputSize * e.inputSize) - 1) * Double(e.nChannels)
    case .scale(let e):
        c.mults += Double(e.inputSize * e.inputSize) * Double(e.nChannels)
    case .add(let e):
        c.adds += Double(e.inputSize * e.inputSize) * Double(e.nChannels)
    case .globalMax(let e):
        // The seed's extension: one comparison (booked as a multiplication, like relu) per element of
        // an input_size × n_channels input.
        c.mults += Double(e.inputSize) * Double(e.nChannels)

    case .embedding(let e):
        // A lookup is free; the table is stored. The seed's counter ignores the global sparsity here,
        // so only an op's own (measured) sparsity thins the table.
        let elements = Double(e.inputSize) * Double(e.nChannels)
        let own = named.sparsity ?? 0
        c.paramBits += own > 0 ? sparseSizeBits(elements: elements, bits: p, sparsity: own) : elements * p
        c.params += elements * (1 - own)

    case .qrnn(let q):
        let h = Double(q.hiddenSize)
        let cin = Double(q.window * q.inputSize), cout = h * (q.outputGate ? 3 : 2)
        c.paramBits += sparseSizeBits(elements: cin * cout, bits: p, sparsity: sparsity)
        c.params += cin * cout * (1 - sparsity)
        let n = cin * (1 - sparsity)
        c.mults += n * cout
        c.adds += (n - 1) * cout
        c.paramBits += cout * p        // the gate map always has a bias
        c.params += cout
        c.adds += cout
        let tanh = activationCost(.tanh), sigmoid = activationCost(.sigmoid)
        c.mults += tanh.mults * h
        c.adds += tanh.adds * h
        let sigmoids = h * (q.outputGate ? 2 : 1)
        c.mults += sigmoid.mults * sigmoids
        c.adds += sigmoid.adds * sigmoids
        // Forget-mult c = f·z + (1 − f)·c_prev: two products, a subtraction and an addition per unit.
        c.mults += h * 2
        c.adds += h * 2
        if settings.convention == .full && q.outputGate {
            c.mults += h   // h = o · c, which the seed's counter leaves out
        }
    }
    return c
}
