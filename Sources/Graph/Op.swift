/// Padding of a convolution, as the reference counter understands it.
public enum Padding: String, Sendable, CaseIterable {
    /// pad = k // 2 on each side (for even k this is not TensorFlow's 'same').
    case same
    /// No padding.
    case valid
}

/// An elementwise activation applied to every output element of an op.
public enum Activation: String, Sendable, CaseIterable {
    case relu, swish, sigmoid, tanh, hswish, softmax
}

/// A 2-D convolution (also used for depthwise convolutions, whose kernel's last dimension is 1).
public struct Convolution: Equatable, Sendable {
    /// Side of the square input image.
    public var inputSize: Int
    /// `[k, k, c_in, c_out]`; `[k, k, C, 1]` for a depthwise convolution.
    public var kernelShape: [Int]
    /// `[s, s]`.
    public var strides: [Int]
    public var padding: Padding
    public var useBias: Bool
    public var activation: Activation?

    /// Creates a convolution description.
    public init(inputSize: Int, kernelShape: [Int], strides: [Int], padding: Padding,
                useBias: Bool, activation: Activation?) {
        self.inputSize = inputSize
        self.kernelShape = kernelShape
        self.strides = strides
        self.padding = padding
        self.useBias = useBias
        self.activation = activation
    }
}

/// A dense layer `[c_in, c_out]`; with `tiedWeights` its weight is stored by another op.
public struct FullyConnected: Equatable, Sendable {
    public var kernelShape: [Int]
    public var useBias: Bool
    public var activation: Activation?
    public var tiedWeights: Bool

    /// Creates a fully connected layer description.
    public init(kernelShape: [Int], useBias: Bool, activation: Activation? = nil, tiedWeights: Bool = false) {
        self.kernelShape = kernelShape
        self.useBias = useBias
        self.activation = activation
        self.tiedWeights = tiedWeights
    }
}

/// A parameter-free op over a square `inputSize × inputSize × nChannels` tensor.
public struct Elementwise: Equatable, Sendable {
    public var inputSize: Int
    public var nChannels: Int

    /// Creates the description of a parameter-free op.
    public init(inputSize: Int, nChannels: Int) {
        self.inputSize = inputSize
        self.nChannels = nChannels
    }
}

/// A lookup table of `inputSize` rows (the vocabulary) and `nChannels` columns (the embedding width).
public struct Embedding: Equatable, Sendable {
    public var inputSize: Int
    public var nChannels: Int

    /// Creates an embedding description.
    public init(inputSize: Int, nChannels: Int) {
        self.inputSize = inputSize
        self.nChannels = nChannels
    }
}

/// One quasi-recurrent layer (torchqrnn's QRNNLayer) for one time step.
public struct QRNN: Equatable, Sendable {
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
}

/// Every op the counter knows: the reference counter's six and the seed's extensions.
public enum Op: Equatable, Sendable {
    case conv2D(Convolution)
    case depthwiseConv2D(Convolution)
    case fullyConnected(FullyConnected)
    case globalAvg(Elementwise)
    case scale(Elementwise)
    case add(Elementwise)
    case globalMax(Elementwise)
    case embedding(Embedding)
    case qrnn(QRNN)

    /// The op's type name as graph files spell it.
    public var typeName: String {
        switch self {
        case .conv2D: return "Conv2D"
        case .depthwiseConv2D: return "DepthWiseConv2D"
        case .fullyConnected: return "FullyConnected"
        case .globalAvg: return "GlobalAvg"
        case .scale: return "Scale"
        case .add: return "Add"
        case .globalMax: return "GlobalMax"
        case .embedding: return "Embedding"
        case .qrnn: return "QRNN"
        }
    }

    /// Whether the op stores weights that sparsity can thin out.
    public var hasWeights: Bool {
        switch self {
        case .conv2D, .depthwiseConv2D, .fullyConnected, .embedding, .qrnn: return true
        case .globalAvg, .scale, .add, .globalMax: return false
        }
    }
}

/// An op with its name and, optionally, its own weight sparsity (overriding the global one).
public struct NamedOp: Equatable, Sendable {
    public var name: String
    public var op: Op
    /// Fraction of zero weights in [0, 1); nil means "use the global sparsity".
    public var sparsity: Double?

    /// Creates a named op.
    public init(_ name: String, _ op: Op, sparsity: Double? = nil) {
        self.name = name
        self.op = op
        self.sparsity = sparsity
    }
}
