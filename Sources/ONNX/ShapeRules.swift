import Foundation

/// Computes a node's output descriptions from its inputs.
typealias ShapeRule = (ShapeContext) throws -> [InferredTensor]

/// The shape rule of every ONNX op micronet reads, keyed by op type in the default domain.
/// An op type missing here is reported as unsupported before anything else is inferred.
enum ShapeRules {
    static let defaultDomain: [String: ShapeRule] = {
        var rules: [String: ShapeRule] = [:]
        for op in ["Relu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Gelu", "Sqrt", "Exp", "Log",
                   "Neg", "Reciprocal", "Softmax", "Clip", "LayerNormalization", "BatchNormalization",
                   "Dropout"] {
            rules[op] = sameShape
        }
        for op in ["Add", "Sub", "Mul", "Div", "Pow"] { rules[op] = binary(op) }
        rules["Cast"] = cast
        rules["Identity"] = { c in [try c.input(0)] }
        rules["Conv"] = conv
        rules["MaxPool"] = pool
        rules["AveragePool"] = pool
        rules["GlobalAveragePool"] = globalPool
        rules["GlobalMaxPool"] = globalPool
        rules["ReduceMean"] = reduce
        rules["Gemm"] = gemm
        rules["MatMul"] = matMul
        rules["Flatten"] = flatten
        rules["Reshape"] = reshape
        rules["Transpose"] = transpose
        rules["Squeeze"] = squeeze
        rules["Unsqueeze"] = unsqueeze
        rules["Concat"] = concat
        rules["Split"] = split
        rules["Shape"] = shape
        rules["Gather"] = gather
        rules["Slice"] = slice
        rules["Constant"] = constant
        rules["Pad"] = pad
        rules["ConstantOfShape"] = constantOfShape
        rules.merge(logic) { current, _ in current }
        return rules
    }()

    /// The rule for `node`, if micronet reads its op.
    static func rule(for node: ONNXNode) -> ShapeRule? {
        ONNXNode.isDefaultDomain(node.domain) ? defaultDomain[node.opType] : nil
    }

    // MARK: elementwise

    /// Outputs shaped like the first input (extra outputs: BatchNormalization's running stats are
    /// per channel, LayerNormalization's mean and 1/std keep the leading axes, Dropout's mask).
    static let sameShape: ShapeRule = { c in
        let x = try c.input(0)
        var outs = [InferredTensor(shape: x.shape, type: x.type)]
        for i in 1..<max(1, c.node.outputs.count) {
            switch c.node.opType {
            case "BatchNormalization":
                outs.append(InferredTensor(shape: x.shape.count > 1 ? [x.shape[1]] : [], type: x.type))
            case "LayerNormalization":
                let axis = try ShapeContext.normalize(Int64(try c.int("axis", -1)), rank: x.shape.count)
                outs.append(InferredTensor(shape: Array(x.shape[..<axis]) + Array(repeating: 1, count: x.shape.count - axis), type: .float))
            default:
                outs.append(InferredTensor(shape: x.shape, type: i == 1 && c.node.opType == "Dropout" ? .bool : x.type))
            }
        }
        return outs
    }

    static let cast: ShapeRule = { c in
        let x = try c.input(0)
        guard let to = ONNXDataType(rawValue: try c.int("to", 0)) else { throw ShapeError("attribute to names no ONNX type") }
        var value = try ShapeContext.value(of: x)
        if let v = value, !to.isFloatingPoint, let ints = v.asIntegers ?? v.doubles.map({ Int64(exactly: $0.rounded(.towardZero)) ?? 0 }) as [Int64]? {
            value = ConstantValue(integers: ints)
        } else if let v = value, to.isFloatingPoint {
            value = ConstantValue(doubles: v.doubles)
        }
        return [InferredTensor(shape: x.shape, type: to, value: x.count <= ShapeContext.constantLimit ? value : nil)]
    }

    /// Broadcasting binary op; folds small constants (shape arithmetic).
    static func binary(_ op: String) -> ShapeRule {
        return { c in
            let a = try c.input(0), b = try c.input(1)
            let shape = try Shapes.broadcast(a.shape, b.shape)
            var value: ConstantValue?
            if try Shapes.count(shape) <= ShapeContext.constantLimit, a.isConstant, b.isConstant,
               let va = try ShapeContext.value(of: a), let vb = try ShapeContext.value(of: b) {
                value = fold(op, va, a.shape, vb, b.shape, shape)
            }
            return [InferredTensor(shape: shape, type: a.type, value: value)]
        }
    }

    private static func fold(_ op: String, _ a: ConstantValue, _ sa: [Int], _ b: ConstantValue, _ sb: [Int], _ s: [Int]) -> ConstantValue? {
        let n = s.reduce(1, *)
        func index(_ i: Int, _ shape: [Int]) -> Int {
            // Row-major index of output element i in a broadcast operand.
            var rem = i, idx = 0, step = 1
            for axis in stride(from: s.count - 1, through: 0, by: -1) {
                let coord = rem % s[axis]; rem /= s[axis]
                let k = axis - (s.count - shape.count)
                if k >= 0 { idx += (shape[k] == 1 ? 0 : coord) * step; step *= shape[k] }
            }
            return idx
        }
        if let x = a.integers, let y = b.integers {
            var out: [Int64] = []
            for i in 0..<n {
                let p = x[index(i, sa)], q = y[index(i, sb)]
                switch op {
                case "Add": out.append(p &+ q)
                case "Sub": out.append(p &- q)
                case "Mul": out.append(p &* q)
                case "Div": guard q != 0 else { return nil }; out.append(p / q)
                default: return nil
                }
            }
            return ConstantValue(integers: out)
        }
        var out: [Double] = []
        for i in 0..<n {
            let p = a.doubles[index(i, sa)], q = b.doubles[index(i, sb)]
            switch op {
            case "Add": out.append(p + q)
            case "Sub": out.append(p - q)
            case "Mul": out.append(p * q)
            case "Div": out.append(p / q)
            case "Pow": out.append(Foundation.pow(p, q))
            default: return nil
            }
        }
        return ConstantValue(doubles: out)
    }

    // MARK: convolution and pooling

    static let conv: ShapeRule = { c in
        let x = try c.input(0), w = try c.input(1)
        guard x.shape.count >= 3, w.shape.count == x.shape.count else {
            throw ShapeError("input \(x.shape) and weight \(w.shape) are not an N-d convolution")
        }
        let group = try c.int("group", 1)
        guard group >= 1, x.shape[1] % group == 0, w.shape[0] % group == 0, w.shape[1] * group == x.shape[1] else {
            throw ShapeError("weight \(w.shape) with group \(group) does not fit input channels \(x.shape[1])")
        }
        let kernel = Array(w.shape[2...])
        if let k = try c.ints("kernel_shape"), k.map({ Int($0) }) != kernel {
            throw ShapeError("kernel_shape \(k) does not match weight \(w.shape)")
        }
        if let b = c.optionalInput(2), b.shape != [w.shape[0]] {
            throw ShapeError("bias \(b.shape) does not match \(w.shape[0]) output channels")
        }
        let g = try WindowGeometry(node: c.node, input: Array(x.shape[2...]), kernel: kernel)
        return [InferredTensor(shape: [x.shape[0], w.shape[0]] + g.output, type: x.type)]
    }

    static let pool: ShapeRule = { c in
        let x = try c.input(0)
        guard x.shape.count >= 3 else { throw ShapeError("input \(x.shape) has no spatial axes") }
        guard let k = try c.ints("kernel_shape") else { throw ShapeError("kernel_shape is missing") }
        let g = try WindowGeometry(node: c.node, input: Array(x.shape[2...]), kernel: k.map { Int(clamping: $0) },
                                   ceilMode: try c.int("ceil_mode", 0) != 0)
        let out = InferredTensor(shape: Array(x.shape[..<2]) + g.output, type: x.type)
        return c.node.outputs.count > 1 ? [out, InferredTensor(shape: out.shape, type: .int64)] : [out]
    }

    static let globalPool: ShapeRule = { c in
        let x = try c.input(0)
        guard x.shape.count >= 3 else { throw ShapeError("input \(x.shape) has no spatial axes") }
        return [InferredTensor(shape: Array(x.shape[..<2]) + Array(repeating: 1, count: x.shape.count - 2), type: x.type)]
    }

    static let reduce: ShapeRule = { c in
        let x = try c.input(0)
        let keep = try c.int("keepdims", 1) != 0
        let given = try c.axes(input: 1, sinceOpset: 18) ?? []
        let noop = try c.int("noop_with_empty_axes", 0) != 0
        if given.isEmpty && noop { return [InferredTensor(shape: x.shape, type: x.type)] }
        let axes = given.isEmpty ? Set(0..<x.shape.count) : Set(try given.map { try ShapeContext.normalize($0, rank: x.shape.count) })
        var shape: [Int] = []
        for (i, d) in x.shape.enumerated() {
            if !axes.contains(i) { shape.append(d) } else if keep { shape.append(1) }
        }
        return [InferredTensor(shape: shape, type: x.type)]
    }

    // MARK: dense

    static let gemm: ShapeRule = { c in
        let a = try c.input(0), b = try c.input(1)
        guard a.shape.count == 2, b.shape.count == 2 else { throw ShapeError("Gemm needs 2-D inputs, got \(a.shape) and \(b.shape)") }
        let (m, k) = try c.int("transA", 0) != 0 ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = try c.int("transB", 0) != 0 ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == k2 else { throw ShapeError("Gemm inner sizes differ: \(a.shape) and \(b.shape)") }
        if let bias = c.optionalInput(2) { _ = try Shapes.broadcast(bias.shape, [m, n]) }
        return [InferredTensor(shape: [m, n], type: a.type)]
    }

    static let matMul: ShapeRule = { c in
        let a = try c.input(0), b = try c.input(1)
        guard !a.shape.isEmpty, !b.shape.isEmpty else { throw ShapeError("MatMul of a scalar") }
        let sa = a.shape.count == 1 ? [1] + a.shape : a.shape
        let sb = b.shape.count == 1 ? b.shape + [1] : b.shape
        guard sa[sa.count - 1] == sb[sb.count - 2] else { throw ShapeError("MatMul inner sizes differ: \(a.shape) and \(b.shape)") }
        var shape = try Shapes.broadcast(Array(sa.dropLast(2)), Array(sb.dropLast(2)))
        if a.shape.count > 1 { shape.append(sa[sa.count - 2]) }
        if b.shape.count > 1 { shape.append(sb[sb.count - 1]) }
        return [InferredTensor(shape: shape, type: a.type)]
    }

    // MARK: data movement (free ops)

    static let flatten: ShapeRule = { c in
        let x = try c.input(0)
        var axis = try c.int("axis", 1)
        if axis < 0 { axis += x.shape.count }
        guard axis >= 0, axis <= x.shape.count else { throw ShapeError("axis \(axis) is out of range for \(x.shape)") }
        return [InferredTensor(shape: [try Shapes.count(Array(x.shape[..<axis])), try Shapes.count(Array(x.shape[axis...]))], type: x.type)]
    }

    static let reshape: ShapeRule = { c in
        let x = try c.input(0)
        let target = c.opset >= 5 ? try c.constantIntegers(1) : (try c.ints("shape") ?? [])
        let allowZero = try c.int("allowzero", 0) != 0
        var shape: [Int] = []
        var inferred: Int?
        for (i, t) in target.enumerated() {
            if t == 0 && !allowZero {
                guard i < x.shape.count else { throw ShapeError("shape entry 0 at \(i) has no input dimension to copy") }
                shape.append(x.shape[i])
            } else if t == -1 {
                guard inferred == nil else { throw ShapeError("shape \(target) has two -1 entries") }
                inferred = i; shape.append(1)
            } else {
                guard t >= 0, t <= 1 << 40 else { throw ShapeError("shape entry \(t) is out of range") }
                shape.append(Int(t))
            }
        }
        let total = try Shapes.count(x.shape)
        let known = try Shapes.count(shape)
        if let i = inferred {
            guard known > 0, total % known == 0 else { throw ShapeError("cannot reshape \(x.shape) to \(target)") }
            shape[i] = total / known
        } else if known != total {
            throw ShapeError("cannot reshape \(x.shape) (\(total) elements) to \(shape)")
        }
        return [InferredTensor(shape: shape, type: x.type, value: x.value)]
    }

    static let transpose: ShapeRule = { c in
        let x = try c.input(0)
        let perm = try c.ints("perm")?.map { Int(clamping: $0) } ?? Array((0..<x.shape.count).reversed())
        guard perm.sorted() == Array(0..<x.shape.count) else { throw ShapeError("perm \(perm) is not a permutation of \(x.shape.count) axes") }
        let shape = perm.map { x.shape[$0] }
        var value: ConstantValue?
        if let v = x.value {
            let inStrides = Shapes.strides(x.shape)
            value = v.picking(Shapes.indices(of: shape) { coords in zip(perm, coords).reduce(0) { $0 + $1.1 * inStrides[$1.0] } })
        }
        return [InferredTensor(shape: shape, type: x.type, value: value)]
    }

    static let squeeze: ShapeRule = { c in
        let x = try c.input(0)
        let given = try c.axes(input: 1, sinceOpset: 13)
        let axes = try given.map { try Set($0.map { try ShapeContext.normalize($0, rank: x.shape.count) }) }
            ?? Set(x.shape.indices.filter { x.shape[$0] == 1 })
        for a in axes where x.shape[a] != 1 { throw ShapeError("cannot squeeze axis \(a) of size \(x.shape[a])") }
        let shape = x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }
        return [InferredTensor(shape: shape, type: x.type, value: x.value)]
    }

    static let unsqueeze: ShapeRule = { c in
        let x = try c.input(0)
        guard let given = try c.axes(input: 1, sinceOpset: 13) else { throw ShapeError("axes are missing") }
        let rank = x.shape.count + given.count
        let axes = Set(try given.map { try ShapeContext.normalize($0, rank: rank) })
        guard axes.count == given.count else { throw ShapeError("axes \(given) repeat an axis") }
        var rest = x.shape.makeIterator()
        let shape = (0..<rank).map { axes.contains($0) ? 1 : rest.next() ?? 1 }
        return [InferredTensor(shape: shape, type: x.type, value: x.value)]
    }

    static let concat: ShapeRule = { c in
        let parts = c.inputs.compactMap { $0 }
        guard let first = parts.first else { throw ShapeError("no inputs") }
        let axis = try ShapeContext.normalize(Int64(try c.int("axis", 0)), rank: first.shape.count)
        var shape = first.shape
        for p in parts.dropFirst() {
            guard p.shape.count == shape.count,
                  p.shape.indices.allSatisfy({ $0 == axis || p.shape[$0] == shape[$0] }) else {
                throw ShapeError("cannot concatenate \(first.shape) and \(p.shape) on axis \(axis)")
            }
            shape[axis] += p.shape[axis]
        }
        var value: ConstantValue?
        if shape.count == 1, try Shapes.count(shape) <= ShapeContext.constantLimit {
            let values = try parts.map { try ShapeContext.value(of: $0) }
            if values.allSatisfy({ $0 != nil }) {
                let vs = values.compactMap { $0 }
                if vs.allSatisfy({ $0.integers != nil }) { value = ConstantValue(integers: vs.flatMap { $0.integers! }) }
                else { value = ConstantValue(doubles: vs.flatMap(\.doubles)) }
            }
        }
        return [InferredTensor(shape: shape, type: first.type, value: value)]
    }

    static let split: ShapeRule = { c in
        let x = try c.input(0)
        let axis = try ShapeContext.normalize(Int64(try c.int("axis", 0)), rank: x.shape.count)
        let n = c.node.outputs.count
        let sizes: [Int]
        if let s = try c.axes(attribute: "split", input: 1, sinceOpset: 13) {
            sizes = s.map { Int(clamping: $0) }
        } else {
            let parts = try c.int("num_outputs", n)
            guard parts == n, parts >= 1 else { throw ShapeError("num_outputs \(parts) does not match the node's \(n) outputs") }
            let chunk = (x.shape[axis] + parts - 1) / parts
            sizes = (0..<parts).map { min(chunk, max(0, x.shape[axis] - $0 * chunk)) }
        }
        guard sizes.count == n, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == x.shape[axis] else {
            throw ShapeError("split \(sizes) does not divide axis \(axis) of \(x.shape) into \(n) outputs")
        }
        return sizes.map { s in var shape = x.shape; shape[axis] = s; return InferredTensor(shape: shape, type: x.type) }
    }

    static let shape: ShapeRule = { c in
        let x = try c.input(0)
        let r = x.shape.count
        func clampAxis(_ a: Int) -> Int { min(max(a < 0 ? a + r : a, 0), r) }
        let start = clampAxis(try c.int("start", 0)), end = clampAxis(try c.int("end", r))
        let dims = start < end ? Array(x.shape[start..<end]) : []
        return [InferredTensor(shape: [dims.count], type: .int64, value: ConstantValue(integers: dims.map { Int64($0) }))]
    }

    static let gather: ShapeRule = { c in
        let x = try c.input(0), idx = try c.input(1)
        let axis = try ShapeContext.normalize(Int64(try c.int("axis", 0)), rank: x.shape.count)
        let shape = Array(x.shape[..<axis]) + idx.shape + Array(x.shape[(axis + 1)...])
        var value: ConstantValue?
        if x.shape.count == 1, let v = try ShapeContext.value(of: x), let i = try ShapeContext.value(of: idx)?.asIntegers {
            var picked: [Int] = []
            for k in i {
                let j = Int(k < 0 ? k + Int64(x.shape[0]) : k)
                guard j >= 0, j < x.shape[0] else { throw ShapeError("index \(k) is out of range for \(x.shape)") }
                picked.append(j)
            }
            value = v.integers.map { ints in ConstantValue(integers: picked.map { ints[$0] }) }
                ?? ConstantValue(doubles: picked.map { v.doubles[$0] })
        }
        return [InferredTensor(shape: shape, type: x.type, value: value)]
    }

    static let slice: ShapeRule = { c in
        let x = try c.input(0)
        let starts: [Int64], ends: [Int64], axes: [Int64]?, steps: [Int64]?
        if c.opset >= 10 {
            starts = try c.constantIntegers(1); ends = try c.constantIntegers(2)
            axes = c.optionalInput(3) == nil ? nil : try c.constantIntegers(3)
            steps = c.optionalInput(4) == nil ? nil : try c.constantIntegers(4)
        } else {
            starts = try c.ints("starts") ?? []; ends = try c.ints("ends") ?? []; axes = try c.ints("axes"); steps = nil
        }
        let ax = axes ?? (0..<Int64(starts.count)).map { $0 }
        guard ends.count == starts.count, ax.count == starts.count, (steps?.count ?? starts.count) == starts.count else {
            throw ShapeError("starts, ends, axes and steps differ in length")
        }
        var shape = x.shape
        var ranges = x.shape.map { (start: 0, step: 1, count: $0) }
        for i in starts.indices {
            let a = try ShapeContext.normalize(ax[i], rank: x.shape.count)
            let d = Int64(x.shape[a])
            let step = steps?[i] ?? 1
            guard step != 0 else { throw ShapeError("slice step is 0") }
            var s = starts[i] < 0 ? starts[i] &+ d : starts[i]
            var e = ends[i] < 0 ? ends[i] &+ d : ends[i]
            let n: Int64
            if step > 0 {
                s = min(max(s, 0), d); e = min(max(e, 0), d)
                n = e > s ? (e - s + step - 1) / step : 0
            } else {
                s = min(max(s, -1), d - 1); e = min(max(e, -1), d - 1)
                n = s > e ? (s - e + (-step) - 1) / (-step) : 0
            }
            shape[a] = Int(n)
            ranges[a] = (Int(s), Int(clamping: step), Int(n))
        }
        var value: ConstantValue?
        if x.isConstant, try Shapes.count(x.shape) <= ShapeContext.constantLimit, let v = try ShapeContext.value(of: x) {
            let inStrides = Shapes.strides(x.shape)
            let picked = Shapes.indices(of: shape) { coords in
                zip(coords.indices, coords).reduce(0) { $0 + (ranges[$1.0].start + $1.1 * ranges[$1.0].step) * inStrides[$1.0] }
            }
            value = v.picking(picked)
        }
        return [InferredTensor(shape: shape, type: x.type, value: value)]
    }

    /// Pad: each axis grows by its begin and end pads (pads from opset 11 on are an input).
    static let pad: ShapeRule = { c in
        let x = try c.input(0)
        let pads = c.opset >= 11 ? try c.constantIntegers(1) : (try c.ints("pads") ?? [])
        let axes = try (c.opset >= 18 && c.optionalInput(3) != nil ? try c.constantIntegers(3) : (0..<Int64(x.shape.count)).map { $0 })
            .map { try ShapeContext.normalize($0, rank: x.shape.count) }
        guard pads.count == 2 * axes.count else { throw ShapeError("pads \(pads) do not match \(axes.count) axes") }
        var shape = x.shape
        for (i, a) in axes.enumerated() {
            let grown = Int64(shape[a]) + pads[i] + pads[i + axes.count]
            guard grown >= 0, grown <= 1 << 40 else { throw ShapeError("pads \(pads) make axis \(a) of \(x.shape) \(grown)") }
            shape[a] = Int(grown)
        }
        return [InferredTensor(shape: shape, type: x.type)]
    }

    /// ConstantOfShape: a tensor of the constant shape, filled with the `value` attribute (0.0 by default).
    static let constantOfShape: ShapeRule = { c in
        let dims = try c.constantIntegers(0)
        guard dims.allSatisfy({ $0 >= 0 && $0 <= 1 << 40 }) else { throw ShapeError("shape \(dims) is out of range") }
        let shape = dims.map { Int($0) }
        let n = try Shapes.count(shape)
        var type = ONNXDataType.float
        var fill = ConstantValue(doubles: [0])
        if let t = c.node.attribute("value")?.tensor {
            type = t.dataType
            fill = try ShapeContext.value(of: InferredTensor(shape: t.shape, type: t.dataType, tensor: t)) ?? fill
        }
        guard n <= ShapeContext.constantLimit, !fill.doubles.isEmpty else { return [InferredTensor(shape: shape, type: type)] }
        return [InferredTensor(shape: shape, type: type, value: fill.picking(Array(repeating: 0, count: n)))]
    }

    static let constant: ShapeRule = { c in
        guard let a = c.node.attributes.first else { throw ShapeError("Constant has no value attribute") }
        switch (a.name, a.value) {
        case ("value", .tensor(let t)):
            let value = try ShapeContext.value(of: InferredTensor(shape: t.shape, type: t.dataType, tensor: t))
            return [InferredTensor(shape: t.shape, type: t.dataType, value: value, tensor: t)]
        case ("value_float", .float(let f)):
            return [InferredTensor(shape: [], type: .float, value: ConstantValue(doubles: [Double(f)]))]
        case ("value_floats", .floats(let f)):
            return [InferredTensor(shape: [f.count], type: .float, value: ConstantValue(doubles: f.map(Double.init)))]
        case ("value_int", .int(let i)):
            return [InferredTensor(shape: [], type: .int64, value: ConstantValue(integers: [i]))]
        case ("value_ints", .ints(let i)):
            return [InferredTensor(shape: [i.count], type: .int64, value: ConstantValue(integers: i))]
        default:
            throw ShapeError("Constant attribute '\(a.name)' is not one micronet reads")
        }
    }
}
