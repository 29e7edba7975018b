import Graph

/// The shape PyTorch stores an op's weight in, from the op's graph-file fields.
enum TorchWeightShape {
    /// What pairing checks for one op.
    enum Expectation {
        /// A weight of this shape, laid out as `layout` says.
        case shape([Int], layout: String)
        /// The op stores no weight of its own (parameter-free, a tied decoder, a bias-only layer).
        case none
        /// A kind whose torch layout pairing does not know: its weight is measured when a tensor of that name exists.
        case unchecked
    }

    /// What `op`'s weight must look like in a torch checkpoint.
    static func of(_ op: any OpKind) -> Expectation {
        guard op.hasWeights else { return .none }
        switch op {
        case let c as Conv2D:
            // Graph files write [kh, kw, c_in, c_out]; nn.Conv2d stores [c_out, c_in / groups, kh, kw].
            return .shape([c.channelsOut, c.channelsIn / c.groups, c.window.kernelHeight, c.window.kernelWidth],
                          layout: "nn.Conv2d's [out, in/groups, kh, kw]")
        case let d as DepthWiseConv2D:
            return .shape([d.channels, 1, d.window.kernelHeight, d.window.kernelWidth], layout: "nn.Conv2d(groups=C)'s [C, 1, kh, kw]")
        case let f as FullyConnected:
            guard !f.tiedWeights, f.kernelShape.count == 2, !f.kernelShape.contains(0) else { return .none }
            return .shape([f.kernelShape[1], f.kernelShape[0]], layout: "nn.Linear's [out, in]")
        case let e as Embedding:
            return .shape([e.inputSize, e.nChannels], layout: "nn.Embedding's [vocab, width]")
        case let q as QRNN:
            return .shape([(q.outputGate ? 3 : 2) * q.hiddenSize, q.window * q.inputSize],
                          layout: "torchqrnn's linear [gates*hidden, window*input]")
        default:
            return .unchecked
        }
    }
}
