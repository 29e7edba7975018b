/// The shared form of the pools: an H×W×C input, a kh×kw window (`kernel_shape: [kh, kw]`), strides and padding.
public struct PoolWindow: Equatable, Sendable {
    public var window: SpatialWindow
    public var channels: Int

    /// Creates a pool window over `channels` channels.
    public init(window: SpatialWindow, channels: Int) {
        self.window = window
        self.channels = channels
    }

    init(reading r: OpFieldReader) throws {
        let k = try r.ints("kernel_shape", count: 2)
        self.init(window: try r.window(kernel: (k[0], k[1])), channels: try r.size("n_channels"))
        _ = try r.product([k[0], k[1], window.outputHeight, window.outputWidth, channels], "kernel_shape")
    }

    var fields: [(String, JSONValue)] {
        let w = window.fields()
        return w.input + [("n_channels", .int(channels)), ("kernel_shape", .ints([window.kernelHeight, window.kernelWidth]))] + w.rest
    }

    static let fieldNames = ["input_size", "input_shape", "n_channels", "kernel_shape", "strides", "dilations", "padding", "pads"]

    var info: [Int] { [window.inputHeight, window.kernelHeight, channels, channels] }
    /// Output elements oh·ow·C.
    var outputs: Double { Double(window.outputHeight) * Double(window.outputWidth) * Double(channels) }
    /// kh·kw.
    var windowSize: Double { Double(window.kernelHeight) * Double(window.kernelWidth) }
}
