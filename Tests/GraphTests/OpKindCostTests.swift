import Foundation
import XCTest
@testable import Graph

/// Each kind's counting rule against a hand count written here from the conventions (README, "Counting, exactly as the reference does"),
/// with small concrete sizes; the arithmetic is spelled out so it can be checked without the code.
final class OpKindCostTests: XCTestCase {
    private func cost(_ op: any OpKind, bits: Double = 32, sparsity: Double = 0) -> [Double] {
        let c = op.cost(OpCostContext(paramBits: bits, sparsity: sparsity))
        return [c.params, c.paramBits, c.mults, c.adds]
    }

    private func read(_ fields: String) throws -> any OpKind {
        let graph = try GraphFile.decode(Data("{\"ops\": [{\"name\": \"x\", \(fields)}]}".utf8), path: "t.json")
        return graph.allOps[0].op.op
    }

    func testGeneralConvolutionWithGroupsDilationsAndAsymmetricPads() throws {
        let conv = try read("""
        "op": "Conv2D", "input_shape": [7, 5], "kernel_shape": [3, 2, 4, 6], "strides": [2, 1], "dilations": [2, 1],
        "pads": [1, 0, 2, 1], "groups": 2, "use_bias": true, "activation": "relu"
        """)
        // OH = floor((7 + 1 + 2 − 2·(3−1) − 1)/2) + 1 = floor(5/2) + 1 = 3; OW = floor((5 + 0 + 1 − 1·1 − 1)/1) + 1 = 5.
        // weights 3·2·(4/2)·6 = 72, bias 6 → 78 params, 78·8 = 624 bits. outputs 3·5·6 = 90, L = 3·2·2 = 12.
        // mults 12·90 + relu 90 = 1170; adds (12−1)·90 + bias 90 = 1080.
        XCTAssertEqual(cost(conv, bits: 8), [78, 624, 1170, 1080])
        // σ = 0.5: 36 weights + 6 biases; bits 72·8·0.5 + 72 mask + 6·8 = 408; L = 6: mults 6·90 + 90, adds 5·90 + 90.
        XCTAssertEqual(cost(conv, bits: 8, sparsity: 0.5), [42, 408, 630, 540])
        XCTAssertEqual(conv.info, [7, 3, 4, 6])
    }

    /// A dot product of fewer than one non-zero term on average needs no adds: the reference's n − 1 would go
    /// negative for a weight pruned almost (or wholly) to zeros, as torchvision's zero-initialised ViT head is.
    func testAlmostFullyPrunedWeightsNeverHaveNegativeAdds() throws {
        let fc = try read(#""op": "FullyConnected", "kernel_shape": [32, 10], "use_bias": false"#)
        // σ = 0.99: n = 32·0.01 = 0.32 non-zeros per output: mults 0.32·10 = 3.2, adds max(0.32 − 1, 0)·10 = 0.
        XCTAssertEqual(cost(fc, sparsity: 0.99)[2], 3.2, accuracy: 1e-9)
        XCTAssertEqual(cost(fc, sparsity: 0.99)[3], 0)
        let conv = try read(#""op": "Conv2D", "input_shape": [4, 4], "kernel_shape": [1, 1, 2, 3], "strides": [1, 1], "padding": "valid", "use_bias": true"#)
        // L = 2·0.25 = 0.5 < 1: adds are the bias's only, 4·4·3 = 48.
        XCTAssertEqual(cost(conv, sparsity: 0.75)[3], 48)
        // The seed's bias-only decoder op (c_in = 0) keeps the reference's arithmetic: −V + V bias adds = 0.
        let bias = try read(#""op": "FullyConnected", "kernel_shape": [0, 7], "use_bias": true"#)
        XCTAssertEqual(cost(bias)[3], 0)
    }

    func testGroupsMustDivideTheChannels() {
        XCTAssertThrowsError(try read("""
        "op": "Conv2D", "input_size": 4, "kernel_shape": [1, 1, 6, 4], "strides": [1, 1], "padding": "same", "groups": 4, "use_bias": false
        """)) { XCTAssertEqual(($0 as? GraphFileError)?.field, "groups") }
    }

    func testDepthwiseWithExplicitPadsAndStandaloneBatchNorm() throws {
        let dw = try read("""
        "op": "DepthWiseConv2D", "input_shape": [6, 4], "kernel_shape": [3, 3, 5, 1], "strides": [1, 1], "pads": [1, 1, 1, 1], "use_bias": false
        """)
        // OH = 6 + 2 − 2 − 1 + 1 = 6, OW = 4; outputs 6·4·5 = 120; L = 9: mults 1080, adds 960; 45 weights.
        XCTAssertEqual(cost(dw), [45, 45 * 32, 1080, 960])
        // A standalone BatchNormalization over 4×4×3: 1×1 depthwise with bias; 3 + 3 params, 1 mult and 1 add per element.
        let bn = DepthWiseConv2D(inputSize: 4, kernelShape: [1, 1, 3, 1], strides: [1, 1], padding: .valid, useBias: true, activation: nil)
        XCTAssertEqual(cost(bn), [6, 6 * 32, 48, 48])
    }

    func testMaxPoolIsComparisonsOnly() throws {
        let pool = try read("""
        "op": "MaxPool", "input_size": 8, "n_channels": 4, "kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]
        """)
        // OH = OW = floor((8 + 2 − 2 − 1)/2) + 1 = 4; outputs 4·4·4 = 64; (9 − 1)·64 = 512 comparisons, booked as mults.
        XCTAssertEqual(cost(pool), [0, 0, 512, 0])
        XCTAssertEqual(pool.info, [8, 3, 4, 4])
    }

    func testAvgPoolIsOneMultAndWindowMinusOneAdds() throws {
        let pool = try read("""
        "op": "AvgPool", "input_size": 6, "n_channels": 2, "kernel_shape": [2, 3], "strides": [2, 3], "padding": "valid"
        """)
        // The reference's valid formula per side: OH = ceil((6 − 2 + 1)/2) = 3, OW = ceil((6 − 3 + 1)/3) = 2.
        // outputs 3·2·2 = 12: 12 mults, (6 − 1)·12 = 60 adds.
        XCTAssertEqual(cost(pool), [0, 0, 12, 60])
    }

    func testStandaloneActivationsAtTheirPerElementCosts() throws {
        // (mults, adds) per element from the convention table, over 2·5 = 10 elements.
        let table: [(String, Double, Double)] = [("relu", 1, 0), ("sigmoid", 2, 1), ("swish", 3, 1), ("hswish", 3, 1),
                                                 ("hardsigmoid", 2, 1), ("tanh", 3, 2), ("softmax", 2, 1), ("gelu", 4, 1), ("erf", 1, 0)]
        XCTAssertEqual(table.count, Activation.allCases.count)
        for (name, m, a) in table {
            let op = try read("\"op\": \"Activation\", \"function\": \"\(name)\", \"shape\": [2, 5]")
            XCTAssertEqual(cost(op), [0, 0, 10 * m, 10 * a], name)
        }
    }

    func testElementwiseOperators() throws {
        let table: [(String, Double, Double)] = [("add", 0, 1), ("sub", 0, 1), ("mul", 1, 0), ("div", 1, 0), ("pow", 1, 0),
                                                 ("sqrt", 1, 0), ("exp", 1, 0), ("log", 1, 0), ("reciprocal", 1, 0), ("neg", 0, 0)]
        XCTAssertEqual(table.count, Elementwise.Operator.allCases.count)
        for (name, m, a) in table {
            // 4·3 = 12 elements.
            let op = try read("\"op\": \"Elementwise\", \"operator\": \"\(name)\", \"shape\": [4, 3]")
            XCTAssertEqual(cost(op), [0, 0, 12 * m, 12 * a], name)
        }
    }

    func testMatMulOfTwoActivations() throws {
        let op = try read("\"op\": \"MatMul\", \"batch\": 3, \"m\": 4, \"k\": 5, \"n\": 2")
        // per batch M·N·K = 4·2·5 = 40 mults, M·N·(K−1) = 32 adds; 3 batches.
        XCTAssertEqual(cost(op), [0, 0, 120, 96])
    }

    func testLayerNormalization() throws {
        let op = try read("\"op\": \"LayerNormalization\", \"rows\": 3, \"size\": 8, \"use_bias\": true")
        // 2N = 16 params; per row 3N + 4 = 28 mults, 4N − 1 = 31 adds; 3 rows.
        XCTAssertEqual(cost(op, bits: 16), [16, 256, 84, 93])
        let noBias = try read("\"op\": \"LayerNormalization\", \"size\": 8, \"use_bias\": false")
        // N = 8 params; 28 mults, 3N − 1 = 23 adds; one row.
        XCTAssertEqual(cost(noBias), [8, 256, 28, 23])
        // γ and β are never thinned by sparsity.
        XCTAssertEqual(cost(noBias, sparsity: 0.5), [8, 256, 28, 23])
    }

    func testFullyConnectedOverRows() throws {
        let op = try read("\"op\": \"FullyConnected\", \"kernel_shape\": [3, 4], \"rows\": 5, \"use_bias\": true")
        // params 12 + 4; per row 3·4 = 12 mults, (3 − 1)·4 + 4 = 12 adds; 5 rows.
        XCTAssertEqual(cost(op), [16, 16 * 32, 60, 60])
    }

    func testFeatureMapOpsOnNonSquareInputs() throws {
        // 3×5×2: GlobalAvg 2 mults, (15 − 1)·2 = 28 adds; Scale 30 mults; Add 30 adds.
        XCTAssertEqual(cost(try read("\"op\": \"GlobalAvg\", \"input_shape\": [3, 5], \"n_channels\": 2")), [0, 0, 2, 28])
        XCTAssertEqual(cost(try read("\"op\": \"Scale\", \"input_shape\": [3, 5], \"n_channels\": 2")), [0, 0, 30, 0])
        XCTAssertEqual(cost(try read("\"op\": \"Add\", \"input_shape\": [3, 5], \"n_channels\": 2")), [0, 0, 0, 30])
    }

    func testSmallLSTM() throws {
        let op = try read("\"op\": \"LSTM\", \"input_size\": 3, \"hidden_size\": 2")
        // I 3, H 2, b 2: params 4·2·(3+2) = 40 + 2·4·2 = 16 → 56; mults 40 + 15·2 = 70;
        // adds 4·2·(3+2−1) = 32 + 16 + 8·2 = 64.
        XCTAssertEqual(cost(op), [56, 56 * 32, 70, 64])
        let projected = try read("\"op\": \"LSTM\", \"input_size\": 3, \"hidden_size\": 2, \"bias_vectors\": 1, \"proj_size\": 1")
        // b 1: 40 + 8 = 48 params, + H·P = 2 → 50; mults 70 + 2 = 72; adds 32 + 8 + 16 + (2−1)·1 = 57.
        XCTAssertEqual(cost(projected), [50, 50 * 32, 72, 57])
        // σ = 0.5: weights 40 + 2 at half, mask 42 bits; biases 8. Per gate row (3+2)·0.5 = 2.5:
        // mults 4·2·2.5 + 30 + 2·0.5·1 = 51; adds 4·2·(2.5 − 1) + 8 + 16 + (2·0.5 − 1)·1 = 36.
        let bits: Double = 42 * 32 * 0.5 + 42 + 8 * 32
        XCTAssertEqual(cost(projected, sparsity: 0.5), [29, bits, 51, 36])
    }

    func testSmallGRU() throws {
        let op = try read("\"op\": \"GRU\", \"input_size\": 3, \"hidden_size\": 2")
        // I 3, H 2, b 2: params 3·2·(3+2) = 30 + 2·3·2 = 12 → 42; mults 30 + 10·2 = 50;
        // adds 3·2·(3+2−1) = 24 + 12 + 6·2 = 48.
        XCTAssertEqual(cost(op), [42, 42 * 32, 50, 48])
        // b 1, σ = 0.5: weights 30 at half with a 30-bit mask, biases 6; per gate row (3+2)·0.5 = 2.5:
        // mults 3·2·2.5 + 20 = 35; adds 3·2·(2.5 − 1) + 6 + 12 = 27.
        let sparse = try read("\"op\": \"GRU\", \"input_size\": 3, \"hidden_size\": 2, \"bias_vectors\": 1")
        let bits: Double = 30 * 32 * 0.5 + 30 + 6 * 32
        XCTAssertEqual(cost(sparse, sparsity: 0.5), [21, bits, 35, 27])
    }

    /// The challenge's WikiText-103 baseline: its official figures from the LSTM accounting.
    func testLSTMBaselineGivesTheChallengeFigures() {
        let ops: [any OpKind] = [Embedding(inputSize: 267_735, nChannels: 512),
                                 LSTM(inputSize: 512, hiddenSize: 2048, biasVectors: 1, projectionSize: 512),
                                 FullyConnected(kernelShape: [512, 267_735], useBias: true, tiedWeights: true)]
        let costs = ops.map { $0.cost(OpCostContext(paramBits: 32, sparsity: 0)) }
        let total = costs.dropFirst().reduce(costs[0], +)
        XCTAssertEqual(total.params, 159_376_343)
        XCTAssertEqual(total.mults, 159_131_136)
        XCTAssertEqual(total.adds, 159_116_288)
    }

    func testReferencePaddingKeepsItsFormula() {
        // counting.md §2.2's checked values.
        XCTAssertEqual(convolutionOutputSize(inputSize: 224, kernelSize: 2, padding: .same, stride: 2), 113)
        XCTAssertEqual(convolutionOutputSize(inputSize: 10, kernelSize: 3, padding: .valid, stride: 2), 4)
        // Explicit pads use real shape inference instead: floor((224 + 0 + 1 − 2)/2) + 1 = 112 for TF-style 'same' at k = 2.
        XCTAssertEqual(SpatialWindow(inputHeight: 224, inputWidth: 224, kernelHeight: 2, kernelWidth: 2, strideHeight: 2,
                                     strideWidth: 2, padding: .explicit(top: 0, left: 0, bottom: 1, right: 1)).outputHeight, 112)
    }
}
