/// A feature map times a per-channel vector (squeeze-excite): one mult per element.
public struct Scale: OpKind {
    public static let typeName = "Scale"
    public static let fieldNames = FeatureMap.fieldNames
    public static let hasWeights = false

    public var input: FeatureMap

    /// Creates a scale over an H×W×C input.
    public init(_ input: FeatureMap) { self.input = input }
    /// The reference's square form.
    public init(inputSize: Int, nChannels: Int) { self.init(FeatureMap(height: inputSize, width: inputSize, channels: nChannels)) }
    public init(reading r: OpFieldReader) throws { self.init(try FeatureMap(reading: r)) }

    public var fields: [(String, JSONValue)] { input.fields }
    public var info: [Int] { [input.height, -1, input.channels, input.channels] }

    public func cost(_ c: OpCostContext) -> OpCost {
        OpCost(paramBits: 0, mults: input.area * Double(input.channels), adds: 0, params: 0)
    }
}
