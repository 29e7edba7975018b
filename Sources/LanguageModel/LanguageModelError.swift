/// What can go wrong building or running a recurrent language model; each description is one line.
public enum LanguageModelError: Error, CustomStringConvertible, Equatable {
    /// A weight's size disagrees with the configuration.
    case shapeMismatch(String)
    /// A model feature the engine does not implement, or an argument outside its range.
    case unsupported(String)
    /// Words of the text that the vocabulary lacks (the first few, in text order) and how many in all.
    case missingWords([String], total: Int)
    /// A vocabulary source that cannot be read.
    case badVocabulary(String)
    /// Evaluation needs at least two tokens per stream.
    case textTooShort(tokens: Int, batchSize: Int)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(Int, vocabularySize: Int)
    /// A weight that is NaN or infinite (named tensor, first bad index), or a loss that is not finite.
    case notFinite(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        case .missingWords(let words, let total):
            let shown = words.map { "'\($0)'" }.joined(separator: ", ")
            return "\(total) word\(total == 1 ? "" : "s") of the text missing from the vocabulary, first: \(shown)"
        case .badVocabulary(let m): return "bad vocabulary: \(m)"
        case .textTooShort(let n, let b):
            return "text too short: \(n) tokens give fewer than 2 rows at batch size \(b)"
        case .tokenOutOfRange(let id, let v): return "token id \(id) outside the vocabulary of \(v) words"
        case .notFinite(let m): return "not finite: \(m)"
        }
    }
}
