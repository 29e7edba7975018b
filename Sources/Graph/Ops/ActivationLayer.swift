/// An activation standing alone (not fused into the op before it), over a tensor of `shape`.
///
/// Graph files: `{"op": "Activation", "function": "gelu", "shape": [128, 768]}`. Costs per element are `Activation.cost`.
public struct ActivationLayer: OpKind {
    public static let typeName = "Activation"
    public static let fieldNames = ["function", "shape"]
    public static let hasWeights = false

    public var function: Activation
    public var shape: [Int]

    /// Creates a standalone activation.
    public init(_ function: Activation, shape: [Int]) {
        self.function = function
        self.shape = shape
    }

    public init(reading r: OpFieldReader) throws {
        guard let function = try r.activation("function") else { throw r.error("function", "missing") }
        self.init(function, shape: try readShape(r))
    }

    public var fields: [(String, JSONValue)] { [("function", .string(function.rawValue)), ("shape", .ints(shape))] }
    public var info: [Int] { [-1, -1, -1, -1] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let n = elementCount(shape)
        return OpCost(paramBits: 0, mults: function.cost.mults * n, adds: function.cost.adds * n, params: 0)
    }
}
