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
/// `{"name": "m", "input": {"image": [224, 224, 3]}, "ops": [{"name": "conv_stem", "op": "Conv2D", "input_size": 224,
///   "kernel_shape": [3,3,3,32], "strides": [2,2], "padding": "same", "use_bias": true, "activation": "relu"},
///   {"name": "block_se", "ops": [ ... ]}]}`. Each kind's fields are its `OpKind`'s; every op may also carry
/// `param_bits`, `input_bits`, `accumulator_bits` (integers 1–64), `quantizer_bits`, and, with weights, `sparsity`.
public enum GraphFile {
    /// Fields every op may carry besides its kind's.
    static let bitFields = ["param_bits", "input_bits", "accumulator_bits", "quantizer_bits"]
    /// The widest bit width a graph file or a flag may give.
    public static let bitRange = 1...64

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
        let reader = OpFieldReader(path: path, op: nil, pairs: top)
        try reader.allow(["name", "input", "ops"])
        let name = try reader.optionalString("name")
        let input = reader.has("input") ? try ModelInput.read(reader) : nil
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
        return OpGraph(name: name, input: input, entries: result)
    }

    private static func parseEntry(_ value: JSONValue, path: String, insideBlock: Bool) throws -> GraphEntry {
        guard case .object(let pairs) = value else {
            throw GraphFileError(path: path, problem: "each entry of \"ops\" must be an object")
        }
        let probe = OpFieldReader(path: path, op: nil, pairs: pairs)
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
            let reader = OpFieldReader(path: path, op: name, pairs: pairs)
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
        let r = OpFieldReader(path: path, op: name, pairs: pairs)
        let type = try r.string("op")
        guard let kind = OpRegistry.kind(named: type) else {
            throw r.error("op", "unknown op type \"\(type)\" (known: \(OpRegistry.knownNames))")
        }
        try r.allow(Set(["name", "op"] + kind.fieldNames + bitFields + (kind.hasWeights ? ["sparsity"] : [])))
        let op = try kind.init(reading: r)
        let sparsity = try r.optionalNumber("sparsity")
        if let s = sparsity, !(s >= 0 && s < 1) {
            throw r.error("sparsity", "sparsity must be in [0, 1), got \(s)")
        }
        let bits = OpBits(param: try r.optionalInt("param_bits", in: bitRange),
                          input: try r.optionalInt("input_bits", in: bitRange),
                          accumulator: try r.optionalInt("accumulator_bits", in: bitRange),
                          quantizer: try r.optionalInt("quantizer_bits", in: 0...(1 << 53)))
        return NamedOp(name, op, sparsity: sparsity, bits: bits)
    }

    /// Writes a graph in the file format, fields in the reference tuples' order.
    public static func encode(_ graph: OpGraph) -> String {
        var top: [(String, JSONValue)] = []
        if let name = graph.name { top.append(("name", .string(name))) }
        if let input = graph.input { top.append(("input", input.json)) }
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
        f += named.op.fields
        if let s = named.sparsity { f.append(("sparsity", .double(s))) }
        let b = named.bits
        for (key, value) in [("param_bits", b.param), ("input_bits", b.input), ("accumulator_bits", b.accumulator),
                             ("quantizer_bits", b.quantizer)] {
            if let value { f.append((key, .int(value))) }
        }
        return .object(f)
    }
}
