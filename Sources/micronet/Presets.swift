import Graph
import QRNNModel

/// Built-in models that need no file.
enum Preset: String, CaseIterable {
    /// The JAIST MicroNet entry: V 267,735, E 300, H 1800, 4 layers, tied, window 2 first, output gates.
    case qrnnWT103 = "qrnn-wt103"
    /// awd-lstm-lm's default WikiText-103 QRNN (E 400, H 2500), the seed's comparison point.
    case qrnnWT103Default = "qrnn-wt103-default"
    /// A QRNN LM of any size (--vocab --emsize --nhid --nlayers; defaults are the seed's).
    case qrnnLM = "qrnn-lm"
    /// The reference counting.py's example op list (convolutions, an SE block, two dense layers).
    case referenceExample = "reference-example"

    /// One line per preset, for help texts.
    static var catalogue: String {
        allCases.map { "\($0.rawValue)" }.joined(separator: ", ")
    }

    /// The QRNN configuration behind a QRNN preset.
    var qrnnConfig: QRNNConfig? {
        switch self {
        case .qrnnWT103, .qrnnLM: return .wt103Seed
        case .qrnnWT103Default: return .wt103Default
        case .referenceExample: return nil
        }
    }

    /// The reference counter's example (counting.md §3.1).
    static let referenceExampleGraph = OpGraph(name: "reference-example", entries: [
        .op(NamedOp("conv_stem", .conv2D(Convolution(inputSize: 224, kernelShape: [3, 3, 3, 32], strides: [2, 2],
                                                      padding: .same, useBias: true, activation: .relu)))),
        .op(NamedOp("conv_valid", .conv2D(Convolution(inputSize: 32, kernelShape: [3, 3, 16, 16], strides: [1, 1],
                                                       padding: .valid, useBias: false, activation: nil)))),
        .op(NamedOp("dw", .depthwiseConv2D(Convolution(inputSize: 112, kernelShape: [3, 3, 32, 1], strides: [1, 1],
                                                        padding: .same, useBias: true, activation: .swish)))),
        .block(Block("block_se", [
            NamedOp("gap", .globalAvg(Elementwise(inputSize: 112, nChannels: 32))),
            NamedOp("reduce", .conv2D(Convolution(inputSize: 1, kernelShape: [1, 1, 32, 8], strides: [1, 1],
                                                   padding: .same, useBias: true, activation: .swish))),
            NamedOp("expand", .conv2D(Convolution(inputSize: 1, kernelShape: [1, 1, 8, 32], strides: [1, 1],
                                                   padding: .same, useBias: true, activation: .sigmoid))),
            NamedOp("scale", .scale(Elementwise(inputSize: 112, nChannels: 32))),
            NamedOp("skip_add", .add(Elementwise(inputSize: 112, nChannels: 32))),
        ])),
        .op(NamedOp("fc", .fullyConnected(FullyConnected(kernelShape: [1280, 1000], useBias: true)))),
        .op(NamedOp("fc_lm", .fullyConnected(FullyConnected(kernelShape: [300, 267_735], useBias: true)))),
    ])
}
