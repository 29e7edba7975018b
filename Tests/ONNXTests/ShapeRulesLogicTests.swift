import XCTest
@testable import ONNX

/// The shape-arithmetic ops exporters write on constants (ShapeRules+Logic.swift), folded as ONNX defines them.
final class ShapeRulesLogicTests: XCTestCase {
    private func run(_ op: String, _ inputs: [InferredTensor], attributes: [ONNXAttribute] = []) throws -> InferredTensor {
        let node = ONNXNode(name: "n", opType: op, domain: "", inputs: inputs.indices.map { "i\($0)" }, outputs: ["o"],
                            attributes: attributes, metadata: [])
        let rule = try XCTUnwrap(ShapeRules.rule(for: node), op)
        return try rule(ShapeContext(node: node, opset: 17, inputs: inputs))[0]
    }

    private func ints(_ v: [Int64], shape: [Int]? = nil) -> InferredTensor {
        InferredTensor(shape: shape ?? [v.count], type: .int64, value: ConstantValue(integers: v))
    }

    func testModTakesTheDivisorsSignAsPythonDoes() throws {
        // ONNX Mod, fmod = 0 on integers: −7 mod 3 = 2, 7 mod −3 = −2, 6 mod 3 = 0.
        XCTAssertEqual(try run("Mod", [ints([-7, 7, 6]), ints([3, -3, 3])]).value?.integers, [2, -2, 0])
    }

    func testComparisonsAndWhereFoldElementwiseWithBroadcasting() throws {
        let cond = try run("Equal", [ints([1, 2, 3]), ints([2])])
        XCTAssertEqual(cond.type, .bool)
        XCTAssertEqual(cond.value?.integers, [0, 1, 0])
        XCTAssertEqual(try run("Where", [cond, ints([10, 20, 30]), ints([-1])]).value?.integers, [-1, 20, -1])
        XCTAssertEqual(try run("Not", [cond]).value?.integers, [1, 0, 1])
    }

    func testExpandBroadcastsToAConstantShape() throws {
        let token = InferredTensor(shape: [1, 1, 4], type: .float)
        XCTAssertEqual(try run("Expand", [token, ints([3, 1, 1])]).shape, [3, 1, 4])
        XCTAssertThrowsError(try run("Expand", [token, ints([0, 1, 1])]))
    }

    func testRangeCountsItsValuesAndRefusesIntegersBeyondFloat64sExactRange() throws {
        XCTAssertEqual(try run("Range", [ints([0], shape: []), ints([5], shape: []), ints([2], shape: [])]).value?.integers, [0, 2, 4])
        // Near Int64.max the values round to 2^63 in float64: an error, never a trap.
        XCTAssertThrowsError(try run("Range", [ints([Int64.max - 3000], shape: []), ints([Int64.max], shape: []), ints([1], shape: [])]))
    }
}
