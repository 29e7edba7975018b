/// A typed error about one ONNX file; `description` is one line naming the file and what is wrong,
/// e.g. "model.onnx: truncated: initializer 'fc.weight' needs 4096 bytes at offset 812, file has 900".
public struct ONNXError: Error, CustomStringConvertible, Sendable {
    /// The file the error is about, as the user gave it.
    public let path: String
    /// What is wrong, one line, without the path.
    public let message: String

    /// Makes an error about `path`; newlines in `message` are flattened so it stays one line.
    public init(path: String, message: String) {
        self.path = path
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// "<path>: <message>".
    public var description: String { "\(path): \(message)" }
}

/// A problem found below the file level, before the path is attached.
struct WireError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
