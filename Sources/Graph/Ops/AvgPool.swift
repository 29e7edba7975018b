/// Average pooling: kh·kw − 1 adds and one mult (the divide) per output element.
public struct AvgPool: OpKind {
    public static let typeName = "AvgPool"
    public static let fieldNames = PoolWindow.fieldNames
    public static let hasWeights = false

    public var pool: PoolWindow

    /// Creates an average pool.
    public init(_ pool: PoolWindow) { self.pool = pool }
    public init(reading r: OpFieldReader) throws { self.init(try PoolWindow(reading: r)) }

    public var fields: [(String, JSONValue)] { pool.fields }
    public var info: [Int] { pool.info }

    public func cost(_ c: OpCostContext) -> OpCost {
        OpCost(paramBits: 0, mults: pool.outputs, adds: (pool.windowSize - 1) * pool.outputs, params: 0)
    }
}
