import Checkpoint
import Foundation

extension Vocabulary {
    /// idx2word of a pickled data.Corpus (the seed's `corpus-....vocab-only.data`) or data.Dictionary.
    public static func fromPickledCorpus(_ path: String) throws -> Vocabulary {
        let root = try LoadedCheckpoint.load(path: path).root
        guard let items = (root["dictionary"]?["idx2word"] ?? root["idx2word"])?.listItems else {
            throw CorpusError(path: path, message: "no dictionary.idx2word list (expected a pickled data.Corpus)")
        }
        var words = [String]()
        words.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let w = item.stringValue else { throw CorpusError(path: path, message: "idx2word[\(i)] is not a string") }
            words.append(w)
        }
        do { return try Vocabulary(words: words) } catch let e as LanguageModelError {
            throw CorpusError(path: path, message: e.description)
        }
    }

    /// A vocabulary from a corpus folder, a pickled data.Corpus (decided from the bytes), or a word-per-line file.
    public static func load(_ path: String) throws -> Vocabulary {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try fromCorpusFolder(path)
        }
        try Corpus.requireRegularFile(path)
        let head = try Corpus.readPrefix(path, count: 8)
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04], legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A]
        if head.starts(with: zip) || head.starts(with: legacyMagic) || (head.count >= 2 && head[0] == 0x80 && head[1] <= 5) {
            return try fromPickledCorpus(path)
        }
        return try fromWordFile(path)
    }
}
