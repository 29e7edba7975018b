/// Turns an inert object tree into state-dict names: state dicts, dicts wrapping one, whole
/// `nn.Module` pickles (walked like `state_dict()` would), top-level lists such as
/// `[model, criterion, optimizer]`, and optimizer state kept apart from model weights.
struct Flattener {
    /// Keys whose value is the model's state dict in a wrapper dict.
    static let wrapperKeys: Set<String> = ["state_dict", "model", "model_state_dict", "module", "net", "network", "weights", "params"]
    /// Keys whose value is an optimizer (object or state dict) in a wrapper dict.
    static let optimizerKeys: Set<String> = ["optimizer", "optimizer_state_dict", "optim", "opt"]

    private(set) var out: [(name: String, tensor: Tensor, optimizer: Bool, declared: TensorRole?)] = []
    /// Output quantizers of whole-pickled quantized modules (plain attributes, not tensors): PackedParams.swift.
    private(set) var quantizers: [(module: String, scale: Double, zeroPoint: Double, className: String)] = []
    /// Class of every module of a whole pickled model, by state-dict path.
    private(set) var moduleClasses: [String: String] = [:]
    private var visited = Set<Int>()
    /// Model tensors by identity (storage, offset, shape, strides), to name optimizer state by parameter.
    private var modelNames: [TensorIdentity: String] = [:]

    struct TensorIdentity: Hashable {
        let key: String, offset: Int, shape: [Int], strides: [Int], dtype: DType
        init(_ t: Tensor) { key = t.storageKey; offset = t.storageOffset; shape = t.shape; strides = t.strides; dtype = t.dtype }
    }

    /// Flattens the root object.
    mutating func flatten(_ root: PickleValue) {
        switch root {
        case .list, .tuple:
            for (i, item) in (root.listItems ?? []).enumerated() { walk(item, prefix: "\(i).") }
        default:
            walk(root, prefix: "")
        }
    }

    private mutating func emit(_ raw: String, _ t: Tensor, optimizer: Bool, role: TensorRole? = nil) {
        let name = optimizer ? raw : PackedParams.floatName(raw) ?? raw
        out.append((name, t, optimizer, role))
        if !optimizer, modelNames[TensorIdentity(t)] == nil { modelNames[TensorIdentity(t)] = name }
    }

    /// Marks a shared node as walked; false when it already was (cycles, shared submodules).
    private mutating func firstVisit(_ v: PickleValue) -> Bool {
        let id: Int
        switch v {
        case .list(let l), .set(let l): id = PickleContext.address(l)
        case .dict(let d): id = PickleContext.address(d)
        case .object(let o): id = PickleContext.address(o)
        default: return true
        }
        return visited.insert(id).inserted
    }

    private static func keyString(_ k: PickleValue) -> String? {
        switch k {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return nil
        }
    }

    private static func isModule(_ o: PickleObject) -> Bool {
        o.attribute("_parameters") != nil || o.attribute("_modules") != nil
    }

    private static func isOptimizer(_ v: PickleValue) -> Bool {
        if case .object(let o) = v, o.className.hasPrefix("torch.optim.") { return true }
        return v["state"] != nil && v["param_groups"] != nil
    }

    private mutating func walk(_ v: PickleValue, prefix: String) {
        switch v {
        case .tensor(let t):
            emit(String(prefix.dropLast()), t, optimizer: false)
        case .list, .tuple:
            guard firstVisit(v) else { return }
            for (i, item) in (v.listItems ?? []).enumerated() { walk(item, prefix: "\(prefix)\(i).") }
        case .dict(let d):
            guard firstVisit(v) else { return }
            if Self.isOptimizer(v) { walkOptimizer(v, prefix: prefix); return }
            walkDict(d, prefix: prefix)
        case .object(let o):
            guard firstVisit(v) else { return }
            if Self.isOptimizer(v) { walkOptimizer(v, prefix: prefix); return }
            if Self.isModule(o) { walkModule(o, prefix: prefix); return }
            if walkPacked(o, prefix: prefix) { return }
            if case .dict(let d)? = o.state { walkDict(d, prefix: prefix) }
            else if let s = o.state { walk(s, prefix: prefix) }
        default:
            return
        }
    }

    private mutating func walkDict(_ d: PickleDict, prefix: String) {
        let keys = d.entries.compactMap { Self.keyString($0.key) }
        // A wrapper such as {'state_dict': ..., 'epoch': 3}: the model's names carry no wrapper prefix.
        let wrapper = keys.first { Self.wrapperKeys.contains($0) && Self.holdsTensors(d[$0]) }
        // DataParallel state dicts: strip a `module.` prefix that every tensor key carries.
        let tensorKeys = d.entries.filter { if case .tensor = $0.value { return true }; return false }.compactMap { Self.keyString($0.key) }
        let strip = !tensorKeys.isEmpty && tensorKeys.count == d.entries.count && tensorKeys.allSatisfy { $0.hasPrefix("module.") }
        for (k, value) in d.entries {
            guard var key = Self.keyString(k) else { continue }
            if strip { key.removeFirst("module.".count) }
            if key == wrapper {
                walk(value, prefix: prefix)
            } else if Self.optimizerKeys.contains(key) {
                walkOptimizer(value, prefix: prefix + key + ".")
            } else {
                walk(value, prefix: prefix + key + ".")
            }
        }
    }

    private static func holdsTensors(_ v: PickleValue?) -> Bool {
        switch v {
        case .dict(let d)?: return d.entries.contains { if case .tensor = $0.value { return true }; if case .object = $0.value { return true }; return false }
        case .object(let o)?: return isModule(o)
        default: return false
        }
    }

    /// As `Module.state_dict()`: non-None parameters, persistent buffers, then children.
    private mutating func walkModule(_ o: PickleObject, prefix: String) {
        moduleClasses[String(prefix.dropLast())] = o.className
        if let params = o.attribute("_parameters") {
            for (k, v) in Self.entries(params) { if case .tensor(let t) = v, let name = Self.keyString(k) { emit(prefix + name, t, optimizer: false, role: .parameter) } }
        }
        var nonPersistent = Set<String>()
        for item in o.attribute("_non_persistent_buffers_set")?.listItems ?? [] { if let s = item.stringValue { nonPersistent.insert(s) } }
        if let buffers = o.attribute("_buffers") {
            for (k, v) in Self.entries(buffers) {
                if case .tensor(let t) = v, let name = Self.keyString(k), !nonPersistent.contains(name) { emit(prefix + name, t, optimizer: false, role: .buffer) }
            }
        }
        // Quantized modules: packed weights in plain attributes, output scale / zero point as numbers.
        for attr in PackedParams.packedAttributes {
            if let v = o.attribute(attr), case .object(let p) = v, !Self.isModule(p) { walk(v, prefix: prefix + attr + ".") }
        }
        if let q = PackedParams.outputQuantizer(o) { quantizers.append((String(prefix.dropLast()), q.scale, q.zeroPoint, o.className)) }
        if let modules = o.attribute("_modules") {
            for (k, child) in Self.entries(modules) {
                guard let name = Self.keyString(k), case .object(let c) = child else { continue }
                if Self.isModule(c) { walkModule(c, prefix: prefix + name + ".") } else { _ = walkPacked(c, prefix: prefix + name + ".") }
            }
        }
    }

    /// ScriptObjects (packed params, LSTM cells) and quantized conv modules' `__getstate__` tuples.
    private mutating func walkPacked(_ o: PickleObject, prefix: String) -> Bool {
        if let conv = PackedParams.convState(o) {
            let module = String(prefix.dropLast())
            moduleClasses[module] = o.className
            emit(prefix + "weight", conv.weight, optimizer: false, role: .parameter)
            if let b = conv.bias { emit(prefix + "bias", b, optimizer: false, role: .parameter) }
            quantizers.append((module, conv.scale, conv.zeroPoint, o.className))
            return true
        }
        guard let (cls, payload) = PackedParams.scriptObject(o) else { return false }
        if cls.hasSuffix(".CellParamsBase"), let cell = PackedParams.lstmCell(payload: payload, prefix: prefix) {
            for (name, t) in cell { emit(name, t, optimizer: false, role: .parameter) }
        } else {
            walk(payload, prefix: prefix)
        }
        return true
    }

    private static func entries(_ v: PickleValue) -> [(key: PickleValue, value: PickleValue)] {
        if case .dict(let d) = v { return d.entries }
        return []
    }

    /// Optimizer state (object or state dict): `state.<param name or index>.<field>`; param_groups are skipped.
    private mutating func walkOptimizer(_ v: PickleValue, prefix: String) {
        guard let state = v["state"], case .dict(let stateDict) = state else { return }
        var groupParams: [TensorIdentity: Int] = [:]
        var index = 0
        for g in v["param_groups"]?.listItems ?? [] {
            for p in g["params"]?.listItems ?? [] {
                if case .tensor(let t) = p { groupParams[TensorIdentity(t)] = index }
                index += 1
            }
        }
        var position = 0
        for (k, perParam) in stateDict.entries {
            let label: String
            switch k {
            case .tensor(let t):
                let id = TensorIdentity(t)
                label = modelNames[id] ?? groupParams[id].map(String.init) ?? String(position)
            default:
                label = Self.keyString(k) ?? String(position)
            }
            position += 1
            for (field, value) in Self.entries(perParam) {
                guard let f = Self.keyString(field) else { continue }
                walkOptimizerValue(value, name: prefix + "state." + label + "." + f)
            }
        }
    }

    private mutating func walkOptimizerValue(_ v: PickleValue, name: String) {
        switch v {
        case .tensor(let t): emit(name, t, optimizer: true)
        case .list, .tuple:
            for (i, item) in (v.listItems ?? []).enumerated() { walkOptimizerValue(item, name: "\(name).\(i)") }
        case .dict(let d):
            for (k, value) in d.entries { if let s = Self.keyString(k) { walkOptimizerValue(value, name: name + "." + s) } }
        default: return
        }
    }
}
