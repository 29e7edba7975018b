import Foundation
import Checkpoint

/// awd-lstm-lm data.py tokenisation: every line (universal newlines: \n, \r\n, \r) is split on Python's
/// str.split() whitespace and followed by `<eos>`, so a blank line is a single `<eos>`.
public enum Corpus {
    /// The end-of-line token data.py appends to every line.
    public static let endOfSentence = "<eos>"

    /// Reads a whole regular file; errors name the file (a FIFO, device or folder is refused, never opened).
    public static func read(_ path: String) throws -> [UInt8] {
        try requireRegularFile(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CorpusError(path: path, message: "cannot read the file")
        }
        return [UInt8](data)
    }

    /// Throws unless `path` names a regular file (after following links): opening a FIFO would block for ever.
    public static func requireRegularFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CorpusError(path: path, message: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        if let what = PathKind.nonRegular(mode: st.st_mode) {
            throw CorpusError(path: path, message: "is \(what), expected a regular file")
        }
    }

    /// The first `count` bytes of a regular file (fewer if it is shorter).
    public static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        try requireRegularFile(path)
        guard let h = FileHandle(forReadingAtPath: path) else { throw CorpusError(path: path, message: "cannot read the file") }
        defer { try? h.close() }
        return [UInt8]((try? h.read(upToCount: count)) ?? Data())
    }

    /// Calls `visit` with every word of `bytes` in order (the bytes of a word, then "<eos>" at each line end).
    public static func forEachWord(in bytes: [UInt8], _ visit: (ArraySlice<UInt8>) throws -> Void) rethrows {
        let eos = ArraySlice(Array(endOfSentence.utf8))
        let n = bytes.count
        var i = 0, wordStart = -1
        var lineOpen = false
        while i < n {
            let b = bytes[i]
            if b == 0x0A || b == 0x0D {
                if wordStart >= 0 { try visit(bytes[wordStart..<i]); wordStart = -1 }
                try visit(eos)
                lineOpen = false
                i += (b == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A) ? 2 : 1
                continue
            }
            lineOpen = true
            let w = whitespaceLength(bytes, i)
            if w > 0 {
                if wordStart >= 0 { try visit(bytes[wordStart..<i]); wordStart = -1 }
                i += w
            } else {
                if wordStart < 0 { wordStart = i }
                i += 1
            }
        }
        // A last line without a newline is still a line.
        if wordStart >= 0 { try visit(bytes[wordStart..<n]) }
        if lineOpen { try visit(eos) }
    }

    /// Byte length of the Python whitespace character starting at `i`, or 0.
    @inline(__always)
    static func whitespaceLength(_ s: [UInt8], _ i: Int) -> Int {
        let b = s[i]
        if b < 0x80 { return (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20) ? 1 : 0 }
        func at(_ k: Int) -> UInt8 { i + k < s.count ? s[i + k] : 0 }
        switch b {
        case 0xC2: return at(1) == 0x85 || at(1) == 0xA0 ? 2 : 0                         // U+0085, U+00A0
        case 0xE1: return at(1) == 0x9A && at(2) == 0x80 ? 3 : 0                         // U+1680
        case 0xE2:
            if at(1) == 0x80 {
                let c = at(2)
                return (c >= 0x80 && c <= 0x8A) || c == 0xA8 || c == 0xA9 || c == 0xAF ? 3 : 0 // U+2000-200A, 2028, 2029, 202F
            }
            return at(1) == 0x81 && at(2) == 0x9F ? 3 : 0                               // U+205F
        case 0xE3: return at(1) == 0x80 && at(2) == 0x80 ? 3 : 0                         // U+3000
        default: return 0
        }
    }
}

/// A text or vocabulary file that cannot be used; `description` names the file.
public struct CorpusError: Error, CustomStringConvertible {
    /// The file.
    public let path: String
    /// What is wrong with it.
    public let message: String
    public var description: String { "\(path): \(message)" }
}
