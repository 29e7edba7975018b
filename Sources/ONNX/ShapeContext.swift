/// What a shape rule sees of one node: its attributes, the opset, and what is known of its inputs.
struct ShapeContext {
    let node: ONNXNode
    /// The opset version of the node's domain.
    let opset: Int
    /// Known inputs by position; nil for an omitted optional input ("").
    let inputs: [InferredTensor?]

    /// Largest constant micronet folds or loads for shape arithmetic (elements).
    static let constantLimit = 1 << 16

    /// Input `i`, which must be present.
    func input(_ i: Int) throws -> InferredTensor {
        guard i < inputs.count, let t = inputs[i] else { throw ShapeError("needs input \(i + 1)") }
        return t
    }

    /// Input `i`, or nil when it is omitted.
    func optionalInput(_ i: Int) -> InferredTensor? { i < inputs.count ? inputs[i] : nil }

    /// The values of input `i`, which must be a constant (small initializer, Constant, or folded shape math).
    func constant(_ i: Int) throws -> ConstantValue {
        let t = try input(i)
        if let v = try Self.value(of: t) { return v }
        throw ShapeError("input \(i + 1) ('\(node.inputs[i])') must be a constant for micronet to infer shapes")
    }

    /// The integer values of input `i` (a constant).
    func constantIntegers(_ i: Int) throws -> [Int64] {
        guard let v = try constant(i).asIntegers else { throw ShapeError("input \(i + 1) must hold integers") }
        return v
    }

    /// The values of `t` when known or small enough to load.
    static func value(of t: InferredTensor) throws -> ConstantValue? {
        if let v = t.value { return v }
        guard let tensor = t.tensor, tensor.count <= constantLimit else { return nil }
        do {
            switch tensor.dataType {
            case .int64, .int32, .int16, .int8, .uint8, .uint16, .uint32, .bool, .uint64, .int4, .uint4:
                return ConstantValue(integers: try tensor.integerValues())
            default:
                return ConstantValue(doubles: try tensor.values())
            }
        } catch let e as ONNXError { throw ShapeError(e.message) }
    }

    /// Integer attribute `name`, or `fallback`.
    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let a = node.attribute(name) else { return fallback }
        guard let v = a.int, let i = Int(exactly: v), abs(i) <= 1 << 40 else { throw ShapeError("attribute \(name) must be an integer") }
        return i
    }

    /// Integer-list attribute `name`, if present.
    func ints(_ name: String) throws -> [Int64]? {
        guard let a = node.attribute(name) else { return nil }
        guard let v = a.ints else { throw ShapeError("attribute \(name) must be a list of integers") }
        return v
    }

    /// Axes from attribute `name` (older opsets) or from input `index` (newer ones), if given.
    func axes(attribute name: String = "axes", input index: Int, sinceOpset: Int) throws -> [Int64]? {
        if opset >= sinceOpset { return optionalInput(index) == nil ? nil : try constantIntegers(index) }
        return try ints(name)
    }

    /// `axis` normalised into `0..<rank` (negative counts from the end).
    static func normalize(_ axis: Int64, rank: Int) throws -> Int {
        guard axis >= -Int64(rank), axis < Int64(rank) else { throw ShapeError("axis \(axis) is out of range for rank \(rank)") }
        return Int(axis < 0 ? axis + Int64(rank) : axis)
    }
}

/// Shape helpers shared by the rules.
enum Shapes {
    /// Element count of `shape`, or a ShapeError on overflow or a negative dimension.
    static func count(_ shape: [Int]) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw ShapeError("negative dimension in \(shape)") }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard !o, p <= 1 << 48 else { throw ShapeError("shape \(shape) is too large") }
            n = p
        }
        return n
    }

    /// Numpy-style broadcast of two shapes.
    static func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out: [Int] = []
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else { throw ShapeError("shapes \(a) and \(b) do not broadcast") }
            out.append(x == 1 ? y : x)
        }
        return out
    }
}
