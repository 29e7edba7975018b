/// Infers the shape of every value of an ONNX graph from its input, with batch 1.
public enum ShapeInference {
    /// Op types in any domain that belong to quantized (QDQ or QOperator) models.
    static let quantizedOps: Set<String> = ["QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
                                            "ConvInteger", "MatMulInteger"]

    /// Whether micronet can infer shapes through `node`.
    public static func supports(_ node: ONNXNode) -> Bool { ShapeRules.rule(for: node) != nil }

    /// Every op type (domain-qualified outside the default domain) with no shape rule, with how often
    /// it occurs, most frequent first.
    public static func unsupportedOps(in graph: ONNXGraph, supported: (ONNXNode) -> Bool = supports) -> [(op: String, count: Int)] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for node in graph.nodes where !supported(node) {
            if counts[node.qualifiedOpType] == nil { order.append(node.qualifiedOpType) }
            counts[node.qualifiedOpType, default: 0] += 1
        }
        return order.map { ($0, counts[$0]!) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.op < $1.op }
    }

    /// Throws the "not supported" errors that come before any inference: a quantized model, then the
    /// complete list of unsupported op types (`unsupported ONNX ops: Einsum ×2, NonMaxSuppression ×1`).
    public static func checkSupported(_ model: ONNXModel, supported: (ONNXNode) -> Bool = supports) throws {
        let quantized = model.graph.nodes.filter { quantizedOps.contains($0.opType) || $0.opType.hasPrefix("QLinear") }
        // QDQ pairs are read (and removed) by ModelImport's QDQ pass before shapes are inferred; what is left here is
        // dynamic or QOperator quantization, or a QDQ model given to shape inference directly.
        let operators = quantized.filter { $0.opType.hasPrefix("QLinear") }
        if !operators.isEmpty {
            throw ONNXError(path: model.path, message: "QOperator-format quantized ONNX is not supported: \(operators.count) nodes (\(Set(operators.map(\.opType)).sorted().joined(separator: ", "))); export with quant_format=QDQ instead")
        }
        if !quantized.isEmpty {
            throw ONNXError(path: model.path, message: "QDQ nodes reach shape inference: \(quantized.count) quantization nodes (\(Set(quantized.map(\.opType)).sorted().joined(separator: ", "))); strip them first (ONNXQDQ in ModelImport)")
        }
        let missing = unsupportedOps(in: model.graph, supported: supported)
        if !missing.isEmpty {
            throw ONNXError(path: model.path, message: "unsupported ONNX ops: " + missing.map { "\($0.op) ×\($0.count)" }.joined(separator: ", "))
        }
    }

    /// Infers every value's shape. The graph input's batch dimension counts as 1 when symbolic; any
    /// other symbolic dimension needs `inputShape` (the whole shape, e.g. [1, 3, 224, 224]).
    /// Throws `ONNXError` naming the node and what does not fit.
    public static func infer(_ model: ONNXModel, inputShape: [Int]? = nil) throws -> InferredShapes {
        try checkSupported(model)
        let graph = model.graph
        var values: [String: InferredTensor] = [:]
        for t in graph.initializers {
            values[t.name] = InferredTensor(shape: t.shape, type: t.dataType, tensor: t)
        }
        let inputs = graph.realInputs
        if inputShape != nil && inputs.count != 1 {
            throw ONNXError(path: model.path, message: "--input-shape needs a model with one input; this one has \(inputs.count) (\(inputs.map(\.name).joined(separator: ", ")))")
        }
        var inputShapes: [(name: String, shape: [Int])] = []
        // A batch fixed above 1 in the file counts as 1, as a symbolic one does: counts are per input.
        var fixedBatch: Int?
        for input in inputs {
            var shape = try resolveInput(input, given: inputShape, path: model.path)
            // Only an image's N×C×H×W (or N×H×W×C) says for certain that its first axis is the batch.
            if inputShape == nil, shape.count == 4, let first = shape.first, first > 1 {
                fixedBatch = first
                shape[0] = 1
            }
            do { _ = try Shapes.count(shape) } catch let e as ShapeError {
                throw ONNXError(path: model.path, message: "input '\(input.name)': \(e.message)")
            }
            values[input.name] = InferredTensor(shape: shape, type: input.elementType ?? .float)
            inputShapes.append((input.name, shape))
        }
        for (index, node) in graph.nodes.enumerated() {
            let label = node.name.isEmpty ? "node \(index) (\(node.opType))" : "node '\(node.name)' (\(node.opType))"
            guard let rule = ShapeRules.rule(for: node) else { continue }
            var known: [InferredTensor?] = []
            for name in node.inputs {
                if name.isEmpty { known.append(nil); continue }
                guard let v = values[name] else {
                    throw ONNXError(path: model.path, message: "\(label) reads '\(name)', which no earlier node, input or initializer defines")
                }
                known.append(v)
            }
            let context = ShapeContext(node: node, opset: model.opsetVersion(node.domain) ?? 1, inputs: known)
            let outs: [InferredTensor]
            do { outs = try rule(context) } catch let e as ShapeError {
                let batch = fixedBatch.map { " (the file fixes the batch at \($0) and micronet counts one input: re-export it with batch 1 or a dynamic batch axis)" } ?? ""
                throw ONNXError(path: model.path, message: "\(label): \(e.message)\(batch)")
            }
            for (name, out) in zip(node.outputs, outs) where !name.isEmpty {
                do { _ = try Shapes.count(out.shape) } catch let e as ShapeError {
                    throw ONNXError(path: model.path, message: "\(label): \(e.message)")
                }
                values[name] = out
            }
        }
        return InferredShapes(values: values, inputShapes: inputShapes, fixedBatch: fixedBatch)
    }

    /// The input's shape with batch 1, from the file or from `--input-shape`.
    private static func resolveInput(_ input: ONNXValueInfo, given: [Int]?, path: String) throws -> [Int] {
        let declared = input.shape ?? []
        if let given {
            guard given.count != 4 || given.first == 1 else {
                throw ONNXError(path: path, message: "--input-shape \(given.map(String.init).joined(separator: "x")): the batch (first dimension) must be 1; counts are per input")
            }
            guard input.shape == nil || given.count == declared.count else {
                throw ONNXError(path: path, message: "--input-shape \(given.map(String.init).joined(separator: "x")) has \(given.count) dimensions, input '\(input.name)' has \(declared.count)")
            }
            for (axis, (d, g)) in zip(declared, given).enumerated() {
                if case .value(let v) = d, v != g, axis > 0 || given.count != 4 {
                    throw ONNXError(path: path, message: "--input-shape \(given.map(String.init).joined(separator: "x")) disagrees with input '\(input.name)' of shape \(declared.map(\.description).joined(separator: "x"))")
                }
            }
            return given
        }
        guard input.shape != nil else {
            throw ONNXError(path: path, message: "input '\(input.name)' has no declared shape; give it with --input-shape, e.g. --input-shape 1x3x224x224")
        }
        var shape: [Int] = []
        for (axis, d) in declared.enumerated() {
            switch d {
            case .value(let v): shape.append(v)
            case .symbol, .unknown:
                if axis == 0 { shape.append(1); continue }
                let example = declared.enumerated().map { i, d -> String in
                    if case .value(let v) = d { return String(v) }
                    return i == 0 ? "1" : "224"
                }.joined(separator: "x")
                throw ONNXError(path: path, message: "input '\(input.name)' has a symbolic dimension '\(d)' at axis \(axis) (shape \(declared.map(\.description).joined(separator: "x"))); give the shape with --input-shape \(example)")
            }
        }
        return shape
    }
}
