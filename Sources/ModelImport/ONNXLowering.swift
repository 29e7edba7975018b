import Graph
import ONNX

/// Lowers an ONNX graph, with its inferred shapes, to micronet's ops: a table keyed by (domain, op type)
/// maps each node to zero or more ops. Ops absent from the table and from `free` are unsupported and
/// reported before anything is lowered, so nothing counts as zero by accident.
struct ONNXLowering {
    /// An ONNX operator: "" for the default domain.
    struct OpKey: Hashable {
        let domain: String
        let opType: String
        init(_ domain: String, _ opType: String) {
            self.domain = ONNXNode.isDefaultDomain(domain) ? "" : domain
            self.opType = opType
        }
        init(_ node: ONNXNode) { self.init(node.domain, node.opType) }
    }

    /// Emits the ops of node `index`; may absorb the nodes it fuses (BN, activations, a bias Add).
    typealias Handler = (inout ONNXLowering, Int, ONNXNode) throws -> Void

    /// An op with where it came from and the initializer its sparsity is measured on.
    struct Lowered {
        var scope: ONNXScope
        var fallbackName: String
        var op: any OpKind
        var weight: ONNXTensor?
    }

    let model: ONNXModel
    let shapes: InferredShapes
    /// Nodes reading each value, by index.
    private let consumers: [String: [Int]]
    /// The node writing each value, by index.
    private let producers: [String: Int]
    private let graphOutputs: Set<String>
    private(set) var absorbed: Set<Int> = []
    private(set) var lowered: [Lowered] = []
    /// Values an op accounts for: read by an op with weights, or by a node fused into another op.
    private var claimed: Set<String> = []
    /// Per node read (not absorbed): where its ops end in `lowered`, for the stored values it alone reads.
    private var ends: [(index: Int, end: Int)] = []

    /// Data movement and shape arithmetic: no arithmetic on values, so no cost.
    static let free: Set<OpKey> = Set(["Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Dropout",
                                       "Concat", "Split", "Shape", "Constant", "Slice", "Cast", "Pad", "ConstantOfShape",
                                       "Expand"].map { OpKey("", $0) })

    /// Ops exporters use for shape arithmetic on constants (ViT's TorchScript export sizes its class token with
    /// Mod, Equal and Where): free when every input is a constant, unsupported on activations.
    static let shapeArithmetic: Set<OpKey> = Set(["Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                                                  "And", "Or", "Not", "Where", "Range"].map { OpKey("", $0) })

    /// Whether a node's op type has a lowering (or is free, or may be shape arithmetic on constants).
    static func handles(_ node: ONNXNode) -> Bool {
        let key = OpKey(node)
        return free.contains(key) || table[key] != nil || shapeArithmetic.contains(key)
    }

    init(model: ONNXModel, shapes: InferredShapes) {
        self.model = model
        self.shapes = shapes
        var consumers: [String: [Int]] = [:]
        for (i, node) in model.graph.nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty { consumers[input, default: []].append(i) }
        }
        self.consumers = consumers
        var producers: [String: Int] = [:]
        for (i, node) in model.graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty { producers[output] = i }
        }
        self.producers = producers
        graphOutputs = Set(model.graph.outputs.map(\.name))
    }

    /// Lowers every node in file (topological) order, then books the stored values no op accounts for.
    mutating func run() throws -> [Lowered] {
        for (index, node) in model.graph.nodes.enumerated() where !absorbed.contains(index) {
            try lower(index, node)
            ends.append((index, lowered.count))
        }
        bookUnclaimedValues()
        return lowered
    }

    private mutating func lower(_ index: Int, _ node: ONNXNode) throws {
        let key = OpKey(node)
        if Self.free.contains(key) { return }
        // A node computing only from constants was folded by the exporter's shape arithmetic: no runtime cost.
        if computesFromConstantsOnly(node) { return }
        guard let handler = Self.table[key] else {
            let why = Self.shapeArithmetic.contains(key) ? " on activations (micronet reads it only in shape arithmetic on constants)" : ""
            throw ImportError(model.path, "unsupported ONNX ops: \(node.qualifiedOpType) ×1\(why)")
        }
        do { try handler(&self, index, node) } catch let e as LoweringError {
            throw ImportError(model.path, "\(Self.label(node, index)): \(e.message)")
        }
    }

    /// Stored floating-point tensors of more than one value that no op accounts for (a position embedding,
    /// a class token, a written-out LayerNorm's scale and shift) become `Parameters` ops, placed after the
    /// ops of the first node that reads them. Scalars (an epsilon, a Clip bound) and integer shape
    /// tensors are not parameters.
    private mutating func bookUnclaimedValues() {
        var booked = Set<String>()
        var inserts: [(at: Int, item: Lowered)] = []
        for (index, end) in ends {
            let node = model.graph.nodes[index]
            for input in node.inputs where !input.isEmpty && !claimed.contains(input) && !booked.contains(input) {
                guard let t = info(input)?.tensor, t.dataType.isFloatingPoint, t.count > 1 else { continue }
                booked.insert(input)
                inserts.append((end, Lowered(scope: ONNXScope(node, producer: model.producerName), fallbackName: "parameters",
                                             op: Parameters(elements: t.count), weight: t)))
            }
        }
        for (offset, insert) in inserts.enumerated() { lowered.insert(insert.item, at: insert.at + offset) }
    }

    static func label(_ node: ONNXNode, _ index: Int) -> String {
        node.name.isEmpty ? "node \(index) (\(node.opType))" : "node '\(node.name)' (\(node.opType))"
    }

    // MARK: helpers for handlers

    /// Adds an op for `node`.
    mutating func emit(_ node: ONNXNode, _ op: any OpKind, weight: ONNXTensor? = nil) {
        // An op that stores parameters accounts for the values its node reads (a LayerNormalization's scale
        // and shift, a conv's weight and bias); an op without them (Add, Mul, Concat) leaves them to be booked.
        if op.cost(OpCostContext(paramBits: 32, sparsity: 0)).params > 0 { claim(node.inputs) }
        lowered.append(Lowered(scope: ONNXScope(node, producer: model.producerName), fallbackName: node.opType.lowercased(), op: op, weight: weight))
    }

    /// Marks a node as fused into the op being emitted.
    mutating func absorb(_ index: Int) {
        absorbed.insert(index)
        claim(model.graph.nodes[index].inputs)
    }

    /// Marks `values` as accounted for, and the stored tensors they are computed from when a free or
    /// constant-only node made them (a weight cast to float, transposed, or scaled by a constant): those
    /// tensors are the op's parameters, not values of their own.
    private mutating func claim(_ values: [String]) {
        var stack = values
        while let value = stack.popLast() {
            guard !value.isEmpty, claimed.insert(value).inserted, let p = producers[value] else { continue }
            let node = model.graph.nodes[p]
            if Self.free.contains(OpKey(node)) || computesFromConstantsOnly(node) { stack += node.inputs }
        }
    }

    /// The inferred shape of `value`.
    func shape(_ value: String) throws -> [Int] {
        guard let s = shapes.shape(of: value) else { throw LoweringError("no inferred shape for '\(value)'") }
        return s
    }

    /// What shape inference knows of `value`.
    func info(_ value: String) -> InferredTensor? { value.isEmpty ? nil : shapes[value] }

    /// Whether every input of `node` is a weight or a folded constant (and it has one).
    func computesFromConstantsOnly(_ node: ONNXNode) -> Bool {
        !node.inputs.isEmpty && node.inputs.allSatisfy { $0.isEmpty || isConstant($0) }
    }

    /// Whether `value` is a weight or a folded constant.
    func isConstant(_ value: String) -> Bool { info(value)?.isConstant ?? false }

    /// The single unabsorbed node reading `value`, unless the value is also a graph output.
    func soleConsumer(_ value: String) -> (index: Int, node: ONNXNode)? {
        guard !graphOutputs.contains(value), let list = consumers[value], list.count == 1, !absorbed.contains(list[0]) else { return nil }
        return (list[0], model.graph.nodes[list[0]])
    }

    /// The unabsorbed nodes reading `value`.
    func readers(_ value: String) -> [Int] { (consumers[value] ?? []).filter { !absorbed.contains($0) } }

    /// The (activation, constant) inputs of a two-input node whose constant is one value per channel of a
    /// `channels`-channel N×C×H×W map (shape C×1×1 or 1×C×1×1), or, with `orScalar`, a single value.
    func perChannelConstantOperands(_ node: ONNXNode, channels: Int, orScalar: Bool) -> (map: String, constant: String)? {
        guard node.inputs.count == 2, ONNXNode.isDefaultDomain(node.domain) else { return nil }
        for (map, constant) in [(node.inputs[0], node.inputs[1]), (node.inputs[1], node.inputs[0])]
        where !isConstant(map) && isConstant(constant) {
            guard let c = info(constant), c.shape.count <= 4 else { return nil }
            let padded = Array(repeating: 1, count: 4 - c.shape.count) + c.shape
            if (orScalar && c.count == 1) || padded == [1, channels, 1, 1] { return (map, constant) }
        }
        return nil
    }

    /// The sole reader of `value` when it is an `opType` (Mul or Add) of `value` and a per-channel constant
    /// (or, with `orScalar`, a single value).
    func perChannelConstantOp(_ opType: String, after value: String, channels: Int,
                              orScalar: Bool) -> (index: Int, node: ONNXNode)? {
        guard let (i, node) = soleConsumer(value), node.opType == opType,
              let (map, _) = perChannelConstantOperands(node, channels: channels, orScalar: orScalar), map == value else { return nil }
        return (i, node)
    }

    /// A Mul that multiplies `value` by the output of `gate` and is `gate`'s only reader (SiLU, hardswish).
    func gatedProduct(of value: String, gate: ONNXNode) -> (index: Int, node: ONNXNode)? {
        guard let gateOut = gate.outputs.first, let (i, mul) = soleConsumer(gateOut), mul.opType == "Mul",
              ONNXNode.isDefaultDomain(mul.domain), Set(mul.inputs) == Set([value, gateOut]) else { return nil }
        return (i, mul)
    }

    /// Fuses the activation that follows `value` when it is that value's only use (Relu, Clip, Sigmoid,
    /// HardSigmoid, HardSwish, Tanh), or a Sigmoid/HardSigmoid gate times the same value (swish, hswish).
    mutating func fuseActivation(after value: String) -> Activation? {
        guard !graphOutputs.contains(value) else { return nil }
        let readers = self.readers(value)
        let nodes = readers.map { model.graph.nodes[$0] }
        if readers.count == 1, ONNXNode.isDefaultDomain(nodes[0].domain),
           let act = Self.elementwiseActivation[nodes[0].opType], nodes[0].inputs.first == value {
            absorb(readers[0])
            return act
        }
        if readers.count == 2 {
            for (gateIndex, gate) in zip(readers, nodes) where ["Sigmoid", "HardSigmoid"].contains(gate.opType) && gate.inputs.first == value {
                if let (mulIndex, _) = gatedProduct(of: value, gate: gate), readers.contains(mulIndex) {
                    absorb(gateIndex); absorb(mulIndex)
                    return gate.opType == "Sigmoid" ? .swish : .hswish
                }
            }
        }
        return nil
    }

    /// Activations that fuse alone, by ONNX op type.
    static let elementwiseActivation: [String: Activation] = [
        "Relu": .relu, "Clip": .relu, "Sigmoid": .sigmoid, "HardSigmoid": .hardsigmoid, "HardSwish": .hswish, "Tanh": .tanh,
    ]
}

/// A node that cannot be lowered, before the file and node are attached.
struct LoweringError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
