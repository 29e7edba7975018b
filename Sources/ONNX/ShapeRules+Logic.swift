import Foundation

/// Comparisons, logic, selection, Mod, Expand and Range: the ops exporters use to compute shapes (ViT's
/// class token is expanded to a size that Mod, Equal and Where work out from `Shape`). Their values are
/// folded when every input is a small constant, so the lowering finds them free; shapes are inferred either way.
extension ShapeRules {
    /// The rules this file adds, merged into `defaultDomain`.
    static let logic: [String: ShapeRule] = {
        var rules: [String: ShapeRule] = [:]
        let comparisons: [String: (Double, Double) -> Bool] = [
            "Equal": { $0 == $1 }, "Less": { $0 < $1 }, "Greater": { $0 > $1 },
            "LessOrEqual": { $0 <= $1 }, "GreaterOrEqual": { $0 >= $1 },
        ]
        for (op, f) in comparisons {
            rules[op] = elementwise(arity: 2, type: { _ in .bool }) { v in f(v[0], v[1]) ? 1 : 0 }
        }
        rules["And"] = elementwise(arity: 2, type: { _ in .bool }) { v in v[0] != 0 && v[1] != 0 ? 1 : 0 }
        rules["Or"] = elementwise(arity: 2, type: { _ in .bool }) { v in v[0] != 0 || v[1] != 0 ? 1 : 0 }
        rules["Not"] = elementwise(arity: 1, type: { _ in .bool }) { v in v[0] == 0 ? 1 : 0 }
        rules["Where"] = elementwise(arity: 3, type: { $0[1].type }) { v in v[0] != 0 ? v[1] : v[2] }
        rules["Mod"] = { c in
            // fmod = 0 (integers): the remainder takes the divisor's sign, as Python's %; fmod = 1: C's fmod.
            let fmod = try c.int("fmod", 0) != 0
            return try elementwise(arity: 2, type: { $0[0].type }) { v in
                let r = Foundation.fmod(v[0], v[1])
                return fmod || r == 0 || (r < 0) == (v[1] < 0) ? r : r + v[1]
            }(c)
        }
        rules["Expand"] = expand
        rules["Range"] = range
        return rules
    }()

    /// A broadcasting elementwise op of `arity` inputs whose values fold through `f` when all are small constants
    /// (a zero divisor or other non-finite result leaves the value unknown).
    static func elementwise(arity: Int, type: @escaping ([InferredTensor]) -> ONNXDataType,
                            _ f: @escaping ([Double]) -> Double) -> ShapeRule {
        return { c in
            let inputs = try (0..<arity).map { try c.input($0) }
            var shape = inputs[0].shape
            for t in inputs.dropFirst() { shape = try Shapes.broadcast(shape, t.shape) }
            let out = type(inputs)
            guard try Shapes.count(shape) <= ShapeContext.constantLimit, inputs.allSatisfy(\.isConstant) else {
                return [InferredTensor(shape: shape, type: out)]
            }
            let values = try inputs.map { try ShapeContext.value(of: $0) }
            guard values.allSatisfy({ $0 != nil }) else { return [InferredTensor(shape: shape, type: out)] }
            let picks = inputs.map { t in Shapes.indices(of: shape) { coords in broadcastIndex(coords, of: t.shape, in: shape) } }
            var results: [Double] = []
            for i in 0..<picks[0].count {
                let r = f(zip(values, picks).map { $0!.doubles[$1[i]] })
                guard r.isFinite else { return [InferredTensor(shape: shape, type: out)] }
                results.append(r)
            }
            let value = out.isFloatingPoint ? ConstantValue(doubles: results)
                                            : ConstantValue(integers: results.map { Int64(exactly: $0) ?? 0 })
            return [InferredTensor(shape: shape, type: out, value: value)]
        }
    }

    /// Row-major index, in an operand of `shape`, of the element broadcast to `coords` of `full`.
    static func broadcastIndex(_ coords: [Int], of shape: [Int], in full: [Int]) -> Int {
        var idx = 0
        for (k, size) in shape.enumerated() {
            let coord = coords[full.count - shape.count + k]
            idx = idx * size + (size == 1 ? 0 : coord)
        }
        return idx
    }

    /// Expand: the input broadcast against a constant shape (both ways, as numpy). Data movement only.
    static let expand: ShapeRule = { c in
        let x = try c.input(0)
        let target = try c.constantIntegers(1)
        guard target.allSatisfy({ $0 >= 1 && $0 <= Int64(Int32.max) }) else {
            throw ShapeError("Expand to \(target) (every dimension must be from 1 to 2^31 - 1)")
        }
        let shape = try Shapes.broadcast(x.shape, target.map { Int($0) })
        var value: ConstantValue?
        if let v = try ShapeContext.value(of: x), try Shapes.count(shape) <= ShapeContext.constantLimit {
            value = v.picking(Shapes.indices(of: shape) { broadcastIndex($0, of: x.shape, in: shape) })
        }
        return [InferredTensor(shape: shape, type: x.type, value: value)]
    }

    /// Range(start, limit, delta): max(ceil((limit − start) / delta), 0) values, from constant scalars.
    static let range: ShapeRule = { c in
        let start = try c.constant(0).doubles, limit = try c.constant(1).doubles, delta = try c.constant(2).doubles
        guard start.count == 1, limit.count == 1, delta.count == 1, delta[0] != 0, start[0].isFinite, limit[0].isFinite,
              delta[0].isFinite else { throw ShapeError("Range needs finite scalar start, limit and a non-zero delta") }
        let n = max(0, ((limit[0] - start[0]) / delta[0]).rounded(.up))
        guard n <= Double(ShapeContext.constantLimit) else { throw ShapeError("Range of \(n) values is past micronet's limit") }
        let values = (0..<Int(n)).map { start[0] + Double($0) * delta[0] }
        let type = try c.input(0).type
        if type.isFloatingPoint { return [InferredTensor(shape: [Int(n)], type: type, value: ConstantValue(doubles: values))] }
        // Integer ranges near Int64's ends round in Double: such a value is not one micronet can hold exactly.
        let integers = values.compactMap { Int64(exactly: $0) }
        guard integers.count == values.count else { throw ShapeError("Range values pass the exact range of 64-bit integers in float64") }
        return [InferredTensor(shape: [Int(n)], type: type, value: ConstantValue(integers: integers))]
    }
}
