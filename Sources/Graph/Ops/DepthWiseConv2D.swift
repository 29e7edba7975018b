/// A depthwise convolution (groups = Cin = Cout): kernel `[kh, kw, C, 1]`, one kh×kw filter per channel.
///
/// A standalone BatchNormalization is one of these, 1×1 with a bias (C weights, C biases; 1 mult, 1 add per element).
public struct DepthWiseConv2D: OpKind {
    public static let typeName = "DepthWiseConv2D"
    public static let fieldNames = ["input_size", "input_shape", "kernel_shape", "strides", "dilations", "padding", "pads",
                                    "use_bias", "activation"]
    public static let hasWeights = true

    public var window: SpatialWindow
    public var channels: Int
    public var useBias: Bool
    public var activation: Activation?

    /// Creates a depthwise convolution.
    public init(window: SpatialWindow, channels: Int, useBias: Bool, activation: Activation?) {
        self.window = window
        self.channels = channels
        self.useBias = useBias
        self.activation = activation
    }

    /// The reference's square form: input side, kernel `[k, k, C, 1]`, strides `[s, s]`.
    public init(inputSize: Int, kernelShape: [Int], strides: [Int], padding: Padding, useBias: Bool, activation: Activation?) {
        self.init(window: SpatialWindow(inputHeight: inputSize, inputWidth: inputSize, kernelHeight: kernelShape[0],
                                        kernelWidth: kernelShape[1], strideHeight: strides[0], strideWidth: strides[1],
                                        padding: padding),
                  channels: kernelShape[2], useBias: useBias, activation: activation)
    }

    public init(reading r: OpFieldReader) throws {
        let k = try r.ints("kernel_shape", count: 4)
        guard k[3] == 1 else {
            throw r.error("kernel_shape", "a depthwise kernel's last dimension must be 1 (k, k, C, 1), got \(k)")
        }
        self.init(window: try r.window(kernel: (k[0], k[1])), channels: k[2], useBias: try r.bool("use_bias"),
                  activation: try r.activation("activation"))
        _ = try r.product([k[0], k[1], k[2], window.outputHeight, window.outputWidth], "kernel_shape")
    }

    public var fields: [(String, JSONValue)] {
        let w = window.fields()
        return w.input + [("kernel_shape", .ints([window.kernelHeight, window.kernelWidth, channels, 1]))] + w.rest
            + [("use_bias", .bool(useBias)), ("activation", activation.map { .string($0.rawValue) } ?? .null)]
    }

    public var info: [Int] { [window.inputHeight, window.kernelHeight, channels, 1] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let kh = Double(window.kernelHeight), kw = Double(window.kernelWidth), ch = Double(channels)
        let outputs = Double(window.outputHeight) * Double(window.outputWidth) * ch
        return convolutionCost(weights: kh * kw * ch, vectorLength: kh * kw, outputs: outputs,
                               biases: useBias ? ch : 0, activation: activation, context: c)
    }
}
