import Graph
import ONNX

/// onnxruntime's QDQ models (issue 12): QuantizeLinear / DequantizeLinear nodes (default or `com.microsoft`
/// domain) are exact conversions, so they are free; what they say sets the widths.
///
/// * A DequantizeLinear on an initializer gives that weight the width of its integer type (int8/uint8 8,
///   int4/uint4 4); its readers then read the integer initializer itself, so sparsity is measured on it.
/// * A QuantizeLinear → DequantizeLinear pair on an activation sets that activation's width (its zero point's
///   type; uint8 when omitted). The ops of a QDQ model multiply at max(weight, activation) widths; with mixed
///   activation widths the widest is taken for every op.
/// * Every scale and zero-point initializer of a Q/DQ node counts once, as parameter storage (not parameter
///   count): scales at 32 bits, zero points at their integer width (int32 bias zero points at 32). A weight's
///   and its bias's go with their op; activations' with the first op.
/// * An int32 bias counts at 32: the op's parameter width is its weight's, and the bias's extra bits go with the
///   op's quantizer storage.
/// Dynamic quantization (DynamicQuantizeLinear, ConvInteger, MatMulInteger) is not lowered.
struct ONNXQDQ {
    /// The model without its Q/DQ nodes (a DequantizeLinear that is a graph output becomes an Identity).
    let model: ONNXModel
    /// Width of every weight initializer a DequantizeLinear reads, by initializer name.
    let weightBits: [String: Int]
    /// The widest activation width a Q→DQ pair sets; nil when there is none.
    let activationBits: Int?
    /// Quantizer storage (bits) of each weight initializer's own scale and zero point.
    let weightQuantizerBits: [String: Int]
    /// Quantizer storage of activations (and of any bias no quantized weight sits beside).
    let otherQuantizerBits: Int

    /// Whether the model had any Q/DQ node.
    var isQuantized: Bool { !weightBits.isEmpty || activationBits != nil }

    static func isQ(_ n: ONNXNode) -> Bool { n.opType == "QuantizeLinear" && isQDQDomain(n.domain) }
    static func isDQ(_ n: ONNXNode) -> Bool { n.opType == "DequantizeLinear" && isQDQDomain(n.domain) }
    private static func isQDQDomain(_ d: String) -> Bool { ONNXNode.isDefaultDomain(d) || d == "com.microsoft" }

    /// Strips `model`'s Q/DQ nodes; a model without any comes back unchanged.
    static func strip(_ model: ONNXModel) throws -> ONNXQDQ {
        let graph = model.graph
        guard graph.nodes.contains(where: { isQ($0) || isDQ($0) }) else {
            return ONNXQDQ(model: model, weightBits: [:], activationBits: nil, weightQuantizerBits: [:], otherQuantizerBits: 0)
        }
        let initializers = Dictionary(graph.initializers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let quantizeOutputs = Dictionary(graph.nodes.filter(isQ).compactMap { n in n.outputs.first.map { ($0, n) } },
                                         uniquingKeysWith: { a, _ in a })
        var alias: [String: String] = [:]
        var weightBits: [String: Int] = [:]
        var activation: Int?
        var counted = Set<String>()
        var weightQuantizers: [String: Int] = [:]
        var biasQuantizers: [String: Int] = [:]
        var other = 0

        /// Bits of a scale / zero-point pair, each initializer once.
        func quantizerBits(_ node: ONNXNode) throws -> Int {
            var bits = 0
            for (i, name) in node.inputs.enumerated().dropFirst() where i <= 2 && !name.isEmpty && !counted.contains(name) {
                counted.insert(name)
                guard let t = initializers[name] else { continue }  // computed at run time: nothing stored
                let each = i == 1 ? 32 : (t.dataType.bitWidth ?? 32)
                let (b, o) = t.count.multipliedReportingOverflow(by: each)
                guard !o, b < 1 << 52 else { throw ImportError(model.path, "quantizer '\(name)' of \(t.count) values is too large") }
                bits += b
            }
            return bits
        }
        /// The width a Q/DQ node's zero point gives (uint8 when it has none).
        func zeroPointBits(_ node: ONNXNode) -> Int {
            guard node.inputs.count > 2, let zp = initializers[node.inputs[2]], let bits = zp.dataType.bitWidth else { return 8 }
            return bits
        }

        for node in graph.nodes where isDQ(node) {
            guard let input = node.inputs.first, let out = node.outputs.first else { continue }
            if let t = initializers[input] {
                alias[out] = input
                let bits = t.dataType.bitWidth ?? 32
                guard (1...64).contains(bits) else { throw ImportError(model.path, "initializer '\(input)': bit width \(bits) is outside 1–64") }
                let q = try quantizerBits(node)
                if bits >= 32 {
                    biasQuantizers[input, default: 0] += q  // an int32 bias: counted at 32 as it is stored
                } else {
                    weightBits[input] = bits
                    weightQuantizers[input, default: 0] += q
                }
            } else if let quantize = quantizeOutputs[input] {
                alias[out] = quantize.inputs.first ?? input
                activation = max(activation ?? 0, zeroPointBits(quantize))
                other += try quantizerBits(quantize) + quantizerBits(node)
            } else {
                alias[out] = input
                other += try quantizerBits(node)
            }
        }
        func resolve(_ name: String) -> String {
            var n = name, hops = 0
            while let next = alias[n], hops < 64 { n = next; hops += 1 }
            return n
        }
        let outputs = Set(graph.outputs.map(\.name))
        var nodes: [ONNXNode] = []
        for node in graph.nodes {
            if isQ(node) { continue }
            if isDQ(node) {
                // A dequantized graph output stays defined, for free.
                if let out = node.outputs.first, outputs.contains(out) {
                    nodes.append(ONNXNode.identity(name: node.name, input: resolve(out), output: out))
                }
                continue
            }
            nodes.append(node.reading(node.inputs.map { $0.isEmpty ? $0 : resolve($0) }))
        }
        // A bias's scale and zero point go with the op whose node reads it beside a quantized weight.
        for node in nodes {
            guard let w = node.inputs.first(where: { weightBits[$0] != nil }) else { continue }
            for b in node.inputs where biasQuantizers[b] != nil {
                weightQuantizers[w, default: 0] += biasQuantizers.removeValue(forKey: b) ?? 0
            }
        }
        other += biasQuantizers.values.reduce(0, +)
        return ONNXQDQ(model: model.replacingNodes(nodes), weightBits: weightBits, activationBits: activation,
                       weightQuantizerBits: weightQuantizers, otherQuantizerBits: other)
    }

    /// The bits of one lowered op: its weight's width, mults at max(weight, activation), its weight's quantizers
    /// and the extra bits of a 32-bit bias beside a narrower weight. Nil outside QDQ models.
    func bits(for op: any OpKind, weight: ONNXTensor?) -> OpBits? {
        guard isQuantized else { return nil }
        let act = activationBits ?? 32
        guard op.hasWeights else { return activationBits.map { OpBits(input: $0) } }  // consumes dequantized activations
        guard let weight else { return nil }
        guard let wb = weightBits[weight.name] else {
            // A weight the quantizer left in float: its stored width, mults at the wider of it and the activations.
            guard let stored = weight.dataType.bitWidth, (1...64).contains(stored) else { return nil }
            return OpBits(param: stored, input: max(stored, act))
        }
        var quantizer = weightQuantizerBits[weight.name] ?? 0
        // The op's values beyond its weight are its bias (stored at 32 bits).
        let values = op.cost(OpCostContext(paramBits: 1, sparsity: 0)).params
        let bias = values - Double(weight.count)
        if bias > 0, wb < 32 { quantizer += Int((32 - Double(wb)) * bias) }
        return OpBits(param: wb, input: max(wb, act), quantizer: quantizer == 0 ? nil : quantizer)
    }
}
