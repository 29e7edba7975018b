import Foundation

/// Word ↔ id map in awd-lstm-lm's order (data.Dictionary's idx2word).
public struct Vocabulary: Sendable {
    /// Words by id.
    public let words: [String]
    private let index: [String: Int32]

    /// A vocabulary of `words` in id order; a repeated word is an error.
    public init(words: [String]) throws {
        var index = [String: Int32](minimumCapacity: words.count)
        for (i, w) in words.enumerated() {
            if index[w] != nil { throw LanguageModelError.badVocabulary("word '\(w)' appears twice (ids \(index[w]!) and \(i))") }
            index[w] = Int32(i)
        }
        self.words = words
        self.index = index
    }

    /// Number of words.
    public var count: Int { words.count }

    /// Id of `word`, if present.
    public func id(of word: String) -> Int32? { index[word] }

    /// data.Corpus's dictionary built from a folder's train.txt, valid.txt and test.txt (in that order,
    /// words in order of first appearance).
    public static func fromCorpusFolder(_ folder: String) throws -> Vocabulary {
        var words = [String](), seen = [String: Int32]()
        for split in ["train.txt", "valid.txt", "test.txt"] {
            let path = (folder as NSString).appendingPathComponent(split)
            Corpus.forEachWord(in: try Corpus.read(path)) { w in
                let s = String(decoding: w, as: UTF8.self)
                if seen[s] == nil { seen[s] = Int32(words.count); words.append(s) }
            }
        }
        return try Vocabulary(words: words)
    }

    /// A plain file with one word per line (line i is id i; a trailing newline is optional).
    public static func fromWordFile(_ path: String) throws -> Vocabulary {
        let bytes = try Corpus.read(path)
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var words = [String]()
        words.reserveCapacity(lines.count)
        for (n, line) in lines.enumerated() {
            var l = line
            if l.last == 0x0D { l = l.dropLast() }
            if l.isEmpty { throw CorpusError(path: path, message: "line \(n + 1) is empty (expected one word per line)") }
            words.append(String(decoding: l, as: UTF8.self))
        }
        do { return try Vocabulary(words: words) } catch let e as LanguageModelError {
            throw CorpusError(path: path, message: e.description)
        }
    }

    /// Token ids of a text (data.py tokenize()); words missing from the vocabulary are an error naming the first ones.
    public func encode(_ bytes: [UInt8], path: String) throws -> [Int32] {
        var ids = [Int32]()
        ids.reserveCapacity(bytes.count / 4)
        var missing = [String](), missingSet = Set<String>()
        Corpus.forEachWord(in: bytes) { w in
            let s = String(decoding: w, as: UTF8.self)
            if let id = index[s] { ids.append(id) } else if missingSet.insert(s).inserted { missing.append(s) }
        }
        if !missing.isEmpty {
            throw CorpusError(path: path, message: LanguageModelError.missingWords(Array(missing.prefix(5)), total: missing.count).description)
        }
        return ids
    }
}
