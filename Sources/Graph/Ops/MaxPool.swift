/// Max pooling: kh·kw − 1 comparisons per output element, booked as mults (as relu and GlobalMax are); no adds.
public struct MaxPool: OpKind {
    public static let typeName = "MaxPool"
    public static let fieldNames = PoolWindow.fieldNames
    public static let hasWeights = false

    public var pool: PoolWindow

    /// Creates a max pool.
    public init(_ pool: PoolWindow) { self.pool = pool }
    public init(reading r: OpFieldReader) throws { self.init(try PoolWindow(reading: r)) }

    public var fields: [(String, JSONValue)] { pool.fields }
    public var info: [Int] { pool.info }

    public func cost(_ c: OpCostContext) -> OpCost {
        OpCost(paramBits: 0, mults: (pool.windowSize - 1) * pool.outputs, adds: 0, params: 0)
    }
}
