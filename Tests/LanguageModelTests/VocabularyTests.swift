import XCTest
@testable import LanguageModel

final class VocabularyTests: XCTestCase {
    func testCorpusFolderVocabularyEqualsTorchIdx2word() throws {
        let folder = try Vocabulary.fromCorpusFolder(Fixtures.path("qrnn/corpus"))
        let file = try Vocabulary.fromWordFile(Fixtures.path("qrnn/vocab.txt"))
        XCTAssertEqual(folder.words, file.words)
        XCTAssertEqual(folder.count, 304)
        XCTAssertEqual(Array(folder.words.prefix(3)), ["w0", "w1", "w2"])
    }

    func testTokeniserSplitsLikePythonStrSplitWithUniversalNewlines() {
        let text = Array(" a\tb\u{00A0}c\u{3000}d \r\ne\rf\n\n g".utf8)
        var words = [String]()
        Corpus.forEachWord(in: text) { words.append(String(decoding: $0, as: UTF8.self)) }
        XCTAssertEqual(words, ["a", "b", "c", "d", "<eos>", "e", "<eos>", "f", "<eos>", "<eos>", "g", "<eos>"])
    }

    func testMissingWordsAreNamedInTextOrder() throws {
        let v = try Vocabulary(words: ["<eos>", "a", "b"])
        XCTAssertThrowsError(try v.encode(Array("a zz b yy zz\n".utf8), path: "t.txt")) { e in
            XCTAssertEqual("\(e)", "t.txt: 2 words of the text missing from the vocabulary, first: 'zz', 'yy'")
        }
        XCTAssertEqual(try v.encode(Array("a b\n".utf8), path: "t.txt"), [1, 2, 0])
    }

    func testRepeatedWordInAWordFileIsAnError() throws {
        let path = NSTemporaryDirectory() + "/qrnn-vocab-\(getpid()).txt"
        try "a\nb\na\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try Vocabulary.fromWordFile(path)) { e in
            XCTAssertEqual("\(e)", "\(path): bad vocabulary: word 'a' appears twice (ids 0 and 2)")
        }
    }
}
