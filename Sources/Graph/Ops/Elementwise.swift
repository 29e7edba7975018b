/// An elementwise operation on activations (two tensors, or one), over a result of `shape`.
///
/// Graph files: `{"op": "Elementwise", "operator": "div", "shape": [12, 128, 128]}`.
public struct Elementwise: OpKind {
    /// The operator, with its (mults, adds) per element.
    public enum Operator: String, Sendable, CaseIterable {
        case add, sub, mul, div, pow, sqrt, exp, log, reciprocal, neg

        /// Sub is an add; Div, Pow, Sqrt, Exp, Log and Reciprocal are one op each, booked as a mult; a sign flip is free.
        public var cost: (mults: Double, adds: Double) {
            switch self {
            case .add, .sub: return (0, 1)
            case .mul, .div, .pow, .sqrt, .exp, .log, .reciprocal: return (1, 0)
            case .neg: return (0, 0)
            }
        }
    }

    public static let typeName = "Elementwise"
    public static let fieldNames = ["operator", "shape"]
    public static let hasWeights = false

    public var op: Operator
    public var shape: [Int]

    /// Creates an elementwise operation.
    public init(_ op: Operator, shape: [Int]) {
        self.op = op
        self.shape = shape
    }

    public init(reading r: OpFieldReader) throws {
        self.init(try r.choice("operator", Dictionary(uniqueKeysWithValues: Operator.allCases.map { ($0.rawValue, $0) })),
                  shape: try readShape(r))
    }

    public var fields: [(String, JSONValue)] { [("operator", .string(op.rawValue)), ("shape", .ints(shape))] }
    public var info: [Int] { [-1, -1, -1, -1] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let n = elementCount(shape)
        return OpCost(paramBits: 0, mults: op.cost.mults * n, adds: op.cost.adds * n, params: 0)
    }
}
