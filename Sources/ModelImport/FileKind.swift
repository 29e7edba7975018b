import ONNX

/// What a model file is, decided from its first bytes (never from its name).
public enum FileKind: String, Sendable, CaseIterable {
    /// A graph file: JSON whose first non-blank character is `{`.
    case graphJSON = "graph file (JSON)"
    /// torch.save's zip format (torch ≥ 1.6).
    case torchZip = "PyTorch checkpoint (zip)"
    /// torch.save's legacy format (torch 0.4 to 1.5).
    case torchLegacy = "PyTorch checkpoint (legacy)"
    /// A bare pickle (a pickled data.Corpus, or torch.save with a pickle-only protocol).
    case pickle = "pickle"
    /// An ONNX ModelProto (protobuf).
    case onnx = "ONNX model"
    /// A format torch itself no longer reads (the pre-0.4 tar archive, the PYTORCH1 pre-release):
    /// the checkpoint reader names it in its refusal.
    case torchObsolete = "obsolete PyTorch checkpoint"

    /// How many leading bytes `sniff` looks at (a tar header's magic sits at 257).
    public static let prefixLength = 512

    /// The kind of a file that starts with `prefix` (at least `prefixLength` bytes where the file has them),
    /// or nil when it is none of the kinds micronet reads.
    public static func sniff(prefix: [UInt8]) -> FileKind? {
        // JSON may start with a UTF-8 byte-order mark and blank space.
        let firstText = prefix.first { ![0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].contains($0) }
        if firstText == UInt8(ascii: "{") { return .graphJSON }
        if prefix.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .torchZip }
        if prefix.starts(with: [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]) {
            return .torchLegacy    // pickled magic number 0x1950a86a20f9469cfc6c
        }
        if prefix.count >= 2, prefix[0] == 0x80, (2...5).contains(prefix[1]) { return .pickle }
        // Protocol 0/1 pickles have no PROTO opcode; they open with a container or value opcode.
        if let first = prefix.first, [0x28, 0x63, 0x7D, 0x5D, 0x29, 0x4E, 0x49, 0x53, 0x56, 0x4C, 0x46].contains(first) {
            return .pickle
        }
        if isONNX(prefix) { return .onnx }
        if prefix.count >= 262, Array(prefix[257..<262]) == Array("ustar".utf8) { return .torchObsolete }
        if prefix.starts(with: Array("PYTORCH1".utf8)) { return .torchObsolete }
        return nil
    }

    /// A ModelProto: the ONNX reader's own check that every field in the prefix is a ModelProto field.
    private static func isONNX(_ p: [UInt8]) -> Bool { ONNXModel.looksLikeONNX(prefix: p) }
}
