/// An ONNX model file (a `ModelProto`): metadata, opsets and the graph, with initializers read
/// lazily from the memory-mapped file.
public struct ONNXModel: Sendable {
    /// The file, as the user gave it (errors name it).
    public let path: String
    /// Size of the model file in bytes.
    public let fileSize: Int
    /// The IR version the file declares.
    public let irVersion: Int
    /// Who wrote the file (`pytorch`, `tf2onnx`, `onnx.quantize`, ...).
    public let producerName: String
    /// The producer's version.
    public let producerVersion: String
    /// Operator sets the model imports.
    public let opsets: [ONNXOpset]
    /// The model's `metadata_props`.
    public let metadata: [ONNXMetadata]
    /// The computation graph.
    public let graph: ONNXGraph

    /// Reads the model at `path`; external data resolves relative to its folder.
    /// Throws `ONNXError` (one line naming the file) on a missing, truncated or corrupt file.
    public init(path: String) throws {
        let file: ModelFile
        do { file = try ModelFile(path: path) } catch let e as WireError {
            throw ONNXError(path: path, message: e.message)
        }
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        try self.init(file: file, path: path, folder: folder.isEmpty ? "/" : folder)
    }

    /// Reads a model held in memory; `name` stands for the path in errors. Without `folder`,
    /// external data is an error.
    public init(bytes: [UInt8], name: String, folder: String? = nil) throws {
        let file = bytes.withUnsafeBytes { ModelFile(copying: $0) }
        try self.init(file: file, path: name, folder: folder)
    }

    private init(file: ModelFile, path: String, folder: String?) throws {
        do {
            let decoded = try ModelDecoder(file: file, folder: folder, path: path).decodeModel()
            self.path = path
            self.fileSize = file.count
            self.irVersion = decoded.irVersion
            self.producerName = decoded.producerName
            self.producerVersion = decoded.producerVersion
            self.opsets = decoded.opsets
            self.metadata = decoded.metadata
            self.graph = decoded.graph
        } catch let e as WireError {
            throw ONNXError(path: path, message: e.message)
        }
    }

    /// The version of the operator set imported for `domain` ("" or "ai.onnx" for the default one).
    public func opsetVersion(_ domain: String = "") -> Int? {
        let wantDefault = ONNXNode.isDefaultDomain(domain)
        return opsets.first { wantDefault ? ONNXNode.isDefaultDomain($0.domain) : $0.domain == domain }?.version
    }

    /// True when `prefix` (the first bytes of a file, any length) parses as the start of a ModelProto:
    /// every field it holds is a ModelProto field with the right wire type, and a declared IR version
    /// is plausible. Cheap and strict enough to tell ONNX from zip, pickle and JSON files.
    public static func looksLikeONNX<Bytes: Collection>(prefix: Bytes) -> Bool where Bytes.Element == UInt8 {
        let bytes = Array(prefix.prefix(4096))
        return bytes.withUnsafeBytes { raw -> Bool in
            var r = WireReader(raw, range: 0..<raw.count)
            var fields = 0
            while !r.isAtEnd {
                guard let (field, wire) = try? r.tag() else { return fields > 0 && r.isAtEnd }
                switch (field, wire) {
                case (1, .varint), (5, .varint):
                    guard let v = try? r.varint() else { return fields > 0 }
                    if field == 1 && !(1...64).contains(v) { return false }
                case (2, .lengthDelimited), (3, .lengthDelimited), (4, .lengthDelimited), (6, .lengthDelimited),
                     (7, .lengthDelimited), (8, .lengthDelimited), (14, .lengthDelimited), (20, .lengthDelimited),
                     (25, .lengthDelimited), (26, .lengthDelimited):
                    // A field that runs past the prefix (the graph, usually) ends the check.
                    guard (try? r.lengthDelimited()) != nil else { return true }
                default:
                    return false
                }
                fields += 1
            }
            return fields > 0
        }
    }
}
