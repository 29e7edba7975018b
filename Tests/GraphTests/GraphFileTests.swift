import Foundation
import XCTest
@testable import Graph

final class GraphFileTests: XCTestCase {
    private func decode(_ text: String) throws -> OpGraph {
        try GraphFile.decode(Data(text.utf8), path: "m.json")
    }

    /// The error a graph text is rejected with, or a failure when it is accepted.
    private func rejection(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> GraphFileError? {
        do {
            _ = try decode(text)
            XCTFail("accepted: \(text)", file: file, line: line)
            return nil
        } catch let error as GraphFileError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    private func op(_ fields: String) -> String { "{\"ops\": [{\"name\": \"x\", \(fields)}]}" }
    private let conv = "\"op\": \"Conv2D\", \"input_size\": 224, \"strides\": [2, 2], \"padding\": \"same\", \"use_bias\": true"

    func testReadsTheIssueExampleOneToOne() throws {
        let graph = try decode("""
        {"name": "m", "ops": [{"name": "conv_stem", "op": "Conv2D", "input_size": 224, "kernel_shape": [3,3,3,32],
          "strides": [2,2], "padding": "same", "use_bias": true, "activation": "relu"},
          {"name": "block_se", "ops": [{"name": "gap", "op": "GlobalAvg", "input_size": 112, "n_channels": 32}]}]}
        """)
        XCTAssertEqual(graph.name, "m")
        XCTAssertEqual(graph.entries[0], .op(NamedOp("conv_stem", Conv2D(
            inputSize: 224, kernelShape: [3, 3, 3, 32], strides: [2, 2], padding: .same, useBias: true, activation: .relu))))
        XCTAssertEqual(graph.entries[1], .block(Block("block_se", [NamedOp("gap", GlobalAvg(inputSize: 112, nChannels: 32))])))
    }

    func testWrittenGraphReadsBackIdentically() throws {
        let graph = OpGraph(name: "all", entries: [
            .op(NamedOp("emb", Embedding(inputSize: 100, nChannels: 8), sparsity: 0.25)),
            .op(NamedOp("dw", DepthWiseConv2D(inputSize: 9, kernelShape: [3, 3, 4, 1], strides: [1, 1],
                                              padding: .valid, useBias: false, activation: .hswish))),
            .block(Block("block_lm", [
                NamedOp("q", QRNN(inputSize: 8, hiddenSize: 16, window: 2, outputGate: true)),
                NamedOp("fc", FullyConnected(kernelShape: [16, 100], useBias: false, tiedWeights: true)),
                NamedOp("bias", FullyConnected(kernelShape: [0, 100], useBias: true, activation: .softmax)),
                NamedOp("max", GlobalMax(inputSize: 1, nChannels: 100)),
                NamedOp("s", Scale(inputSize: 2, nChannels: 3)),
                NamedOp("a", Add(inputSize: 2, nChannels: 3)),
            ])),
        ])
        XCTAssertEqual(try decode(GraphFile.encode(graph)), graph)
    }

    func testRejectsUnknownOpType() {
        let e = rejection(op("\"op\": \"Einsum\""))
        XCTAssertEqual(e?.op, "x")
        XCTAssertEqual(e?.field, "op")
        XCTAssertTrue(e?.description.hasPrefix("m.json: op 'x': field 'op': unknown op type \"Einsum\"") ?? false)
        // The list of known types comes from the registry.
        for kind in OpRegistry.kinds { XCTAssertTrue(e?.problem.contains(kind.typeName) ?? false, kind.typeName) }
    }

    func testRejectsUnknownField() {
        let e = rejection(op(conv + ", \"kernel_shape\": [3,3,3,8], \"dilation\": 2"))
        XCTAssertEqual(e?.field, "dilation")
    }

    func testReadsANonSquareKernelPerDimension() throws {
        let graph = try decode(op(conv + ", \"kernel_shape\": [3,1,3,8]"))
        let c = try XCTUnwrap(graph.allOps[0].op.op as? Conv2D)
        // same: pad k//2 per side; H: ceil((224−3+1+2)/2) = 112, W: ceil((224−1+1+0)/2) = 112.
        XCTAssertEqual([c.window.kernelHeight, c.window.kernelWidth, c.window.outputHeight, c.window.outputWidth], [3, 1, 112, 112])
    }

    func testRejectsDepthwiseKernelWhoseLastDimensionIsNotOne() {
        let text = op("\"op\": \"DepthWiseConv2D\", \"input_size\": 8, \"kernel_shape\": [3,3,8,2], \"strides\": [1,1], \"padding\": \"same\", \"use_bias\": false")
        XCTAssertEqual(rejection(text)?.field, "kernel_shape")
    }

    func testRejectsUnknownPaddingAndActivation() {
        XCTAssertEqual(rejection(op(conv.replacingOccurrences(of: "same", with: "causal") + ", \"kernel_shape\": [3,3,3,8]"))?.field, "padding")
        XCTAssertEqual(rejection(op(conv + ", \"kernel_shape\": [3,3,3,8], \"activation\": \"mish\""))?.field, "activation")
    }

    func testRejectsZeroOrNegativeSizes() {
        XCTAssertEqual(rejection(op(conv.replacingOccurrences(of: "224", with: "0") + ", \"kernel_shape\": [3,3,3,8]"))?.field, "input_size")
        XCTAssertEqual(rejection(op(conv + ", \"kernel_shape\": [3,3,-3,8]"))?.field, "kernel_shape")
        XCTAssertEqual(rejection(op("\"op\": \"Add\", \"input_size\": 4, \"n_channels\": -1"))?.field, "n_channels")
        XCTAssertEqual(rejection(op("\"op\": \"FullyConnected\", \"kernel_shape\": [0, 10], \"use_bias\": false"))?.field, "kernel_shape")
        XCTAssertEqual(rejection(op("\"op\": \"QRNN\", \"input_size\": 4, \"hidden_size\": 0, \"window\": 1, \"output_gate\": true"))?.field, "hidden_size")
    }

    func testRejectsSparsityOutsideTheUnitInterval() {
        let fc = "\"op\": \"FullyConnected\", \"kernel_shape\": [4, 10], \"use_bias\": false"
        XCTAssertEqual(rejection(op(fc + ", \"sparsity\": 1"))?.field, "sparsity")
        XCTAssertEqual(rejection(op(fc + ", \"sparsity\": -0.1"))?.field, "sparsity")
        XCTAssertNoThrow(try decode(op(fc + ", \"sparsity\": 0.999")))
    }

    func testRejectsSparsityOnAnOpWithoutWeights() {
        XCTAssertEqual(rejection(op("\"op\": \"Add\", \"input_size\": 4, \"n_channels\": 2, \"sparsity\": 0.5"))?.field, "sparsity")
    }

    func testRejectsWrongTypesAndMissingFields() {
        XCTAssertEqual(rejection(op(conv + ", \"kernel_shape\": [3,3,3,8.5]"))?.field, "kernel_shape")
        XCTAssertEqual(rejection(op(conv))?.description, "m.json: op 'x': field 'kernel_shape': missing")
        XCTAssertEqual(rejection(op(conv.replacingOccurrences(of: "true", with: "1") + ", \"kernel_shape\": [3,3,3,8]"))?.field, "use_bias")
    }

    func testBlockNamesFollowTheReferencePrefixRule() {
        XCTAssertEqual(rejection("{\"ops\": [{\"name\": \"se\", \"ops\": [{\"name\": \"a\", \"op\": \"Add\", \"input_size\": 1, \"n_channels\": 1}]}]}")?.field, "name")
        XCTAssertEqual(rejection("{\"ops\": [{\"name\": \"block_a\", \"op\": \"Add\", \"input_size\": 1, \"n_channels\": 1}]}")?.field, "name")
    }

    func testRejectsDuplicateNamesAndInvalidJSON() {
        let add = "{\"name\": \"a\", \"op\": \"Add\", \"input_size\": 1, \"n_channels\": 1}"
        XCTAssertEqual(rejection("{\"ops\": [\(add), \(add)]}")?.problem, "duplicate op name")
        XCTAssertTrue(rejection("{\"ops\": [")?.problem.hasPrefix("not valid JSON") ?? false)
        XCTAssertEqual(rejection("[1, 2]")?.path, "m.json")
    }
}

/// Issue 9: every number from a graph file is range-checked, products are overflow-checked, keys are unique.
final class GraphFileRangeTests: XCTestCase {
    private func rejection(_ fields: String, file: StaticString = #filePath, line: UInt = #line) -> GraphFileError? {
        do {
            _ = try GraphFile.decode(Data("{\"ops\": [{\"name\": \"x\", \(fields)}]}".utf8), path: "m.json")
            XCTFail("accepted: \(fields)", file: file, line: line)
            return nil
        } catch let error as GraphFileError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    private let fc = "\"op\": \"FullyConnected\", \"kernel_shape\": [4, 10], \"use_bias\": false"

    func testSizesMultiplyingPastInt64AreAnErrorNamingOpAndField() {
        let e = rejection("\"op\": \"FullyConnected\", \"kernel_shape\": [2000000000, 2000000000], \"rows\": 2000000000, \"use_bias\": false")
        XCTAssertEqual(e?.op, "x")
        XCTAssertEqual(e?.field, "kernel_shape")
        XCTAssertTrue(e?.problem.contains("64-bit") ?? false, e?.description ?? "")
        XCTAssertEqual(rejection("\"op\": \"Elementwise\", \"operator\": \"mul\", \"shape\": [2000000000, 2000000000, 2000000000]")?.field, "shape")
        XCTAssertEqual(rejection("\"op\": \"MatMul\", \"m\": 2000000000, \"k\": 2000000000, \"n\": 2000000000")?.field, "k")
        XCTAssertEqual(rejection("\"op\": \"Conv2D\", \"input_size\": 2000000000, \"kernel_shape\": [1, 1, 2000000000, 2000000000], \"strides\": [1, 1], \"padding\": \"same\", \"use_bias\": false")?.field, "kernel_shape")
    }

    func testEachSizeIsBounded() {
        let e = rejection("\"op\": \"Add\", \"input_size\": 9223372036854775807, \"n_channels\": 1")
        XCTAssertEqual(e?.field, "input_size")
        XCTAssertEqual(e?.problem, "must be an integer from 1 to 2147483647, got 9223372036854775807")
        XCTAssertEqual(rejection("\"op\": \"Add\", \"input_size\": 1e300, \"n_channels\": 1")?.field, "input_size")
        XCTAssertEqual(rejection("\"op\": \"Conv2D\", \"input_size\": 8, \"kernel_shape\": [3, 3, 2, 2], \"strides\": [0, 1], \"padding\": \"same\", \"use_bias\": false")?.field, "strides")
        XCTAssertEqual(rejection("\"op\": \"Conv2D\", \"input_size\": 8, \"kernel_shape\": [3, 3, 2, 2], \"strides\": [1, 1], \"pads\": [0, -1, 0, 0], \"use_bias\": false")?.field, "pads")
        XCTAssertEqual(rejection("\"op\": \"Conv2D\", \"input_size\": 8, \"kernel_shape\": [3, 3, 2, 2], \"strides\": [1, 1], \"padding\": \"same\", \"groups\": 0, \"use_bias\": false")?.field, "groups")
        XCTAssertEqual(rejection("\"op\": \"LSTM\", \"input_size\": 8, \"hidden_size\": 4, \"bias_vectors\": 3")?.field, "bias_vectors")
        // A kernel that does not fit its input leaves no output: refused, not counted as zero or negative.
        XCTAssertEqual(rejection("\"op\": \"Conv2D\", \"input_size\": 2, \"kernel_shape\": [5, 5, 2, 2], \"strides\": [1, 1], \"padding\": \"valid\", \"use_bias\": false")?.field, "kernel_shape")
        XCTAssertEqual(rejection("\"op\": \"Conv2D\", \"input_size\": 8, \"kernel_shape\": [3, 3, 2, 2], \"strides\": [1, 1], \"dilations\": [2, 2], \"padding\": \"same\", \"use_bias\": false")?.field, "dilations")
    }

    func testBitWidthsAreIntegersFromOneTo64() {
        for (key, value) in [("param_bits", "0"), ("input_bits", "65"), ("accumulator_bits", "8.5"), ("param_bits", "1e300"), ("quantizer_bits", "-1")] {
            let e = rejection(fc + ", \"\(key)\": \(value)")
            XCTAssertEqual(e?.field, key, value)
        }
        XCTAssertEqual(rejection(fc + ", \"param_bits\": 65")?.problem, "must be an integer from 1 to 64, got 65")
        XCTAssertNoThrow(try GraphFile.decode(Data("{\"ops\": [{\"name\": \"x\", \(fc), \"param_bits\": 1, \"input_bits\": 64}]}".utf8), path: "m.json"))
    }

    func testSparsityMustBeInTheUnitInterval() {
        XCTAssertEqual(rejection(fc + ", \"sparsity\": 1")?.field, "sparsity")
        XCTAssertEqual(rejection(fc + ", \"sparsity\": -0.0001")?.field, "sparsity")
    }

    func testDuplicateKeysAndSyntaxErrorsNameTheFileAndPlace() {
        do {
            _ = try GraphFile.decode(Data("{\"ops\": [{\"name\": \"x\", \(fc), \"use_bias\": true}]}".utf8), path: "m.json")
            XCTFail("accepted a duplicate key")
        } catch {
            XCTAssertEqual("\(error)", "m.json: not valid JSON at line 1, column 92: duplicate key \"use_bias\"")
        }
        do {
            _ = try GraphFile.decode(Data("{\"ops\": [\n  {\"name\" \"x\"}]}".utf8), path: "m.json")
            XCTFail("accepted bad JSON")
        } catch {
            XCTAssertEqual("\(error)", "m.json: not valid JSON at line 2, column 11: expected ':' after a key")
        }
    }

    func testModelInputIsReadAndChecked() throws {
        let g = try GraphFile.decode(Data("{\"input\": {\"image\": [224, 224, 3]}, \"ops\": []}".utf8), path: "m.json")
        XCTAssertEqual(g.input, .image(height: 224, width: 224, channels: 3))
        let t = try GraphFile.decode(Data("{\"input\": {\"tokens\": 267735}, \"ops\": []}".utf8), path: "m.json")
        XCTAssertEqual(t.input, .tokens(vocabulary: 267_735))
        for bad in ["{\"tokens\": 0}", "{\"image\": [1, 2]}", "{\"tokens\": 5, \"image\": [1, 1, 1]}", "{}", "[1]", "{\"audio\": 1}"] {
            XCTAssertThrowsError(try GraphFile.decode(Data("{\"input\": \(bad), \"ops\": []}".utf8), path: "m.json"), bad)
        }
    }
}
