/// One dimension of a declared tensor shape.
public enum ONNXDimension: Equatable, Sendable, CustomStringConvertible {
    /// A fixed size.
    case value(Int)
    /// A named symbolic size (`batch`, `height`, ...).
    case symbol(String)
    /// Neither a size nor a name.
    case unknown

    /// The size, or the symbol's name, or "?".
    public var description: String {
        switch self {
        case .value(let v): return String(v)
        case .symbol(let s): return s
        case .unknown: return "?"
        }
    }
}

/// A graph input, output or annotated intermediate value: its name, element type and declared shape.
public struct ONNXValueInfo: Equatable, Sendable {
    /// The value's name.
    public let name: String
    /// Element type, when the value is a tensor of a known type.
    public let elementType: ONNXDataType?
    /// Declared dimensions, or nil when the shape is not declared at all.
    public let shape: [ONNXDimension]?
}

/// A key-value pair of `metadata_props`.
public struct ONNXMetadata: Equatable, Sendable {
    public let key: String
    public let value: String
}

/// One node of the graph.
public struct ONNXNode: Sendable {
    /// The node's name (may be empty).
    public let name: String
    /// The operator, e.g. `Conv`.
    public let opType: String
    /// The operator set's domain; "" is the default ONNX domain (`ai.onnx`).
    public let domain: String
    /// Input value names; "" marks an omitted optional input.
    public let inputs: [String]
    /// Output value names.
    public let outputs: [String]
    /// Attributes in file order.
    public let attributes: [ONNXAttribute]
    /// The node's `metadata_props` (the dynamo exporter's `pkg.torch.onnx.name_scopes`).
    public let metadata: [ONNXMetadata]

    /// The attribute named `name`, if present.
    public func attribute(_ name: String) -> ONNXAttribute? { attributes.first { $0.name == name } }

    /// The metadata value of `key`, if present.
    public func metadata(_ key: String) -> String? { metadata.first { $0.key == key }?.value }

    /// The op's key in the default domain spelling: "Conv" or "com.microsoft.FusedConv".
    public var qualifiedOpType: String { ONNXNode.isDefaultDomain(domain) ? opType : "\(domain).\(opType)" }

    /// True for the default ONNX operator domain ("" or "ai.onnx").
    public static func isDefaultDomain(_ domain: String) -> Bool { domain.isEmpty || domain == "ai.onnx" }
}

/// A node attribute.
public struct ONNXAttribute: Sendable {
    /// What an attribute holds.
    public enum Value: Sendable {
        case float(Float)
        case int(Int64)
        case string(String)
        case tensor(ONNXTensor)
        case floats([Float])
        case ints([Int64])
        case strings([String])
        case tensors([ONNXTensor])
        /// A subgraph, a type or a sparse tensor: kept as its kind only.
        case other(String)
    }

    /// The attribute's name.
    public let name: String
    /// Its value.
    public let value: Value

    /// The value as an integer, if it is one.
    public var int: Int64? { if case .int(let v) = value { return v }; return nil }
    /// The value as a float (an integer converts), if it is one.
    public var float: Float? {
        switch value {
        case .float(let v): return v
        case .int(let v): return Float(v)
        default: return nil
        }
    }
    /// The value as an integer list, if it is one.
    public var ints: [Int64]? { if case .ints(let v) = value { return v }; return nil }
    /// The value as a float list, if it is one.
    public var floats: [Float]? { if case .floats(let v) = value { return v }; return nil }
    /// The value as a string, if it is one.
    public var string: String? { if case .string(let v) = value { return v }; return nil }
    /// The value as a tensor, if it is one.
    public var tensor: ONNXTensor? { if case .tensor(let v) = value { return v }; return nil }
}

/// The model's computation graph.
public struct ONNXGraph: Sendable {
    /// The graph's name.
    public let name: String
    /// Nodes in file order (topologically sorted in valid models).
    public let nodes: [ONNXNode]
    /// Graph inputs (in old files this also lists the initializers).
    public let inputs: [ONNXValueInfo]
    /// Graph outputs.
    public let outputs: [ONNXValueInfo]
    /// Shapes the producer annotated for intermediate values (the dynamo exporter writes them).
    public let valueInfo: [ONNXValueInfo]
    /// Weights and constants, in file order.
    public let initializers: [ONNXTensor]
    /// The graph's `metadata_props`.
    public let metadata: [ONNXMetadata]

    /// The inputs that are not initializers: what the model is fed.
    public var realInputs: [ONNXValueInfo] {
        let weights = Set(initializers.map(\.name))
        return inputs.filter { !weights.contains($0.name) }
    }
}

/// An operator set the model imports.
public struct ONNXOpset: Equatable, Sendable {
    /// The domain ("" is the default ONNX domain).
    public let domain: String
    /// The opset version.
    public let version: Int
}
