/// What can go wrong recognising or building an LSTM (or GRU) language model; each description is one line.
/// (Vocabulary, text and evaluation errors are `LanguageModelError`.)
public enum LSTMError: Error, CustomStringConvertible, Equatable {
    /// A weight's size disagrees with the configuration; the message names the tensor.
    case shapeMismatch(String)
    /// The checkpoint is not an awd-lstm-lm LSTM or GRU language model; the message lists what was found.
    case unrecognisedArchitecture(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        case .unrecognisedArchitecture(let m): return "not an awd-lstm-lm LSTM or GRU language model: \(m)"
        }
    }
}
