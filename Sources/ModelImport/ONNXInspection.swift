import ONNX

/// What `inspect` shows of an ONNX model: producer, opsets, inputs and outputs with their declared
/// shapes, op types with counts, and every initializer with its zero fraction.
public struct ONNXInspection: Sendable {
    /// One graph input or output.
    public struct Value: Sendable {
        public let name: String
        public let dtype: String
        /// Declared dimensions, symbolic ones by name ("batch"); nil when undeclared.
        public let shape: [String]?
    }

    /// One initializer.
    public struct Initializer: Sendable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        public let count: Int
        /// Bytes of its values (sub-byte types packed).
        public let bytes: Int
        /// The external-data file, when the values are outside the model file.
        public let externalFile: String?
        /// Fraction of exact zeros; nil when not measured.
        public let zeroFraction: Double?
    }

    public let path: String
    public let fileBytes: Int
    public let irVersion: Int
    public let producer: String
    public let opsets: [(domain: String, version: Int)]
    public let inputs: [Value]
    public let outputs: [Value]
    /// Op types (domain-qualified outside the default domain) with their node counts, in order of first use.
    public let opCounts: [(op: String, count: Int)]
    public let initializers: [Initializer]

    /// Inspects `model`; with `zeros`, every initializer's values are read to count exact zeros.
    public init(_ model: ONNXModel, zeros: Bool) throws {
        path = model.path
        fileBytes = model.fileSize
        irVersion = model.irVersion
        producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        opsets = model.opsets.map { ($0.domain.isEmpty ? "ai.onnx" : $0.domain, $0.version) }
        func value(_ v: ONNXValueInfo) -> Value {
            Value(name: v.name, dtype: v.elementType?.name ?? "?", shape: v.shape?.map(\.description))
        }
        inputs = model.graph.realInputs.map(value)
        outputs = model.graph.outputs.map(value)
        var counts: [String: Int] = [:]
        var order: [String] = []
        for node in model.graph.nodes {
            if counts[node.qualifiedOpType] == nil { order.append(node.qualifiedOpType) }
            counts[node.qualifiedOpType, default: 0] += 1
        }
        opCounts = order.map { ($0, counts[$0] ?? 0) }
        initializers = try model.graph.initializers.map { t in
            Initializer(name: t.name, dtype: t.dataType.name, shape: t.shape, count: t.count,
                        bytes: ((t.dataType.bitWidth ?? 0) * t.count + 7) / 8, externalFile: t.externalFile,
                        zeroFraction: zeros ? try t.zeroFraction() : nil)
        }
    }
}
