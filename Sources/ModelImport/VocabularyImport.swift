#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QRNNModel

extension ModelImport {
    /// A language model's vocabulary: a corpus folder (train.txt, valid.txt, test.txt), a pickled
    /// data.Corpus or data.Dictionary (decided from the bytes), or a file with one word per line.
    public static func vocabulary(path: String) throws -> Vocabulary {
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return try Vocabulary.fromCorpusFolder(path) }
        let prefix = try ModelFile.read(path, role: "vocabulary", length: FileKind.prefixLength)
        switch FileKind.sniff(prefix: prefix) {
        case .torchZip?, .torchLegacy?:
            return try Vocabulary.fromPickledCorpus(path)
        case .pickle? where prefix.first == 0x80:
            // Only pickles with a PROTO opcode: a word list may well start with a letter that opens a protocol-0 pickle.
            return try Vocabulary.fromPickledCorpus(path)
        default:
            return try Vocabulary.fromWordFile(path)
        }
    }
}
