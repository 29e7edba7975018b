import Foundation

/// Why a graph file was rejected: the file, the op (when known), the field and the problem.
public struct GraphFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let op: String?
    public let field: String?
    public let problem: String

    /// Creates an error naming where in the file the problem is.
    public init(path: String, op: String? = nil, field: String? = nil, problem: String) {
        self.path = path
        self.op = op
        self.field = field
        self.problem = problem
    }

    public var description: String {
        var place = path
        if let op { place += ": op '\(op)'" }
        if let field { place += ": field '\(field)'" }
        return "\(place): \(problem)"
    }
}

/// Graph files: JSON whose op objects mirror the reference counter's named tuples.
///
/// `{"name": "m", "ops": [{"name": "conv_stem", "op": "Conv2D", "input_size": 224, "kernel_shape": [3,3,3,32],
///   "strides": [2,2], "padding": "same", "use_bias": true, "activation": "relu"},
///   {"name": "block_se", "ops": [ ... ]}]}`
public enum GraphFile {
    /// Reads and validates a graph file.
    public static func read(path: String) throws -> OpGraph {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GraphFileError(path: path, problem: "cannot read the file")
        }
        return try decode(data, path: path)
    }

    /// Validates JSON text as a graph; `path` names the source in errors.
    public static func decode(_ data: Data, path: String) throws -> OpGraph {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch let error as JSONValue.ParseError {
            throw GraphFileError(path: path, problem: error.message)
        }
        guard case .object(let top) = json else {
            throw GraphFileError(path: path, problem: "expected an object {\"ops\": [...]} at the top level")
        }
        let reader = FieldReader(path: path, op: nil, pairs: top)
        try reader.allow(["name", "ops"])
        let name = try reader.optionalString("name")
        let entries = try reader.array("ops")
        var seen = Set<String>()
        var result: [GraphEntry] = []
        for entry in entries {
            let parsed = try parseEntry(entry, path: path, insideBlock: false)
            guard seen.insert(parsed.name).inserted else {
                throw GraphFileError(path: path, op: parsed.name, problem: "duplicate op name")
            }
            result.append(parsed)
        }
        return OpGraph(name: name, entries: result)
    }

    private static func parseEntry(_ value: JSONValue, path: String, insideBlock: Bool) throws -> GraphEntry {
        guard case .object(let pairs) = value else {
            throw GraphFileError(path: path, problem: "each entry of \"ops\" must be an object")
        }
        let probe = FieldReader(path: path, op: nil, pairs: pairs)
        let name = try probe.string("name")
        guard !name.isEmpty else { throw GraphFileError(path: path, field: "name", problem: "empty op name") }
        if probe.has("ops") {
            guard !insideBlock else {
                throw GraphFileError(path: path, op: name, field: "ops", problem: "blocks cannot be nested")
            }
            guard name.hasPrefix("block") else {
                throw GraphFileError(path: path, op: name, field: "name",
                                     problem: "a block's name must start with \"block\" (the reference counter groups by that prefix)")
            }
            let reader = FieldReader(path: path, op: name, pairs: pairs)
            try reader.allow(["name", "ops"])
            let items = try reader.array("ops")
            guard !items.isEmpty else { throw GraphFileError(path: path, op: name, field: "ops", problem: "a block needs at least one op") }
            var ops: [NamedOp] = []
            var seen = Set<String>()
            for item in items {
                guard case .op(let op) = try parseEntry(item, path: path, insideBlock: true) else { continue }
                guard seen.insert(op.name).inserted else {
                    throw GraphFileError(path: path, op: op.name, problem: "duplicate op name in block '\(name)'")
                }
                ops.append(op)
            }
            return .block(Block(name, ops))
        }
        guard insideBlock || !name.hasPrefix("block") else {
            throw GraphFileError(path: path, op: name, field: "name",
                                 problem: "names starting with \"block\" are reserved for blocks ({\"name\": ..., \"ops\": [...]})")
        }
        return .op(try parseOp(name: name, pairs: pairs, path: path))
    }

    private static func parseOp(name: String, pairs: [(String, JSONValue)], path: String) throws -> NamedOp {
        let r = FieldReader(path: path, op: name, pairs: pairs)
        let type = try r.string("op")
        let op: Op
        switch type {
        case "Conv2D", "DepthWiseConv2D":
            try r.allow(["name", "op", "input_size", "kernel_shape", "strides", "padding", "use_bias", "activation", "sparsity"])
            let conv = Convolution(inputSize: try r.positive("input_size"),
                                   kernelShape: try r.shape("kernel_shape", count: 4),
                                   strides: try r.shape("strides", count: 2),
                                   padding: try r.padding("padding"),
                                   useBias: try r.bool("use_bias"),
                                   activation: try r.activation("activation"))
            guard conv.kernelShape[0] == conv.kernelShape[1] else {
                throw r.error("kernel_shape", "kernel must be square (k, k, c_in, c_out), got \(conv.kernelShape)")
            }
            guard conv.strides[0] == conv.strides[1] else {
                throw r.error("strides", "strides must be square (s, s), got \(conv.strides)")
            }
            if type == "DepthWiseConv2D" {
                guard conv.kernelShape[3] == 1 else {
                    throw r.error("kernel_shape", "a depthwise kernel's last dimension must be 1 (k, k, C, 1), got \(conv.kernelShape)")
                }
                op = .depthwiseConv2D(conv)
            } else {
                op = .conv2D(conv)
            }
        case "FullyConnected":
            try r.allow(["name", "op", "kernel_shape", "use_bias", "activation", "tied_weights", "sparsity"])
            let shape = try r.intArray("kernel_shape", count: 2)
            let useBias = try r.bool("use_bias")
            // c_in = 0 is the seed's bias-only op (its decoder bias); anything else must be positive.
            guard shape[1] > 0, shape[0] > 0 || (shape[0] == 0 && useBias) else {
                throw r.error("kernel_shape", "sizes must be positive (c_in may be 0 only for a bias-only op with use_bias), got \(shape)")
            }
            op = .fullyConnected(FullyConnected(kernelShape: shape, useBias: useBias,
                                                activation: try r.activation("activation"),
                                                tiedWeights: try r.optionalBool("tied_weights") ?? false))
        case "GlobalAvg", "Scale", "Add", "GlobalMax":
            try r.allow(["name", "op", "input_size", "n_channels"])
            let e = Elementwise(inputSize: try r.positive("input_size"), nChannels: try r.positive("n_channels"))
            op = type == "GlobalAvg" ? .globalAvg(e) : type == "Scale" ? .scale(e) : type == "Add" ? .add(e) : .globalMax(e)
        case "Embedding":
            try r.allow(["name", "op", "input_size", "n_channels", "sparsity"])
            op = .embedding(Embedding(inputSize: try r.positive("input_size"), nChannels: try r.positive("n_channels")))
        case "QRNN":
            try r.allow(["name", "op", "input_size", "hidden_size", "window", "output_gate", "sparsity"])
            op = .qrnn(QRNN(inputSize: try r.positive("input_size"), hiddenSize: try r.positive("hidden_size"),
                            window: try r.positive("window"), outputGate: try r.bool("output_gate")))
        default:
            throw r.error("op", "unknown op type \"\(type)\" (known: Conv2D, DepthWiseConv2D, FullyConnected, GlobalAvg, Scale, Add, GlobalMax, Embedding, QRNN)")
        }
        let sparsity = try r.optionalNumber("sparsity")
        if let s = sparsity, !(s >= 0 && s < 1) {
            throw r.error("sparsity", "sparsity must be in [0, 1), got \(s)")
        }
        return NamedOp(name, op, sparsity: sparsity)
    }

    /// Writes a graph in the file format, fields in the reference tuples' order.
    public static func encode(_ graph: OpGraph) -> String {
        var top: [(String, JSONValue)] = []
        if let name = graph.name { top.append(("name", .string(name))) }
        top.append(("ops", .array(graph.entries.map { entry in
            switch entry {
            case .op(let op): return json(op)
            case .block(let block): return .object([("name", .string(block.name)), ("ops", .array(block.ops.map(json)))])
            }
        })))
        return JSONValue.object(top).serialized() + "\n"
    }

    private static func json(_ named: NamedOp) -> JSONValue {
        var f: [(String, JSONValue)] = [("name", .string(named.name)), ("op", .string(named.op.typeName))]
        func ints(_ a: [Int]) -> JSONValue { .array(a.map { .int($0) }) }
        func act(_ a: Activation?) -> JSONValue { a.map { .string($0.rawValue) } ?? .null }
        switch named.op {
        case .conv2D(let c), .depthwiseConv2D(let c):
            f += [("input_size", .int(c.inputSize)), ("kernel_shape", ints(c.kernelShape)), ("strides", ints(c.strides)),
                  ("padding", .string(c.padding.rawValue)), ("use_bias", .bool(c.useBias)), ("activation", act(c.activation))]
        case .fullyConnected(let fc):
            f += [("kernel_shape", ints(fc.kernelShape)), ("use_bias", .bool(fc.useBias)), ("activation", act(fc.activation))]
            if fc.tiedWeights { f.append(("tied_weights", .bool(true))) }
        case .globalAvg(let e), .scale(let e), .add(let e), .globalMax(let e):
            f += [("input_size", .int(e.inputSize)), ("n_channels", .int(e.nChannels))]
        case .embedding(let e):
            f += [("input_size", .int(e.inputSize)), ("n_channels", .int(e.nChannels))]
        case .qrnn(let q):
            f += [("input_size", .int(q.inputSize)), ("hidden_size", .int(q.hiddenSize)), ("window", .int(q.window)),
                  ("output_gate", .bool(q.outputGate))]
        }
        if let s = named.sparsity { f.append(("sparsity", .double(s))) }
        return .object(f)
    }
}

/// Typed access to one JSON object's fields, with errors naming the file, op and field.
private struct FieldReader {
    let path: String
    let op: String?
    let pairs: [(String, JSONValue)]

    func error(_ field: String, _ problem: String) -> GraphFileError {
        GraphFileError(path: path, op: op, field: field, problem: problem)
    }

    func has(_ key: String) -> Bool { pairs.contains { $0.0 == key } }

    func allow(_ keys: Set<String>) throws {
        if let unknown = pairs.first(where: { !keys.contains($0.0) }) {
            throw error(unknown.0, "unknown field (allowed: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    func value(_ key: String) throws -> JSONValue {
        guard let v = pairs.first(where: { $0.0 == key })?.1 else { throw error(key, "missing") }
        return v
    }

    func string(_ key: String) throws -> String {
        guard case .string(let s) = try value(key) else { throw error(key, "must be a string") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        if case .null = try value(key) { return nil }
        return try string(key)
    }

    func bool(_ key: String) throws -> Bool {
        guard case .bool(let b) = try value(key) else { throw error(key, "must be true or false") }
        return b
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        if case .null = try value(key) { return nil }
        return try bool(key)
    }

    func optionalNumber(_ key: String) throws -> Double? {
        guard has(key) else { return nil }
        let v = try value(key)
        if case .null = v { return nil }
        guard let d = v.doubleValue else { throw error(key, "must be a number") }
        return d
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard case .array(let items) = try value(key) else { throw error(key, "must be an array") }
        return items
    }

    func int(_ value: JSONValue, _ key: String) throws -> Int {
        guard case .int(let i) = value else { throw error(key, "must be an integer") }
        return i
    }

    func positive(_ key: String) throws -> Int {
        let i = try int(try value(key), key)
        guard i > 0 else { throw error(key, "must be positive, got \(i)") }
        return i
    }

    func intArray(_ key: String, count: Int) throws -> [Int] {
        let items = try array(key)
        guard items.count == count else { throw error(key, "must have \(count) integers, got \(items.count)") }
        return try items.map { try int($0, key) }
    }

    func shape(_ key: String, count: Int) throws -> [Int] {
        let dims = try intArray(key, count: count)
        guard dims.allSatisfy({ $0 > 0 }) else { throw error(key, "sizes must be positive, got \(dims)") }
        return dims
    }

    func padding(_ key: String) throws -> Padding {
        let s = try string(key)
        guard let p = Padding(rawValue: s) else { throw error(key, "unknown padding \"\(s)\" (same or valid)") }
        return p
    }

    func activation(_ key: String) throws -> Activation? {
        guard has(key) else { return nil }
        switch try value(key) {
        case .null: return nil
        case .string(let s):
            if s.isEmpty { return nil }
            guard let a = Activation(rawValue: s) else {
                throw error(key, "unknown activation \"\(s)\" (known: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), or null)")
            }
            return a
        default: throw error(key, "must be a string or null")
        }
    }
}
