/// What shape inference knows about one value of the graph.
public struct InferredTensor: Sendable {
    /// Dimensions with batch 1.
    public var shape: [Int]
    /// Element type.
    public var type: ONNXDataType
    /// The values, when they are known before running the model (small constants, shape arithmetic).
    public var value: ConstantValue?
    /// The initializer or constant tensor this value is, if it is one (its values load on demand).
    public var tensor: ONNXTensor?

    /// Creates a description.
    public init(shape: [Int], type: ONNXDataType, value: ConstantValue? = nil, tensor: ONNXTensor? = nil) {
        self.shape = shape
        self.type = type
        self.value = value
        self.tensor = tensor
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// True when the value does not depend on the model's input (a weight or a folded constant).
    public var isConstant: Bool { value != nil || tensor != nil }
}

/// Values known at import time: exact integers for integer tensors, doubles for all.
public struct ConstantValue: Equatable, Sendable {
    /// Every value as Double.
    public var doubles: [Double]
    /// Every value exactly, for integer and boolean tensors.
    public var integers: [Int64]?

    /// Integer values.
    public init(integers: [Int64]) { self.integers = integers; self.doubles = integers.map(Double.init) }
    /// Floating-point values.
    public init(doubles: [Double]) { self.doubles = doubles; self.integers = nil }

    /// The values at `indices` (each checked to be in range by the caller's shape arithmetic).
    func picking(_ indices: [Int]) -> ConstantValue {
        if let integers { return ConstantValue(integers: indices.map { integers[$0] }) }
        return ConstantValue(doubles: indices.map { doubles[$0] })
    }

    /// The values as integers: exact ones, or doubles that are whole numbers in range.
    public var asIntegers: [Int64]? {
        if let integers { return integers }
        var out: [Int64] = []
        for d in doubles { guard let v = Int64(exactly: d) else { return nil }; out.append(v) }
        return out
    }
}

/// Every value's inferred shape (batch 1), keyed by value name.
public struct InferredShapes: Sendable {
    /// Values by name: graph inputs, initializers and every node output.
    public let values: [String: InferredTensor]
    /// The shape the graph input was given (batch 1), by input name.
    public let inputShapes: [(name: String, shape: [Int])]
    /// The batch an image input's file fixed above 1, counted as 1; nil when the file's batch was 1 or symbolic.
    public var fixedBatch: Int? = nil

    /// The shape of `name`, if known.
    public func shape(of name: String) -> [Int]? { values[name]?.shape }

    /// What is known about `name`.
    public subscript(_ name: String) -> InferredTensor? { values[name] }
}
