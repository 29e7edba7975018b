import Checkpoint
import Graph

/// The bit widths a checkpoint stores, given to the ops of the graph file it is paired with (issue 12: every
/// tensor counts at the width its file stores it in).
///
/// * An op's tensors are `<op>.*` (`<op>.weight`, `<op>.bias`, an LSTM's `<op>.weight_ih_l0`, ...), packed
///   parameters already unpacked to those names by the reader; a multi-layer LSTM's layer k is op `<op>_l<k>`'s
///   (RecurrentLayers.swift). Its parameter width is its weights' dtype width
///   (qint8 8, quint4x2 4, float16/bfloat16 16).
/// * Storage beyond `param` bits per value goes to the op's quantizer bits (storage, not parameter count): each
///   weight scale at 32 and zero point at the weight's width (a float zero point at 32); the activation quantizer
///   the op's module stores (32 + 8 for quint8); a float32 bias beside narrower weights (its extra bits per value).
///   QuantStub's quantizer has no op of its own: it goes to the first op, which consumes what it quantizes.
/// * Mults at max(weight width, input activation width). A whole pickled model names its classes: static
///   quantized modules take 8-bit (quint8) activations, dynamic ones float (32). A bare state dict cannot say,
///   so inputs follow the weight width unless the graph file sets `input_bits` (then the wider of the two).
///   Ops without weights take the width of the activation they consume (the previous op's output).
/// * A float32 checkpoint sets nothing: its ops keep the global settings, so uniform-bit counts never move.
struct StoredBits {
    /// Bits found for one op.
    struct Op: Equatable {
        var param: Int?
        var input: Int?
        var quantizer: Int?
    }

    /// One op of the paired graph, in graph order.
    struct GraphOp {
        let name: String
        let hasWeights: Bool
        /// `input_bits` the graph file sets on the op, if any.
        let graphInput: Int?
    }

    let checkpoint: LoadedCheckpoint

    /// Quantized (qint/quint) or half-precision weights anywhere: the file states its own widths.
    var storesOwnWidths: Bool {
        checkpoint.modelTensors.contains { $0.tensor.dtype.isQuantized || $0.tensor.dtype.isHalf }
    }

    /// Every floating-point weight stored in float16 or bfloat16 (and none quantized): the dtype of the file.
    var halfPrecision: DType? {
        let floats = checkpoint.modelTensors.filter { $0.role == .parameter && ($0.tensor.dtype.isHalf || $0.tensor.dtype == .float32 || $0.tensor.dtype.isQuantized) }
        guard let first = floats.first?.tensor.dtype, first.isHalf, floats.allSatisfy({ $0.tensor.dtype == first }) else { return nil }
        return first
    }

    /// A recognised model's graph when the file is half precision: 16-bit parameters and mults on every op (what the
    /// file stores; not quantization below 16 bits, so the freebie stays), and the note saying so.
    func halfPrecisionGraph(_ graph: OpGraph) -> (graph: OpGraph, note: String)? {
        guard let dtype = halfPrecision else { return nil }
        var graph = graph
        func sixteen(_ op: NamedOp) -> NamedOp {
            var op = op
            if op.op.hasWeights { op.bits.param = op.bits.param ?? 16 }
            op.bits.input = op.bits.input ?? 16
            return op
        }
        graph.entries = graph.entries.map { entry in
            switch entry {
            case .op(let op): return .op(sixteen(op))
            case .block(var block):
                block.ops = block.ops.map(sixteen)
                return .block(block)
            }
        }
        return (graph, "bits read from \(checkpoint.path): weights stored in \(dtype.rawValue), so 16-bit parameters and mults "
                + "(half precision is not quantization below 16 bits: the model keeps the freebie)")
    }

    /// Bits for each op (by name) and one note line per op that got them; empty for a float32 checkpoint.
    func assign(_ ops: [GraphOp]) throws -> (bits: [String: Op], notes: [String]) {
        guard storesOwnWidths else { return ([:], []) }
        let params = checkpoint.modelTensors.filter { $0.role == .parameter }
        let counted = checkpoint.activationQuantizers.filter { !$0.isDynamicPlaceholder }
        let owned = Set(ops.map(\.name))
        let wholeModel = !checkpoint.moduleClasses.isEmpty
        // What the first op consumes: QuantStub's 8-bit activations, half-precision ones, or float.
        let halfOnly = !params.contains { $0.tensor.dtype.isQuantized }
        var activation = counted.contains { !owned.contains($0.module) } ? 8 : (halfOnly ? 16 : 32)
        var stray = counted.filter { !owned.contains($0.module) }.count * (32 + 8)
        var out: [String: Op] = [:]
        var notes = ["bits read from \(checkpoint.path) (the widths it stores):"]
        // Each layer of a multi-layer LSTM is one op (RecurrentLayers.swift); one no op takes would go uncounted.
        if let missing = RecurrentLayers.uncounted(by: ops.map(\.name), in: params).first {
            let suggested = missing.module + (missing.layer == "0" ? "" : "_l" + missing.layer)
            throw ImportError(checkpoint.path, "no op of the graph counts layer \(missing.layer) of '\(missing.module)' (\(missing.names.joined(separator: ", "))): "
                              + "a graph op is one recurrent layer, so add an op named '\(suggested)' for it")
        }
        for op in ops {
            let (module, mine) = RecurrentLayers.tensors(of: op.name, in: params)
            let weights = mine.filter { Self.isWeight($0.moduleName, module: module) }
            guard op.hasWeights, let widest = weights.map({ $0.tensor.dtype.bits }).max() else {
                // No weights: multiplies at the width of what it consumes. A static module without weights
                // (QFunctional's add, a quantized activation) still requantizes its output with its own pair.
                let output = counted.contains { $0.module == op.name } ? 32 + 8 : 0
                if activation != 32 || output > 0 {
                    out[op.name] = Op(param: nil, input: activation == 32 ? nil : activation, quantizer: output == 0 ? nil : output)
                }
                if output > 0 {
                    notes.append("  \(op.name): mults \(activation)-bit, \(output) bits of its output's scale and zero point")
                    activation = 8
                }
                continue
            }
            for w in weights { try Self.check(w.tensor.dtype.bits, tensor: w.name) }
            var storage = 0.0  // in Double: an expanded view's element count times bits may not fit an Int
            for t in mine {
                if let q = t.tensor.quantization { storage += q.quantizerBits(weightBits: t.tensor.dtype.bits) }
                if !Self.isWeight(t.moduleName, module: module), t.tensor.dtype.bits > widest {
                    storage += Double(t.tensor.dtype.bits - widest) * Double(t.tensor.count)  // a wider (float32) bias
                }
            }
            guard storage < 0x1p52 else { throw ImportError(checkpoint.path, "op '\(op.name)': its tensors' scales, zero points and biases take \(storage) bits") }
            var quantizer = Int(storage)
            let className = checkpoint.moduleClasses[module] ?? ""
            let dynamic = className.contains(".quantized.dynamic.")
            let staticQuantized = !dynamic && className.contains(".quantized.")
            let output = counted.first { $0.module == op.name }
            if output != nil { quantizer += 32 + 8 }
            quantizer += stray
            stray = 0
            let input: Int
            if let graphInput = op.graphInput {
                input = max(widest, graphInput)
            } else if wholeModel, dynamic {
                input = max(widest, 32)
            } else if wholeModel, staticQuantized {
                input = max(widest, 8)
            } else if weights.contains(where: { $0.tensor.dtype.isQuantized }) {
                input = widest  // a bare state dict: inputs follow the weights
            } else {
                input = max(widest, activation)
            }
            try Self.check(input, tensor: op.name)
            out[op.name] = Op(param: widest, input: input, quantizer: quantizer == 0 ? nil : quantizer)
            notes.append("  \(op.name): parameters \(widest)-bit, mults \(input)-bit"
                         + (quantizer > 0 ? ", \(quantizer) bits of scales, zero points and wider biases" : ""))
            // What the next op consumes: a static module's requantized output, else the float (or half) result.
            activation = output != nil || (staticQuantized && !dynamic) ? 8 : (halfOnly ? 16 : 32)
        }
        if halfOnly { notes.append("  (half precision is not quantization below 16 bits: the model keeps the freebie)") }
        return (out, notes)
    }

    /// Weights of module `module`: `<module>.weight`, `<module>.weight_ih_l0`, ... (not biases, not pruning masks).
    private static func isWeight(_ name: String, module: String) -> Bool {
        let field = name.dropFirst(module.count + 1)
        return field.hasPrefix("weight") && !field.hasSuffix("_mask")
    }

    private static func check(_ bits: Int, tensor: String) throws {
        guard (1...64).contains(bits) else { throw ImportError(tensor, "bit width \(bits) is outside 1–64") }
    }
}
