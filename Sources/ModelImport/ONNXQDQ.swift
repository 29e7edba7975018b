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
/// * quantize_dynamic's models: DynamicQuantizeLinear, the run-time scale products and the rescaling of the
///   integer result are conversions (free); ConvInteger / MatMulInteger count as the Conv / MatMul they compute on
///   the integer weight, with float (32-bit) activations; the bias Add becomes the conv's bias, as in the float
///   export; each weight's stored scale (32) and zero point (its width) count once, with the op reading that
///   weight (the scale reaches it through the run-time scale product that rescales the op's integer result).
/// QOperator models (QLinearConv, ...) are refused.
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

    /// quantize_dynamic's node types: activations quantized at run time, integer convolutions and products.
    static let dynamicOps: Set<String> = ["DynamicQuantizeLinear", "ConvInteger", "MatMulInteger"]

    static func isQ(_ n: ONNXNode) -> Bool { n.opType == "QuantizeLinear" && isQDQDomain(n.domain) }
    static func isDQ(_ n: ONNXNode) -> Bool { n.opType == "DequantizeLinear" && isQDQDomain(n.domain) }
    private static func isQDQDomain(_ d: String) -> Bool { ONNXNode.isDefaultDomain(d) || d == "com.microsoft" }

    /// Strips `model`'s Q/DQ nodes; a model without any comes back unchanged.
    static func strip(_ model: ONNXModel) throws -> ONNXQDQ {
        let graph = model.graph
        guard graph.nodes.contains(where: { isQ($0) || isDQ($0) || dynamicOps.contains($0.opType) }) else {
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
        // quantize_dynamic: x → DynamicQuantizeLinear → ConvInteger/MatMulInteger(x_q, w_q, x_zp, w_zp) → Cast →
        // Mul(·, x_scale·w_scale) → Add(bias): the float op on an integer weight, with float activations. The run-time
        // scales and the conversions are free; the weight's stored scale and zero point count.
        var runtime = Set<String>()      // values computed from run-time activation scales
        var integerOutputs = Set<String>()
        var integerWeight: [String: String] = [:]  // an integer op's (or its Cast's) output → the weight it reads
        var pendingScales: [String: Int] = [:]     // a run-time scale product → the stored weight scales in it
        var dynamicConvs: [String: Int] = [:]  // a rewritten Conv's output → its index in `nodes`
        var nodes: [ONNXNode] = []
        for node in graph.nodes {
            let inputs = node.inputs.map { $0.isEmpty ? $0 : resolve($0) }
            if ONNXNode.isDefaultDomain(node.domain) || node.domain == "com.microsoft" {
                switch node.opType {
                case "DynamicQuantizeLinear":
                    guard node.outputs.count >= 3, let x = inputs.first else { break }
                    alias[node.outputs[0]] = x
                    runtime.insert(node.outputs[1]); runtime.insert(node.outputs[2])
                    continue
                case "ConvInteger", "MatMulInteger":
                    guard inputs.count >= 2, let w = initializers[inputs[1]], let out = node.outputs.first else { break }
                    let bits = w.dataType.bitWidth ?? 32
                    guard (1...64).contains(bits) else { throw ImportError(model.path, "initializer '\(w.name)': bit width \(bits) is outside 1–64") }
                    weightBits[w.name] = bits
                    if inputs.count > 3, !inputs[3].isEmpty, !counted.contains(inputs[3]), let zp = initializers[inputs[3]] {
                        counted.insert(inputs[3])
                        weightQuantizers[w.name, default: 0] += zp.count * (zp.dataType.bitWidth ?? 32)
                    }
                    integerOutputs.insert(out)
                    integerWeight[out] = w.name
                    if node.opType == "ConvInteger" { dynamicConvs[out] = nodes.count }
                    nodes.append(node.rewritten(opType: node.opType == "ConvInteger" ? "Conv" : "MatMul", inputs: [inputs[0], inputs[1]]))
                    continue
                case "Cast" where inputs.first.map { integerOutputs.contains($0) } == true:
                    if let out = node.outputs.first, let x = inputs.first {
                        alias[out] = x
                        integerOutputs.insert(out)
                        integerWeight[out] = integerWeight[x]
                    }
                    continue
                case "Mul" where inputs.contains(where: { runtime.contains($0) }):
                    guard let out = node.outputs.first else { break }
                    let others = inputs.filter { !runtime.contains($0) }
                    if others.allSatisfy({ initializers[$0] != nil }) {
                        // x_scale · w_scale: the weight's scale is stored (32 bits each), the product is run time.
                        // Which weight it scales is known once the product rescales that weight's integer result.
                        var bits = inputs.filter { runtime.contains($0) }.compactMap { pendingScales.removeValue(forKey: $0) }.reduce(0, +)
                        for name in others where !counted.contains(name) {
                            counted.insert(name)
                            bits += (initializers[name]?.count ?? 0) * 32
                        }
                        pendingScales[out] = bits
                        runtime.insert(out)
                    } else if let x = others.first {
                        alias[out] = x  // the rescale of the integer result: a conversion
                        // The weight scales in the product belong to the op whose integer result this rescales.
                        let bits = inputs.filter { runtime.contains($0) }.compactMap { pendingScales.removeValue(forKey: $0) }.reduce(0, +)
                        if let w = integerWeight[x] { weightQuantizers[w, default: 0] += bits } else { other += bits }
                    }
                    continue
                case "Add":
                    // The bias Add after a rewritten Conv becomes the Conv's bias (as the float export has it).
                    if let out = node.outputs.first, let conv = inputs.first(where: { dynamicConvs[$0] != nil }),
                       let index = dynamicConvs[conv], let b = inputs.first(where: { $0 != conv }),
                       let bias = graph.nodes.first(where: { $0.outputs.first == b && $0.opType == "Reshape" })?.inputs.first ?? (initializers[b] != nil ? b : nil),
                       initializers[bias] != nil {
                        nodes[index] = nodes[index].reading(nodes[index].inputs + [bias])
                        alias[out] = conv
                        continue
                    }
                default: break
                }
            }
            if isQ(node) { continue }
            if isDQ(node) {
                // A dequantized graph output stays defined, for free.
                if let out = node.outputs.first, outputs.contains(out) {
                    nodes.append(ONNXNode.identity(name: node.name, input: resolve(out), output: out))
                }
                continue
            }
            nodes.append(node.reading(inputs))
        }
        // A bias's scale and zero point go with the op whose node reads it beside a quantized weight.
        for node in nodes {
            guard let w = node.inputs.first(where: { weightBits[$0] != nil }) else { continue }
            for b in node.inputs where biasQuantizers[b] != nil {
                weightQuantizers[w, default: 0] += biasQuantizers.removeValue(forKey: b) ?? 0
            }
        }
        other += biasQuantizers.values.reduce(0, +)
        other += pendingScales.values.reduce(0, +)  // scale products that rescale no single integer op
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
