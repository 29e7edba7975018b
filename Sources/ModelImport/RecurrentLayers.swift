import Checkpoint

/// A multi-layer recurrent module (`nn.LSTM(num_layers=2)`, bidirectional or not) stores every layer under one
/// module name (`lstm.weight_ih_l0`, `lstm.weight_ih_l1`, `lstm.weight_ih_l0_reverse`), while a graph op counts
/// one layer in one direction. So op `lstm` takes layer 0's tensors, op `lstm_l1` layer 1's and
/// `lstm_l0_reverse` layer 0's backward direction; each layer is counted once, by the op named after it.
enum RecurrentLayers {
    /// A recurrent tensor's module and layer: "lstm.weight_ih_l1_reverse" → ("lstm", "1_reverse"); nil otherwise.
    static func split(_ name: String) -> (module: String, layer: String)? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let field = name[name.index(after: dot)...]
        for prefix in ["weight_ih_l", "weight_hh_l", "weight_hr_l", "bias_ih_l", "bias_hh_l"] where field.hasPrefix(prefix) {
            let layer = field.dropFirst(prefix.count)
            guard isLayer(layer) else { return nil }
            return (String(name[..<dot]), String(layer))
        }
        return nil
    }

    /// "1" or "1_reverse".
    private static func isLayer(_ s: Substring) -> Bool {
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        let rest = s.dropFirst(digits.count)
        return !digits.isEmpty && (rest.isEmpty || rest == "_reverse")
    }

    /// The tensors of `params` that op `op` counts, and the module they belong to: `<op>.*` (only layer 0 of a
    /// recurrent module), or for an op named `<module>_l<k>` (`_reverse`) whose module stores that layer, its tensors.
    static func tensors(of op: String, in params: [NamedTensor]) -> (module: String, tensors: [NamedTensor]) {
        let direct = params.filter { $0.moduleName.hasPrefix(op + ".") }
        if !direct.isEmpty {
            return (op, direct.filter { t in split(t.moduleName).map { $0.module != op || $0.layer == "0" } ?? true })
        }
        var search = op.startIndex
        while let r = op.range(of: "_l", range: search..<op.endIndex) {
            let module = String(op[..<r.lowerBound]), layer = op[r.upperBound...]
            if isLayer(layer) {
                let mine = params.filter { t in split(t.moduleName).map { $0.module == module && $0.layer == layer } ?? false }
                if !mine.isEmpty { return (module, mine) }
            }
            search = r.upperBound
        }
        return (op, [])
    }

    /// Recurrent layers of `params` that none of `ops` counts, as "lstm layer 1 (lstm.weight_ih_l1, ...)"; a graph
    /// that leaves one out would count the model without it.
    static func uncounted(by ops: [String], in params: [NamedTensor]) -> [(module: String, layer: String, names: [String])] {
        var counted = Set<String>()
        for op in ops { for t in tensors(of: op, in: params).tensors { counted.insert(t.moduleName) } }
        var out: [(module: String, layer: String, names: [String])] = []
        for t in params where !counted.contains(t.moduleName) {
            guard let (module, layer) = split(t.moduleName) else { continue }
            if let i = out.firstIndex(where: { $0.module == module && $0.layer == layer }) { out[i].names.append(t.moduleName) }
            else { out.append((module, layer, [t.moduleName])) }
        }
        return out
    }
}
