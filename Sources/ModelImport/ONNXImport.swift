import Foundation
import Graph
import ONNX

/// An ONNX model counted: unsupported ops reported first, shapes inferred with batch 1, nodes lowered
/// to ops grouped into blocks by module scope, and each weight's sparsity measured from its initializer.
enum ONNXImport {
    /// The op graph of `model`. `inputShape` replaces the graph input's shape (needed where a spatial
    /// dimension is symbolic); `policy` says whether sparsity is measured and at what bits.
    static func resolve(_ model: ONNXModel, inputShape: [Int]?, policy: SparsityPolicy) throws -> ResolvedModel {
        // QDQ models: the free Quantize/Dequantize nodes go, the widths they set stay (ONNXQDQ.swift).
        let qdq = try ONNXQDQ.strip(model)
        let model = qdq.model
        try ShapeInference.checkSupported(model) { ShapeInference.supports($0) && ONNXLowering.handles($0) }
        let shapes = try ShapeInference.infer(model, inputShape: inputShape)
        var lowering = ONNXLowering(model: model, shapes: shapes)
        let lowered = try lowering.run()

        var notes = [policy.header(measuredFrom: "the initializers' zeros")]
        if let batch = shapes.fixedBatch {
            notes.append("batch: the file fixes it at \(batch); counted for one input (batch 1), as every count is")
        }
        var taken: [String: Int] = [:]
        var placed: [(block: String?, op: NamedOp)] = []
        for item in lowered {
            // Graph files (like the reference counter) group by the "block" prefix.
            let block = item.scope.block.map { "block_\($0)" }
            var name = item.scope.opName ?? item.fallbackName
            let key = "\(block ?? "")/\(name)"
            taken[key, default: 0] += 1
            if let n = taken[key], n > 1 { name += "_\(n)" }
            var op = NamedOp(name, item.op)
            if let bits = qdq.bits(for: item.op, weight: item.weight) { op.bits = bits }
            if policy.measure, item.op.hasWeights, let weight = item.weight {
                let zeros = try weight.zeroFraction()
                let full = block.map { "\($0)_\(name)" } ?? name
                let (chosen, note) = policy.decide(op: full, label: weight.name, elements: Double(weight.count), zeroFraction: zeros,
                                                   bits: op.bits.param.map(Double.init))
                op.sparsity = chosen
                notes.append(note)
            }
            placed.append((block, op))
        }
        if qdq.isQuantized {
            // Activation scales / zero points belong to no one weight: booked on the first op.
            if qdq.otherQuantizerBits > 0, !placed.isEmpty {
                placed[0].op.bits.quantizer = (placed[0].op.bits.quantizer ?? 0) + qdq.otherQuantizerBits
            }
            notes.append("quantized ONNX: Quantize/DequantizeLinear and run-time rescaling are free; weights at their integer width, mults at "
                         + "max(weight, \(qdq.activationBits.map { "\($0)-bit activations" } ?? "float activations")), "
                         + "every scale and zero point once (the bits column's +q; activations' on the first op)")
        }
        // Consecutive ops of one module scope form a block, so the table reads like the model.
        var entries: [GraphEntry] = []
        for (block, op) in placed {
            guard let block else { entries.append(.op(op)); continue }
            if case .block(var last)? = entries.last, last.name == block {
                last.ops.append(op)
                entries[entries.count - 1] = .block(last)
            } else {
                entries.append(.block(Block(block, [op])))
            }
        }
        var input: ModelInput?
        if shapes.inputShapes.count == 1, let (name, s) = shapes.inputShapes.first, s.count == 4 {
            input = channelsLast(name, in: model) ? .image(height: s[1], width: s[2], channels: s[3])
                                                  : .image(height: s[2], width: s[3], channels: s[1])
        }
        let file = URL(fileURLWithPath: model.path).lastPathComponent
        let opset = model.opsetVersion().map { ", opset \($0)" } ?? ""
        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        let name = "\(file) (ONNX\(producer.isEmpty ? "" : " from \(producer)")\(opset))"
        return ResolvedModel(name: name, graph: OpGraph(name: name, input: input, entries: entries), source: .onnx, notes: notes)
    }

    /// Whether graph input `name` is N×H×W×C (TensorFlow's layout): every node reading it is the Transpose
    /// to N×C×H×W that tf2onnx puts first.
    static func channelsLast(_ name: String, in model: ONNXModel) -> Bool {
        let readers = model.graph.nodes.filter { $0.inputs.contains(name) }
        return !readers.isEmpty && readers.allSatisfy { $0.opType == "Transpose" && $0.attribute("perm")?.ints == [0, 3, 1, 2] }
    }
}
