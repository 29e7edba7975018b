import Foundation
import SwiftProtobuf
#if canImport(Glibc)
import Glibc
#endif

/// Turns the bytes of a ModelProto into micronet's ONNX types. It walks ModelProto, GraphProto and
/// TensorProto on the wire itself, so the weights (`raw_data`, typed data) are never copied: only
/// their byte ranges are kept. The small messages (nodes, value infos, opsets) are decoded with the
/// generated SwiftProtobuf code on sub-slices of the mapped file.
struct ModelDecoder {
    let file: ModelFile
    /// The folder external data resolves against, or nil when the model has no folder.
    let folder: String?
    /// The model's path as given (tensors keep it for their errors).
    let path: String

    struct Decoded {
        var irVersion = 0
        var producerName = ""
        var producerVersion = ""
        var opsets: [ONNXOpset] = []
        var metadata: [ONNXMetadata] = []
        var graph: ONNXGraph
    }

    // ModelProto and GraphProto field numbers (Protos/ONNX/onnx.proto).
    private enum ModelField { static let irVersion = 1, producerName = 2, producerVersion = 3, graph = 7, opsetImport = 8, metadata = 14 }
    private enum GraphField { static let node = 1, name = 2, initializer = 5, input = 11, output = 12, valueInfo = 13, metadata = 16 }

    func decodeModel() throws -> Decoded {
        guard file.count > 0 else { throw WireError("empty file: not an ONNX model") }
        let bytes = file.all
        var r = WireReader(bytes, range: 0..<file.count)
        var irVersion = 0, producer = "", producerVersion = ""
        var opsets: [ONNXOpset] = []
        var metadata: [ONNXMetadata] = []
        var graphRanges: [Range<Int>] = []
        while !r.isAtEnd {
            let (field, wire) = try r.tag()
            switch field {
            case ModelField.irVersion:
                try expect(wire, .varint, "ModelProto.ir_version")
                let v = try r.varint()
                guard v <= 1 << 20 else { throw WireError("implausible IR version \(v): not an ONNX model") }
                irVersion = Int(v)
            case ModelField.producerName:
                try expect(wire, .lengthDelimited, "ModelProto.producer_name"); producer = try r.string()
            case ModelField.producerVersion:
                try expect(wire, .lengthDelimited, "ModelProto.producer_version"); producerVersion = try r.string()
            case ModelField.graph:
                try expect(wire, .lengthDelimited, "ModelProto.graph"); graphRanges.append(try r.lengthDelimited())
            case ModelField.opsetImport:
                try expect(wire, .lengthDelimited, "ModelProto.opset_import")
                let m = try decode(Onnx_OperatorSetIdProto.self, try r.lengthDelimited(), "an opset_import")
                guard let v = Int(exactly: m.version) else { throw WireError("opset version \(m.version) out of range") }
                opsets.append(ONNXOpset(domain: m.domain, version: v))
            case ModelField.metadata:
                try expect(wire, .lengthDelimited, "ModelProto.metadata_props")
                let m = try decode(Onnx_StringStringEntryProto.self, try r.lengthDelimited(), "the model's metadata_props")
                metadata.append(ONNXMetadata(key: m.key, value: m.value))
            default:
                try r.skip(wire)
            }
        }
        guard !graphRanges.isEmpty else { throw WireError("no graph in the file: not an ONNX model (or a truncated one)") }
        // IR 3 and later require opset_import; it follows the graph, so a file cut there loses it.
        guard !opsets.isEmpty || irVersion < 3 else { throw WireError("no opset_import: a truncated or corrupt ONNX model") }
        let graph = try decodeGraph(graphRanges)
        return Decoded(irVersion: irVersion, producerName: producer, producerVersion: producerVersion,
                       opsets: opsets, metadata: metadata, graph: graph)
    }

    /// Decodes a GraphProto given as one or more occurrences (protobuf merges repeated fields).
    private func decodeGraph(_ ranges: [Range<Int>]) throws -> ONNXGraph {
        var name = ""
        var nodes: [ONNXNode] = [], inputs: [ONNXValueInfo] = [], outputs: [ONNXValueInfo] = []
        var valueInfo: [ONNXValueInfo] = [], initializers: [ONNXTensor] = [], metadata: [ONNXMetadata] = []
        for range in ranges {
            var r = WireReader(file.all, range: range)
            while !r.isAtEnd {
                let (field, wire) = try r.tag()
                switch field {
                case GraphField.node:
                    try expect(wire, .lengthDelimited, "GraphProto.node")
                    let m = try decode(Onnx_NodeProto.self, try r.lengthDelimited(), "node \(nodes.count)")
                    nodes.append(try node(m, index: nodes.count))
                case GraphField.name:
                    try expect(wire, .lengthDelimited, "GraphProto.name"); name = try r.string()
                case GraphField.initializer:
                    try expect(wire, .lengthDelimited, "GraphProto.initializer")
                    initializers.append(try tensor(file, try r.lengthDelimited(), what: "initializer \(initializers.count)"))
                case GraphField.input, GraphField.output, GraphField.valueInfo:
                    try expect(wire, .lengthDelimited, "GraphProto value info")
                    let m = try decode(Onnx_ValueInfoProto.self, try r.lengthDelimited(), "a graph input, output or value_info")
                    let info = try valueInfoOf(m)
                    if field == GraphField.input { inputs.append(info) } else if field == GraphField.output { outputs.append(info) } else { valueInfo.append(info) }
                case GraphField.metadata:
                    try expect(wire, .lengthDelimited, "GraphProto.metadata_props")
                    let m = try decode(Onnx_StringStringEntryProto.self, try r.lengthDelimited(), "the graph's metadata_props")
                    metadata.append(ONNXMetadata(key: m.key, value: m.value))
                default:
                    try r.skip(wire)
                }
            }
        }
        return ONNXGraph(name: name, nodes: nodes, inputs: inputs, outputs: outputs, valueInfo: valueInfo,
                         initializers: initializers, metadata: metadata)
    }

    private func expect(_ wire: WireReader.WireType, _ want: WireReader.WireType, _ field: String) throws {
        guard wire == want else { throw WireError("corrupt protobuf: \(field) has wire type \(wire.rawValue), expected \(want.rawValue)") }
    }

    /// Decodes a small message with SwiftProtobuf, straight from the mapped bytes (no copy of the slice).
    private func decode<M: SwiftProtobuf.Message>(_ type: M.Type, _ range: Range<Int>, _ what: String) throws -> M {
        var options = BinaryDecodingOptions()
        options.discardUnknownFields = true
        options.messageDepthLimit = 64
        let slice = file.bytes(range)
        guard let base = slice.baseAddress else { return M() }
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: slice.count, deallocator: .none)
        do { return try M(serializedBytes: data, partial: true, options: options) } catch {
            throw WireError("corrupt protobuf in \(what) at offset \(range.lowerBound): \(error)")
        }
    }

    // MARK: nodes, attributes, value infos

    private func node(_ m: Onnx_NodeProto, index: Int) throws -> ONNXNode {
        let label = m.name.isEmpty ? "node \(index) (\(m.opType))" : "node '\(m.name)'"
        var attributes: [ONNXAttribute] = []
        for a in m.attribute { attributes.append(ONNXAttribute(name: a.name, value: try attributeValue(a, of: label))) }
        return ONNXNode(name: m.name, opType: m.opType, domain: m.domain, inputs: m.input, outputs: m.output,
                        attributes: attributes, metadata: m.metadataProps.map { ONNXMetadata(key: $0.key, value: $0.value) })
    }

    private func attributeValue(_ a: Onnx_AttributeProto, of label: String) throws -> ONNXAttribute.Value {
        // IR < 2 files may leave `type` unset; the filled field tells then.
        let type: Onnx_AttributeProto.AttributeType
        if a.hasType { type = a.type } else if a.hasF { type = .float } else if a.hasI { type = .int } else if a.hasS { type = .string }
        else if a.hasT { type = .tensor } else if !a.ints.isEmpty { type = .ints } else if !a.floats.isEmpty { type = .floats }
        else if !a.strings.isEmpty { type = .strings } else if !a.tensors.isEmpty { type = .tensors } else { type = .undefined }
        let what = "attribute '\(a.name)' of \(label)"
        switch type {
        case .float: return .float(a.f)
        case .int: return .int(a.i)
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .tensor: return .tensor(try attributeTensor(a.t, what))
        case .floats: return .floats(a.floats)
        case .ints: return .ints(a.ints)
        case .strings: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensors: return .tensors(try a.tensors.map { try attributeTensor($0, what) })
        default: return .other(String(describing: type))
        }
    }

    /// A tensor attribute, re-serialised into its own buffer and read by the same wire walker as initializers.
    private func attributeTensor(_ t: Onnx_TensorProto, _ what: String) throws -> ONNXTensor {
        let bytes: [UInt8] = try t.serializedBytes()
        let own = bytes.withUnsafeBytes { ModelFile(copying: $0) }
        return try tensor(own, 0..<own.count, what: what)
    }

    private func valueInfoOf(_ m: Onnx_ValueInfoProto) throws -> ONNXValueInfo {
        guard m.hasType, case .tensorType(let t)? = m.type.value else {
            return ONNXValueInfo(name: m.name, elementType: nil, shape: nil)
        }
        let shape: [ONNXDimension]? = t.hasShape ? t.shape.dim.map { d in
            switch d.value {
            case .dimValue(let v)?: return v >= 0 && v <= Int64(Int32.max) ? .value(Int(v)) : .unknown
            case .dimParam(let s)?: return s.isEmpty ? .unknown : .symbol(s)
            case nil: return .unknown
            }
        } : nil
        return ONNXValueInfo(name: m.name, elementType: ONNXDataType(rawValue: Int(t.elemType)), shape: shape)
    }

    // MARK: tensors

    // TensorProto field numbers.
    private enum TensorField { static let dims = 1, dataType = 2, segment = 3, name = 8, rawData = 9, externalData = 13, dataLocation = 14 }

    /// Walks one TensorProto in `source[range]`, keeping byte ranges of its data.
    func tensor(_ source: ModelFile, _ range: Range<Int>, what: String) throws -> ONNXTensor {
        var r = WireReader(source.all, range: range)
        var dims: [Int] = []
        var typeCode: UInt64 = 0
        var name = ""
        var raw: Range<Int>?
        var typedField: TypedField?
        var pieces: [TypedPiece] = []
        var external: [(String, String)] = []
        var location: UInt64 = 0
        func dim(_ v: UInt64) throws {
            guard dims.count < 64 else { throw WireError("\(what) has more than 64 dimensions") }
            guard let d = Int(exactly: Int64(bitPattern: v)), d >= 0 else {
                throw WireError("\(what) has a negative dimension \(Int64(bitPattern: v))")
            }
            dims.append(d)
        }
        while !r.isAtEnd {
            let tagStart = r.position
            let (field, wire) = try r.tag()
            switch field {
            case TensorField.dims:
                if wire == .lengthDelimited {
                    var p = WireReader(source.all, range: try r.lengthDelimited())
                    while !p.isAtEnd { try dim(try p.varint()) }
                } else {
                    try expect(wire, .varint, "TensorProto.dims"); try dim(try r.varint())
                }
            case TensorField.dataType:
                try expect(wire, .varint, "TensorProto.data_type"); typeCode = try r.varint()
            case TensorField.segment:
                throw WireError("\(what) is a segmented tensor, which micronet does not read")
            case TensorField.name:
                try expect(wire, .lengthDelimited, "TensorProto.name"); name = try r.string()
            case TensorField.rawData:
                try expect(wire, .lengthDelimited, "TensorProto.raw_data"); raw = try r.lengthDelimited()
            case TensorField.externalData:
                try expect(wire, .lengthDelimited, "TensorProto.external_data")
                let m = try decode(Onnx_StringStringEntryProto.self, try r.lengthDelimited(), "external_data of \(what)", in: source)
                external.append((m.key, m.value))
            case TensorField.dataLocation:
                try expect(wire, .varint, "TensorProto.data_location"); location = try r.varint()
            default:
                guard let typed = TypedField(rawValue: field) else { try r.skip(wire); continue }
                if let typedField, typedField != typed { throw WireError("\(what) has values in two typed fields") }
                typedField = typed
                if wire == .lengthDelimited {
                    let run = try r.lengthDelimited()
                    let width = typed.elementWire == .fixed32 ? 4 : typed.elementWire == .fixed64 ? 8 : 1
                    guard run.count % width == 0 else { throw WireError("corrupt protobuf: packed data of \(what) is \(run.count) bytes, not a multiple of \(width)") }
                    pieces.append(TypedPiece(packed: true, range: run))
                } else {
                    try expect(wire, typed.elementWire, "TensorProto typed data")
                    try r.skip(wire)
                    // Consecutive unpacked elements share one piece, so memory stays bounded by the file.
                    if let last = pieces.last, !last.packed, last.range.upperBound == tagStart {
                        pieces[pieces.count - 1].range = last.range.lowerBound..<r.position
                    } else {
                        pieces.append(TypedPiece(packed: false, range: tagStart..<r.position))
                    }
                }
            }
        }
        let label = name.isEmpty ? what : "'\(name)'"
        guard let type = ONNXDataType(rawValue: Int(clamping: typeCode)) else {
            throw WireError("tensor \(label) has unknown data type \(typeCode)")
        }
        var count = 1
        for d in dims {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw WireError("tensor \(label) shape \(dims) overflows") }
            count = p
        }
        let data: TensorData
        if location == 1 {
            data = try externalData(external, type: type, count: count, label: label)
        } else if let raw {
            guard let need = type.rawByteCount(count), need == raw.count else {
                throw WireError("tensor \(label) of shape \(dims) (\(type.name)) has \(raw.count) bytes of raw_data, expected \(type.rawByteCount(count).map(String.init) ?? "none")")
            }
            data = .raw(source, raw)
        } else if let typedField {
            guard Self.typedField(for: type) == typedField else {
                throw WireError("tensor \(label) of type \(type.name) keeps its values in the wrong typed field (\(typedField))")
            }
            // Every element takes at least one byte (a varint), four or eight (fixed): a count the bytes
            // cannot hold is corrupt, and is refused before anything is sized by it.
            let width = typedField.elementWire == .fixed32 ? 4 : typedField.elementWire == .fixed64 ? 8 : 1
            let bytes = pieces.reduce(0) { $0 + $1.range.count }
            // 4-bit types keep two elements (a packed byte) in each int32_data entry.
            let entries = TypedValues.isPackedNibbles(type) ? (count + 1) / 2 : count
            guard entries <= bytes / width else {
                throw WireError("tensor \(label) of shape \(dims) has \(count) elements but only \(bytes) bytes of typed data")
            }
            data = .typed(source, typedField, pieces)
        } else if count == 0 || type == .string {
            // String values (string_data) are never read; nothing is sized by their count.
            data = .none
        } else {
            throw WireError("tensor \(label) of shape \(dims) has no data")
        }
        return ONNXTensor(name: name, dataType: type, shape: dims, count: count, modelPath: path, data: data)
    }

    private func decode<M: SwiftProtobuf.Message>(_ type: M.Type, _ range: Range<Int>, _ what: String, in source: ModelFile) throws -> M {
        if source === file { return try decode(type, range, what) }
        return try ModelDecoder(file: source, folder: folder, path: path).decode(type, range, what)
    }

    /// The typed field ONNX stores values of `type` in.
    static func typedField(for type: ONNXDataType) -> TypedField? {
        switch type {
        case .float, .complex64: return .floatData
        case .int64: return .int64Data
        case .double, .complex128: return .doubleData
        case .uint32, .uint64: return .uint64Data
        case .string: return nil
        default: return .int32Data
        }
    }

    /// Resolves `location` inside the model's folder and checks the byte range against the file.
    private func externalData(_ entries: [(String, String)], type: ONNXDataType, count: Int, label: String) throws -> TensorData {
        func value(_ key: String) -> String? { entries.last { $0.0 == key }?.1 }
        guard let location = value("location"), !location.isEmpty else {
            throw WireError("tensor \(label) is marked external but names no location")
        }
        guard let folder else {
            throw WireError("tensor \(label) keeps its data in '\(location)', but the model was given without its folder")
        }
        let parts = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.hasPrefix("/"), !location.contains("\0"), !parts.contains("..") else {
            throw WireError("external data '\(location)' of tensor \(label) escapes the model's folder")
        }
        let joined = folder + "/" + location
        guard let real = realpath(joined, nil) else {
            throw WireError("external data file '\(location)' of tensor \(label) is missing (looked for \(joined))")
        }
        let resolved = String(cString: real)
        free(real)
        if let realFolder = realpath(folder, nil) {
            let root = String(cString: realFolder)
            free(realFolder)
            guard resolved.hasPrefix(root == "/" ? "/" : root + "/") else {
                throw WireError("external data '\(location)' of tensor \(label) escapes the model's folder (it resolves to \(resolved))")
            }
        }
        var st = stat()
        guard stat(resolved, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw WireError("external data '\(location)' of tensor \(label) is not a readable file")
        }
        let size = Int(st.st_size)
        func number(_ key: String) throws -> Int? {
            guard let s = value(key) else { return nil }
            guard let v = Int(s), v >= 0 else { throw WireError("external data \(key) '\(s)' of tensor \(label) is not a byte count") }
            return v
        }
        let offset = try number("offset") ?? 0
        guard offset <= size else {
            throw WireError("external data of tensor \(label) starts at \(offset), past the end of '\(location)' (\(size) bytes)")
        }
        let length = try number("length") ?? (size - offset)
        guard length <= size - offset else {
            throw WireError("external data of tensor \(label) needs \(length) bytes at offset \(offset), but '\(location)' has \(size)")
        }
        guard let need = type.rawByteCount(count), need == length else {
            throw WireError("external data of tensor \(label) is \(length) bytes, expected \(type.rawByteCount(count).map(String.init) ?? "none") for \(count) \(type.name) values")
        }
        return .external(path: resolved, offset: offset, length: length)
    }
}
