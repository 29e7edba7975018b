/// torch.ao quantized modules keep their weights outside `_parameters`: packed-params ScriptObjects
/// (`LinearPackedParamsBase`, `CellParamsBase`), `__getstate__` tuples (quantized convs), and
/// `_packed_params` entries of state dicts. This unpacks them to the float module's state-dict names
/// (`fc.weight`, `lstm.weight_ih_l0`, ...), so a graph file and `count` see the names a float model has.
enum PackedParams {
    /// Module attributes (outside `_parameters`/`_buffers`) where quantized modules keep packed weights.
    static let packedAttributes = ["_packed_params", "param", "_packed_weight"]

    /// `torch.ScriptObject` state as pickled: `(payload, "__torch__.torch.classes.<ns>.<Class>")`.
    static func scriptObject(_ o: PickleObject) -> (className: String, payload: PickleValue)? {
        guard o.className == "torch.ScriptObject", let state = o.state?.listItems, state.count == 2,
              let cls = state[1].stringValue else { return nil }
        return (cls, state[0])
    }

    /// A `CellParamsBase` of a dynamic quantized LSTM: `('quantized_dynamic' | 'quantized_fp16', [b_ih, b_hh],
    /// doubles, longs, [packed w_ih, packed w_hh])`, under `<lstm>._all_weight_values.<k>.param.`, as the float
    /// LSTM's `weight_ih_l<k>`, `weight_hh_l<k>`, `bias_ih_l<k>`, `bias_hh_l<k>`. One direction: cell k is layer k;
    /// a whole pickled bidirectional LSTM: cell k is layer k/2, reverse when k is odd (`weight_ih_l0_reverse`).
    static func lstmCell(payload: PickleValue, prefix: String, bidirectional: Set<String>) -> [(name: String, tensor: Tensor)]? {
        guard let items = payload.listItems, items.count == 5,
              let tag = items[0].stringValue, tag == "quantized_dynamic" || tag == "quantized_fp16",
              let biases = items[1].listItems, biases.count == 2,
              let packed = items[4].listItems, packed.count == 2 else { return nil }
        let parts = prefix.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        // prefix = "<lstm>._all_weight_values.<k>.param." (trailing empty part from the final dot)
        guard parts.count >= 4, parts[parts.count - 2] == "param", let k = Int(parts[parts.count - 3]),
              parts[parts.count - 4] == "_all_weight_values" else { return nil }
        let lstm = parts[0..<(parts.count - 4)].joined(separator: ".")
        let base = lstm.isEmpty ? "" : lstm + "."
        let suffix = bidirectional.contains(lstm) ? "l\(k / 2)" + (k % 2 == 1 ? "_reverse" : "") : "l\(k)"
        var out: [(String, Tensor)] = []
        for (i, gate) in ["ih", "hh"].enumerated() {
            guard case .object(let so) = packed[i], let (_, inner) = scriptObject(so),
                  let w = inner.listItems?.first?.tensorValue else { return nil }
            out.append(("\(base)weight_\(gate)_\(suffix)", w))
        }
        for (i, gate) in ["ih", "hh"].enumerated() {
            guard let b = biases[i].tensorValue else { return nil }
            out.append(("\(base)bias_\(gate)_\(suffix)", b))
        }
        return out
    }

    /// The weight of an `EmbeddingPackedParamsBase` (quantized `Embedding` / `EmbeddingBag` pickled whole):
    /// payload `(version, [weight], doubles, [bit_rate])`. torch's own state dict names it
    /// `<emb>._packed_params._packed_weight`, the path this payload sits under.
    static func embeddingWeight(className: String, payload: PickleValue) -> Tensor? {
        guard className.hasSuffix(".EmbeddingPackedParamsBase"), let items = payload.listItems, items.count >= 2,
              let weights = items[1].listItems, weights.count == 1, let w = weights[0].tensorValue, w.dtype.isQuantized else { return nil }
        return w
    }

    /// A quantized conv module pickled whole: its `__getstate__` tuple `(in, out, kernel, stride, padding,
    /// dilation, transposed, output_padding, groups, padding_mode, weight, bias, scale, zero_point, training)`.
    static func convState(_ o: PickleObject) -> (weight: Tensor, bias: Tensor?, scale: Double, zeroPoint: Double)? {
        guard o.className.contains(".quantized."), let s = o.state?.listItems, s.count >= 14,
              let w = s[10].tensorValue, w.dtype.isQuantized,
              let scale = s[12].doubleValue, let zp = s[13].doubleValue else { return nil }
        return (w, s[11].tensorValue, scale, zp)
    }

    /// The float module's name of a packed path: `X._packed_params._packed_params.0` → `X.weight`, `.1` → `X.bias`,
    /// `X._packed_params._packed_weight` → `X.weight` (embeddings); nil when `raw` is not such a path.
    static func floatName(_ raw: String) -> String? {
        for (suffix, name) in [("._packed_params._packed_params.0", ".weight"), ("._packed_params._packed_params.1", ".bias"),
                               ("._packed_params._packed_weight", ".weight")] where raw.hasSuffix(suffix) {
            return String(raw.dropLast(suffix.count)) + name
        }
        return nil
    }

    /// Output scale and zero point a whole-pickled quantized module keeps as plain attributes (Linear).
    static func outputQuantizer(_ o: PickleObject) -> (scale: Double, zeroPoint: Double)? {
        guard o.className.contains(".quantized."), let s = o.attribute("scale")?.doubleValue,
              let z = o.attribute("zero_point")?.doubleValue else { return nil }
        if case .tensor = o.attribute("scale") { return nil }  // Quantize keeps tensors: a buffer pair, listed as tensors
        return (s, z)
    }
}

/// What a tensor is to the model: only parameters are counted; buffers (BatchNorm statistics, counters, EMA
/// shadows, quantizer scales and zero points) and optimizer state are listed apart.
public enum TensorRole: String, Sendable {
    case parameter, buffer, optimizer

    /// Segments of a state-dict name that hold an exponential-moving-average (or SWA) copy of the model.
    static let shadowSegments: Set<String> = ["ema", "model_ema", "ema_model", "shadow", "shadow_params", "swa_model",
                                              "averaged_model", "ema_state_dict", "model_ema_state_dict"]
    /// Names of buffers that models register (BatchNorm statistics, counters).
    static let bufferNames: Set<String> = ["running_mean", "running_var", "num_batches_tracked", "step", "n_averaged"]

    /// The role of a tensor called `name`: `declared` is what a whole pickled module said (`_parameters` vs
    /// `_buffers`), nil for a bare state dict, where names decide.
    static func of(name: String, declared: TensorRole?, isQuantizerPair: Bool) -> TensorRole {
        let parts = name.split(separator: ".").map(String.init)
        if parts.contains(where: { shadowSegments.contains($0) || $0.hasPrefix("ema_") }) { return .buffer }
        if let declared { return declared }
        if isQuantizerPair { return .buffer }
        if let last = parts.last, bufferNames.contains(last) { return .buffer }
        return .parameter
    }
}

/// An activation quantizer the file stores: QuantStub's input scale and zero point, or a static quantized
/// module's output ones. These are needed at inference (requantization), so `count` stores them.
public struct ActivationQuantizer: Sendable {
    /// The module's state-dict path ("quant", "conv1").
    public let module: String
    /// Scale.
    public let scale: Double
    /// Zero point (an integer of the activation type, quint8 unless the file says otherwise).
    public let zeroPoint: Double
    /// True for the scale 1.0 / zero point 0 placeholder a dynamic quantized module stores (its activations stay
    /// float, so nothing is requantized and nothing is counted).
    public let isDynamicPlaceholder: Bool
}

extension ActivationQuantizer {
    /// The module path of `<module>.scale` / `<module>.zero_point`.
    static func module(of name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return "" }
        return String(name[..<dot])
    }

    /// True when `name` is the `scale` or `zero_point` of one of `pairs`' modules.
    static func isPairMember(_ name: String, of pairs: Set<String>) -> Bool {
        (name.hasSuffix("scale") || name.hasSuffix("zero_point")) && pairs.contains(module(of: name))
            && ["scale", "zero_point"].contains(name.split(separator: ".").last.map(String.init) ?? "")
    }

    /// Modules with a one-element float `scale` and a one-element integer `zero_point` tensor: the quantizer
    /// buffers of QuantStub and of static (and dynamic) quantized modules in state dicts.
    static func tensorPairs(_ tensors: [(name: String, tensor: Tensor)]) -> Set<String> {
        var scales = Set<String>(), zeroPoints = Set<String>()
        for (name, t) in tensors where t.count == 1 && !t.dtype.isQuantized {
            let floating = [DType.float32, .float64, .float16, .bfloat16].contains(t.dtype)
            if name.hasSuffix(".scale") || name == "scale", floating { scales.insert(module(of: name)) }
            if name.hasSuffix(".zero_point") || name == "zero_point", !floating, t.dtype != .bool { zeroPoints.insert(module(of: name)) }
        }
        return scales.intersection(zeroPoints)
    }

    /// Every activation quantizer, in file order: tensor pairs, then whole-pickled modules' attributes.
    static func collect(named: [NamedTensor], attributes: [(module: String, scale: Double, zeroPoint: Double, className: String)]) -> [ActivationQuantizer] {
        let model = named.filter { !$0.isOptimizerState }
        let pairs = tensorPairs(model.map { ($0.name, $0.tensor) })
        var out: [ActivationQuantizer] = []
        var seen = Set<String>()
        let byName = Dictionary(model.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for t in model where t.name.hasSuffix("scale") {
            let m = module(of: t.name)
            guard pairs.contains(m), !seen.contains(m), let zp = byName[m.isEmpty ? "zero_point" : m + ".zero_point"] else { continue }
            seen.insert(m)
            let s = t.tensor.toFloat64().first ?? 0, z = zp.tensor.toFloat64().first ?? 0
            // A bare state dict cannot name the class: dynamic modules are known by their 1.0 / 0 placeholder.
            out.append(ActivationQuantizer(module: NamedTensor.moduleName(m), scale: s, zeroPoint: z, isDynamicPlaceholder: s == 1 && z == 0))
        }
        for a in attributes where !seen.contains(a.module) {
            seen.insert(a.module)
            let dynamic = a.className.contains(".dynamic.") || (a.scale == 1 && a.zeroPoint == 0)
            out.append(ActivationQuantizer(module: NamedTensor.moduleName(a.module), scale: a.scale, zeroPoint: a.zeroPoint, isDynamicPlaceholder: dynamic))
        }
        return out
    }
}
