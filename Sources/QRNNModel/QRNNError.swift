/// What can go wrong recognising or building a QRNN language model; each description is one line.
/// (Vocabulary, text and evaluation errors are `LanguageModelError`.)
public enum QRNNError: Error, CustomStringConvertible, Equatable {
    /// A weight's size disagrees with the configuration.
    case shapeMismatch(String)
    /// The checkpoint is not an awd-lstm-lm QRNN language model; the message lists what was found.
    case unrecognisedArchitecture(String)
    /// A model feature the engine does not implement.
    case unsupported(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        case .unrecognisedArchitecture(let m): return "not an awd-lstm-lm QRNN language model: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        }
    }
}
