/// A product of two activations, [batch, M, K] × [batch, K, N] (batch: the product of leading dims and heads).
///
/// M·N·K mults and M·N·(K − 1) adds per batch. A product with a constant weight is a FullyConnected instead.
public struct MatMul: OpKind {
    public static let typeName = "MatMul"
    public static let fieldNames = ["batch", "m", "k", "n"]
    public static let hasWeights = false

    public var batch: Int
    public var m: Int
    public var k: Int
    public var n: Int

    /// Creates a product of an M×K and a K×N activation, `batch` times.
    public init(batch: Int = 1, m: Int, k: Int, n: Int) {
        self.batch = batch
        self.m = m
        self.k = k
        self.n = n
    }

    public init(reading r: OpFieldReader) throws {
        self.init(batch: try r.size("batch", default: 1), m: try r.size("m"), k: try r.size("k"), n: try r.size("n"))
        _ = try r.product([batch, m, k, n], "k")
    }

    public var fields: [(String, JSONValue)] {
        (batch == 1 ? [] : [("batch", .int(batch))]) + [("m", .int(m)), ("k", .int(k)), ("n", .int(n))]
    }

    public var info: [Int] { [m, -1, k, n] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let outputs = Double(batch) * Double(m) * Double(n)
        return OpCost(paramBits: 0, mults: outputs * Double(k), adds: outputs * (Double(k) - 1), params: 0)
    }
}
