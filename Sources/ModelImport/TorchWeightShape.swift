import Graph

/// The shape PyTorch stores an op's weight in, from the op's graph-file fields.
enum TorchWeightShape {
    /// The expected shape and how torch lays it out, or nil when the op stores no weight of its own
    /// (parameter-free ops, a tied decoder, a bias-only layer).
    static func of(_ op: any OpKind) -> (shape: [Int], layout: String)? {
        switch op {
        case let c as Conv2D:
            // nn.Conv2d stores [c_out, c_in/groups, kh, kw].
            return ([c.channelsOut, c.channelsIn / c.groups, c.window.kernelHeight, c.window.kernelWidth],
                    "nn.Conv2d's [out, in/groups, kh, kw]")
        case let c as DepthWiseConv2D:
            // nn.Conv2d(groups=C) stores [C, 1, kh, kw].
            return ([c.channels, 1, c.window.kernelHeight, c.window.kernelWidth], "nn.Conv2d(groups=C)'s [C, 1, kh, kw]")
        case let f as FullyConnected:
            guard !f.tiedWeights, f.kernelShape.count == 2, !f.kernelShape.contains(0) else { return nil }
            return ([f.kernelShape[1], f.kernelShape[0]], "nn.Linear's [out, in]")
        case let e as Embedding:
            return ([e.inputSize, e.nChannels], "nn.Embedding's [vocab, width]")
        case let q as QRNN:
            let gates = q.outputGate ? 3 : 2
            return ([gates * q.hiddenSize, q.window * q.inputSize], "torchqrnn's linear [gates·hidden, window·input]")
        default:
            return nil
        }
    }
}
