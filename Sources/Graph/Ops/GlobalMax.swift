/// The seed's extension: the max over an `inputSize × nChannels` input (the decoder's argmax over the vocabulary),
/// one comparison per element, booked as a multiplication like relu.
public struct GlobalMax: OpKind {
    public static let typeName = "GlobalMax"
    public static let fieldNames = ["input_size", "n_channels"]
    public static let hasWeights = false

    public var inputSize: Int
    public var nChannels: Int

    /// Creates a max over `inputSize × nChannels` elements.
    public init(inputSize: Int, nChannels: Int) {
        self.inputSize = inputSize
        self.nChannels = nChannels
    }

    public init(reading r: OpFieldReader) throws {
        self.init(inputSize: try r.size("input_size"), nChannels: try r.size("n_channels"))
        _ = try r.product([inputSize, nChannels], "n_channels")
    }

    public var fields: [(String, JSONValue)] { [("input_size", .int(inputSize)), ("n_channels", .int(nChannels))] }
    public var info: [Int] { [-1, -1, -1, -1] }

    public func cost(_ c: OpCostContext) -> OpCost {
        OpCost(paramBits: 0, mults: Double(inputSize) * Double(nChannels), adds: 0, params: 0)
    }
}
