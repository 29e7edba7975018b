import Foundation

/// A typed error; `description` is ONE line naming the file and what is wrong,
/// e.g. "model.pt: truncated: storage '3' needs 4096 bytes at offset 812, file has 900".
public struct CheckpointError: Error, CustomStringConvertible {
    /// The file the error is about, as the user gave it.
    public let path: String
    /// What is wrong, one line, without the path.
    public let message: String

    /// Makes an error about `path`; newlines in `message` are flattened so it stays one line.
    public init(path: String, message: String) {
        self.path = path
        self.message = message.replacingOccurrences(of: "\n", with: " ")
    }

    /// "<path>: <message>".
    public var description: String { "\(path): \(message)" }
}

/// An error raised below the file level (pickle machine, archive reader) before the path is known.
struct FormatError: Error {
    let message: String
    /// Set when the error is an unknown quantized storage class, which a second pass names the tensor of.
    var unknownQuantizedStorage: String?
    init(_ message: String) { self.message = message }
}
