extension OpGraph {
    /// The reference counting.py's example op list: a stem, a valid convolution, a depthwise one, an SE block,
    /// and two dense layers (the values it prints are in the tests).
    public static let referenceExample = OpGraph(name: "reference-example", entries: [
        .op(NamedOp("conv_stem", Conv2D(inputSize: 224, kernelShape: [3, 3, 3, 32], strides: [2, 2],
                                        padding: .same, useBias: true, activation: .relu))),
        .op(NamedOp("conv_valid", Conv2D(inputSize: 32, kernelShape: [3, 3, 16, 16], strides: [1, 1],
                                         padding: .valid, useBias: false, activation: nil))),
        .op(NamedOp("dw", DepthWiseConv2D(inputSize: 112, kernelShape: [3, 3, 32, 1], strides: [1, 1],
                                          padding: .same, useBias: true, activation: .swish))),
        .block(Block("block_se", [
            NamedOp("gap", GlobalAvg(inputSize: 112, nChannels: 32)),
            NamedOp("reduce", Conv2D(inputSize: 1, kernelShape: [1, 1, 32, 8], strides: [1, 1],
                                     padding: .same, useBias: true, activation: .swish)),
            NamedOp("expand", Conv2D(inputSize: 1, kernelShape: [1, 1, 8, 32], strides: [1, 1],
                                     padding: .same, useBias: true, activation: .sigmoid)),
            NamedOp("scale", Scale(inputSize: 112, nChannels: 32)),
            NamedOp("skip_add", Add(inputSize: 112, nChannels: 32)),
        ])),
        .op(NamedOp("fc", FullyConnected(kernelShape: [1280, 1000], useBias: true))),
        .op(NamedOp("fc_lm", FullyConnected(kernelShape: [300, 267_735], useBias: true))),
    ])
}
