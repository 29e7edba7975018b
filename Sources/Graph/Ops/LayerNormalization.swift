/// Layer normalization over `size` (N) per row, `rows` (R) rows, with scale γ and, with `useBias`, shift β.
///
/// Per row: mean N − 1 adds + 1 mult; centre N adds; variance N mults + N − 1 adds + 1 mult; 1/√(var + ε)
/// 1 add + 2 mults; y = c·rstd·γ + β 2N mults + N adds. So 3N + 4 mults and 4N − 1 adds (3N − 1 without β).
/// γ and β are stored like biases: never sparse.
public struct LayerNormalization: OpKind {
    public static let typeName = "LayerNormalization"
    public static let fieldNames = ["rows", "size", "use_bias"]
    public static let hasWeights = false

    public var rows: Int
    public var size: Int
    public var useBias: Bool

    /// Creates a layer normalization.
    public init(rows: Int = 1, size: Int, useBias: Bool = true) {
        self.rows = rows
        self.size = size
        self.useBias = useBias
    }

    public init(reading r: OpFieldReader) throws {
        self.init(rows: try r.size("rows", default: 1), size: try r.size("size"), useBias: try r.bool("use_bias"))
        _ = try r.product([rows, size, 4], "size")
    }

    public var fields: [(String, JSONValue)] {
        (rows == 1 ? [] : [("rows", .int(rows))]) + [("size", .int(size)), ("use_bias", .bool(useBias))]
    }

    public var info: [Int] { [rows, -1, size, size] }

    public func cost(_ c: OpCostContext) -> OpCost {
        let n = Double(size), r = Double(rows)
        let params = useBias ? 2 * n : n
        return OpCost(paramBits: params * c.paramBits, mults: r * (3 * n + 4), adds: r * ((useBias ? 4 : 3) * n - 1),
                      params: params)
    }
}
