import Graph

/// The shape PyTorch stores an op's weight in, from the op's graph-file fields.
enum TorchWeightShape {
    /// The expected shape and how torch lays it out, or nil when the op stores no weight of its own
    /// (parameter-free ops, a tied decoder, a bias-only layer).
    static func of(_ op: Op) -> (shape: [Int], layout: String)? {
        switch op {
        case .conv2D(let c):
            // Graph files write [k, k, c_in, c_out]; nn.Conv2d stores [c_out, c_in, k, k].
            guard c.kernelShape.count == 4 else { return nil }
            let k = c.kernelShape
            return ([k[3], k[2], k[0], k[1]], "nn.Conv2d's [out, in, kh, kw]")
        case .depthwiseConv2D(let c):
            // [k, k, C, 1] in graph files; nn.Conv2d(groups=C) stores [C, 1, k, k].
            guard c.kernelShape.count == 4 else { return nil }
            let k = c.kernelShape
            return ([k[2] * k[3], 1, k[0], k[1]], "nn.Conv2d(groups=C)'s [C, 1, kh, kw]")
        case .fullyConnected(let f):
            guard !f.tiedWeights, f.kernelShape.count == 2, !f.kernelShape.contains(0) else { return nil }
            return ([f.kernelShape[1], f.kernelShape[0]], "nn.Linear's [out, in]")
        case .embedding(let e):
            return ([e.inputSize, e.nChannels], "nn.Embedding's [vocab, width]")
        case .qrnn(let q):
            let gates = q.outputGate ? 3 : 2
            return ([gates * q.hiddenSize, q.window * q.inputSize], "torchqrnn's linear [gates·hidden, window·input]")
        case .globalAvg, .scale, .add, .globalMax:
            return nil
        }
    }
}
