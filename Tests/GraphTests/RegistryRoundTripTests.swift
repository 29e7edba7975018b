import Foundation
import XCTest
@testable import Graph

/// Every registered kind survives a write and a read: the same graph, and the same counts.
final class RegistryRoundTripTests: XCTestCase {
    /// One op of every kind, with its less common fields set (non-square, pads, groups, rows, bits).
    static let everyKind: [NamedOp] = [
        NamedOp("conv", Conv2D(window: SpatialWindow(inputHeight: 9, inputWidth: 7, kernelHeight: 3, kernelWidth: 1,
                                                     strideHeight: 2, strideWidth: 1, dilationHeight: 2, dilationWidth: 1,
                                                     padding: .explicit(top: 1, left: 0, bottom: 2, right: 0)),
                               channelsIn: 4, channelsOut: 8, groups: 2, useBias: true, activation: .hswish),
                sparsity: 0.25, bits: OpBits(param: 8, input: 8, accumulator: 32, quantizer: 288)),
        NamedOp("conv_ref", Conv2D(inputSize: 8, kernelShape: [3, 3, 2, 4], strides: [1, 1], padding: .same, useBias: false, activation: nil)),
        NamedOp("dw", DepthWiseConv2D(inputSize: 9, kernelShape: [3, 3, 4, 1], strides: [2, 2], padding: .valid,
                                      useBias: true, activation: .relu), bits: OpBits(param: 4)),
        NamedOp("fc", FullyConnected(kernelShape: [16, 10], useBias: true, activation: .gelu, rows: 3)),
        NamedOp("gap", GlobalAvg(FeatureMap(height: 3, width: 5, channels: 4))),
        NamedOp("scale", Scale(inputSize: 4, nChannels: 4)),
        NamedOp("add", Add(FeatureMap(height: 2, width: 6, channels: 3)), bits: OpBits(accumulator: 16)),
        NamedOp("max", GlobalMax(inputSize: 1, nChannels: 100)),
        NamedOp("emb", Embedding(inputSize: 100, nChannels: 8), sparsity: 0.5),
        NamedOp("qrnn", QRNN(inputSize: 8, hiddenSize: 16, window: 2, outputGate: true)),
        NamedOp("lstm", LSTM(inputSize: 8, hiddenSize: 6, biasVectors: 1, projectionSize: 4)),
        NamedOp("gru", GRU(inputSize: 8, hiddenSize: 6, biasVectors: 1), sparsity: 0.25),
        NamedOp("maxpool", MaxPool(PoolWindow(window: SpatialWindow(inputSize: 8, kernelSize: 2, stride: 2, padding: .valid), channels: 3))),
        NamedOp("avgpool", AvgPool(PoolWindow(window: SpatialWindow(inputHeight: 7, inputWidth: 6, kernelHeight: 3, kernelWidth: 2,
                                                                    padding: .explicit(top: 1, left: 0, bottom: 1, right: 0)), channels: 2))),
        NamedOp("act", ActivationLayer(.softmax, shape: [4, 10])),
        NamedOp("div", Elementwise(.div, shape: [2, 3, 4]), bits: OpBits(input: 16)),
        NamedOp("matmul", MatMul(batch: 2, m: 4, k: 8, n: 4)),
        NamedOp("ln", LayerNormalization(rows: 4, size: 8, useBias: false)),
        NamedOp("pos_embedding", Parameters(elements: 544), sparsity: 0.25),
    ]

    func testEveryRegisteredKindIsCovered() {
        XCTAssertEqual(Set(Self.everyKind.map { $0.op.typeName }), Set(OpRegistry.kinds.map { $0.typeName }))
    }

    func testWriteThenReadGivesTheSameGraphAndCounts() throws {
        for input in [ModelInput.tokens(vocabulary: 100), .image(height: 9, width: 7, channels: 4)] {
            let graph = OpGraph(name: "every-kind", input: input, entries: [.op(Self.everyKind[0]),
                                                                            .block(Block("block_rest", Array(Self.everyKind.dropFirst())))])
            let text = GraphFile.encode(graph)
            let back = try GraphFile.decode(Data(text.utf8), path: "every.json")
            XCTAssertEqual(back, graph)
            for (a, b) in zip(graph.allOps, back.allOps) {
                let context = OpCostContext(paramBits: Double(a.op.bits.param ?? 16), sparsity: a.op.sparsity ?? 0)
                XCTAssertEqual(a.op.op.cost(context), b.op.op.cost(context), a.op.name)
                XCTAssertEqual(a.op.op.info, b.op.op.info, a.op.name)
            }
            // Writing is stable: the file read back writes the same text.
            XCTAssertEqual(GraphFile.encode(back), text)
        }
    }

    func testEveryKindsFieldsAreAllowedOnRead() {
        for named in Self.everyKind {
            let kind = type(of: named.op)
            for (key, _) in named.op.fields {
                XCTAssertTrue(kind.fieldNames.contains(key), "\(kind.typeName) writes \(key) but does not list it")
            }
        }
    }
}
