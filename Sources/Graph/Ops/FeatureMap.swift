/// An H×W×C feature map, the operand of the reference's parameter-free ops (GlobalAvg, Scale, Add).
public struct FeatureMap: Equatable, Sendable {
    public var height: Int
    public var width: Int
    public var channels: Int

    /// Creates a feature map description.
    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Reads `input_size` (square) or `input_shape: [H, W]`, and `n_channels`.
    init(reading r: OpFieldReader) throws {
        let hw = try r.spatialInput()
        self.init(height: hw.height, width: hw.width, channels: try r.size("n_channels"))
        _ = try r.product([height, width, channels], "n_channels")
    }

    var fields: [(String, JSONValue)] {
        (height == width ? [("input_size", .int(height))] : [("input_shape", .ints([height, width]))])
            + [("n_channels", .int(channels))]
    }

    static let fieldNames = ["input_size", "input_shape", "n_channels"]

    /// H·W.
    var area: Double { Double(height) * Double(width) }
}
