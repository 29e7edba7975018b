import Foundation
import ModelImport
import QRNNModel
import XCTest

/// ModelImport.vocabulary: the same words from every form fixtures/qrnn holds (written by awd-lstm-lm's data.py
/// under real torch), and never a wait on a FIFO.
final class VocabularyImportTests: XCTestCase {
    func testEveryFormGivesTheSameWords() throws {
        let words = try Vocabulary.fromWordFile(Fixtures.path("fixtures/qrnn/vocab.txt"))
        for form in ["fixtures/qrnn/corpus", "fixtures/qrnn/corpus.vocab-only.data", "fixtures/qrnn/corpus.vocab-only.legacy.data"] {
            let v = try ModelImport.vocabulary(path: Fixtures.path(form))
            XCTAssertGreaterThan(v.count, 2, form)
            XCTAssertEqual(v.words, words.words, form)
        }
    }

    func testFIFOIsRefused() throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID())").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        XCTAssertThrowsError(try ModelImport.vocabulary(path: fifo)) { error in
            XCTAssertEqual("\(error)", "\(fifo): is a FIFO (named pipe), not a vocabulary file (only regular files are read)")
        }
    }
}
