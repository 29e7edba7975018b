/// The sum of two feature maps (a residual add): one add per element.
public struct Add: OpKind {
    public static let typeName = "Add"
    public static let fieldNames = FeatureMap.fieldNames
    public static let hasWeights = false

    public var input: FeatureMap

    /// Creates an add of two H×W×C inputs.
    public init(_ input: FeatureMap) { self.input = input }
    /// The reference's square form.
    public init(inputSize: Int, nChannels: Int) { self.init(FeatureMap(height: inputSize, width: inputSize, channels: nChannels)) }
    public init(reading r: OpFieldReader) throws { self.init(try FeatureMap(reading: r)) }

    public var fields: [(String, JSONValue)] { input.fields }
    public var info: [Int] { [input.height, -1, input.channels, input.channels] }

    public func cost(_ c: OpCostContext) -> OpCost {
        OpCost(paramBits: 0, mults: 0, adds: input.area * Double(input.channels), params: 0)
    }
}
