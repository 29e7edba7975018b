/// Global average pooling (also ONNX ReduceMean over H and W): C mults (one divide each), (H·W − 1)·C adds.
public struct GlobalAvg: OpKind {
    public static let typeName = "GlobalAvg"
    public static let fieldNames = FeatureMap.fieldNames
    public static let hasWeights = false

    public var input: FeatureMap

    /// Creates a global average over an H×W×C input.
    public init(_ input: FeatureMap) { self.input = input }
    /// The reference's square form.
    public init(inputSize: Int, nChannels: Int) { self.init(FeatureMap(height: inputSize, width: inputSize, channels: nChannels)) }
    public init(reading r: OpFieldReader) throws { self.init(try FeatureMap(reading: r)) }

    public var fields: [(String, JSONValue)] { input.fields }
    public var info: [Int] { [input.height, -1, input.channels, 1] }

    public func cost(_ c: OpCostContext) -> OpCost {
        OpCost(paramBits: 0, mults: Double(input.channels), adds: (input.area - 1) * Double(input.channels), params: 0)
    }
}
