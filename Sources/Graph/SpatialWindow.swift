/// Padding of a sliding window (convolution or pool).
public enum Padding: Equatable, Sendable {
    /// The reference's 'same': pad = k // 2 on each side (for even k this is not TensorFlow's 'same').
    case same
    /// The reference's 'valid': no padding.
    case valid
    /// Explicit pads, possibly asymmetric, as ONNX writes them.
    case explicit(top: Int, left: Int, bottom: Int, right: Int)

    /// The reference's two named paddings, as graph files spell them.
    public static let named: [String: Padding] = ["same": .same, "valid": .valid]

    /// "same" or "valid"; nil for explicit pads.
    public var name: String? {
        switch self {
        case .same: return "same"
        case .valid: return "valid"
        case .explicit: return nil
        }
    }
}

/// The reference's output side: ceil((n − k + 1 + 2·pad) / s) with pad = k // 2 for 'same', 0 for 'valid'.
public func convolutionOutputSize(inputSize: Int, kernelSize: Int, padding: Padding, stride: Int) -> Int {
    switch padding {
    case .explicit(let top, _, let bottom, _):
        return windowOutputSize(input: inputSize, kernel: kernelSize, stride: stride, dilation: 1, padBefore: top, padAfter: bottom)
    case .same, .valid:
        let pad = padding == .same ? kernelSize / 2 : 0
        let span = inputSize - kernelSize + 1 + 2 * pad
        return span <= 0 ? 0 : (span + stride - 1) / stride
    }
}

/// Real shape inference (ONNX, PyTorch): floor((n + pad_before + pad_after − dil·(k − 1) − 1) / s) + 1, 0 if empty.
public func windowOutputSize(input: Int, kernel: Int, stride: Int, dilation: Int, padBefore: Int, padAfter: Int) -> Int {
    let span = input + padBefore + padAfter - dilation * (kernel - 1) - 1
    return span < 0 ? 0 : span / stride + 1
}

/// Where a sliding window runs: input H×W, kernel kh×kw, strides, dilations and padding.
public struct SpatialWindow: Equatable, Sendable {
    public var inputHeight: Int
    public var inputWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var dilationHeight: Int
    public var dilationWidth: Int
    public var padding: Padding

    /// Creates a window; the defaults are stride 1, dilation 1, the reference's 'same'.
    public init(inputHeight: Int, inputWidth: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int = 1, strideWidth: Int = 1, dilationHeight: Int = 1, dilationWidth: Int = 1,
                padding: Padding = .same) {
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.padding = padding
    }

    /// A square window as the reference describes it: input side n, kernel k, stride s.
    public init(inputSize: Int, kernelSize: Int, stride: Int, padding: Padding) {
        self.init(inputHeight: inputSize, inputWidth: inputSize, kernelHeight: kernelSize, kernelWidth: kernelSize,
                  strideHeight: stride, strideWidth: stride, padding: padding)
    }

    /// Output height: the reference's formula for same/valid, real shape inference for explicit pads.
    public var outputHeight: Int { outputSide(inputHeight, kernelHeight, strideHeight, dilationHeight, before: \.top, after: \.bottom) }
    /// Output width, like `outputHeight`.
    public var outputWidth: Int { outputSide(inputWidth, kernelWidth, strideWidth, dilationWidth, before: \.left, after: \.right) }

    private struct Pads { var top = 0, left = 0, bottom = 0, right = 0 }

    private func outputSide(_ n: Int, _ k: Int, _ s: Int, _ d: Int, before: KeyPath<Pads, Int>, after: KeyPath<Pads, Int>) -> Int {
        switch padding {
        case .explicit(let top, let left, let bottom, let right):
            let pads = Pads(top: top, left: left, bottom: bottom, right: right)
            return windowOutputSize(input: n, kernel: k, stride: s, dilation: d, padBefore: pads[keyPath: before], padAfter: pads[keyPath: after])
        case .same, .valid:
            return convolutionOutputSize(inputSize: n, kernelSize: k, padding: padding, stride: s)
        }
    }
}
