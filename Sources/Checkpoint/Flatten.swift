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
    /// Whole-pickled recurrent modules that say `bidirectional` (their packed cells alternate directions).
    private var bidirectional = Set<String>()
    private var visited = Set<Int>()
    /// Most bytes all names together may take (proportional to the file): one long key under a
    /// thousand list items would otherwise become a thousand copies of it.
    let nameBudget: Int
    private var nameBytes = 0
    /// Nodes walked so far, charged against `nameBudget` too (shared submodules are walked per name).
    private var steps = 0
    /// Modules on the current path (cycle check for module walks).
    private var modulePath = Set<Int>()
    /// Nesting followed at most; the pickle machine already refuses results nested deeper.
    static let maxDepth = PickleMachine.maxDepth + 8

    /// A flattener whose names may total `nameBudget` bytes.
    init(nameBudget: Int) { self.nameBudget = nameBudget }
    /// Model tensors by identity (storage, offset, shape, strides), to name optimizer state by parameter.
    private var modelNames: [TensorIdentity: String] = [:]

    struct TensorIdentity: Hashable {
        let key: String, offset: Int, shape: [Int], strides: [Int], dtype: DType
        init(_ t: Tensor) { key = t.storageKey; offset = t.storageOffset; shape = t.shape; strides = t.strides; dtype = t.dtype }
    }

    /// Flattens the root object. Every walk marks shared nodes (lists, dicts, objects and tuples,
    /// which the memo can share too) as visited, so cycles end and memo DAGs ("billion laughs") are
    /// walked once; depth is bounded and names are charged against `nameBudget`.
    mutating func flatten(_ root: PickleValue) throws {
        switch root {
        case .list, .tuple:
            _ = firstVisit(root)
            for (i, item) in (root.listItems ?? []).enumerated() where !Self.isLeaf(item) { try walk(item, prefix: try child("", String(i)), depth: 1) }
        default:
            try walk(root, prefix: "", depth: 0)
        }
    }

    private mutating func emit(_ raw: String, _ t: Tensor, optimizer: Bool, role: TensorRole? = nil) throws {
        let name = optimizer ? raw : PackedParams.floatName(raw) ?? raw
        nameBytes &+= name.utf8.count
        guard nameBytes <= nameBudget else { throw Self.overBudget(nameBudget) }
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
        case .tuple(let t):
            guard let p = t.withUnsafeBufferPointer({ $0.baseAddress }) else { return true }
            id = Int(bitPattern: p)
        default: return true
        }
        return visited.insert(id).inserted
    }

    private mutating func step() throws {
        steps &+= 1
        guard steps <= nameBudget else { throw FormatError("flattening walks more than \(nameBudget) objects, out of proportion to the file; refusing it") }
    }

    private static func checkDepth(_ depth: Int) throws {
        guard depth <= maxDepth else { throw FormatError("pickle nests objects deeper than \(maxDepth) levels") }
    }

    /// The name part of a dict key, as Python's `str(key)` writes it: keys that are not strings
    /// (ints, floats, bools, None, bytes, tuples) still name their tensors, never drop them.
    static func keyString(_ k: PickleValue) -> String? {
        switch k {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return repr(k, depth: 0)
        }
    }

    /// Bytes of the file's data a key's name is made from (a tuple's repr reads every item).
    private static func keySourceBytes(_ k: PickleValue, depth: Int = 0) -> Int {
        switch k {
        case .string(let s): return s.utf8.count
        case .bytes(let b): return b.count
        case .tuple(let t) where depth < 8: return t.reduce(8) { $0 &+ keySourceBytes($1, depth: depth + 1) }
        default: return 8
        }
    }

    /// `keyName`, with the key's bytes charged to the name budget: the same memoized key in many
    /// dicts is read once per dict, so that reading is bounded by the file too.
    private mutating func name(_ k: PickleValue, position: Int) throws -> String {
        try charge(Self.keySourceBytes(k))
        return Self.keyName(k, position: position)
    }

    /// `prefix + part + "."`, charged to the name budget: names are built whole (as torch spells
    /// them), so a long memoized key over many nested items is paid for each time it is copied.
    private mutating func child(_ prefix: String, _ part: String) throws -> String {
        try charge(prefix.utf8.count &+ part.utf8.count &+ 1)
        return prefix + part + "."
    }

    /// `a + "." + b`, charged like `child`.
    private mutating func dotted(_ a: String, _ b: String) throws -> String {
        try charge(a.utf8.count &+ b.utf8.count &+ 1)
        return a + "." + b
    }

    private mutating func charge(_ bytes: Int) throws {
        nameBytes &+= bytes
        guard nameBytes <= nameBudget else { throw Self.overBudget(nameBudget) }
    }

    /// Values that can hold no tensor: no name is built for them.
    private static func isLeaf(_ v: PickleValue) -> Bool {
        switch v {
        case .none, .bool, .int, .bigInt, .float, .string, .bytes, .global, .storage: return true
        default: return false
        }
    }

    private static func overBudget(_ budget: Int) -> FormatError {
        FormatError("tensor names take more than \(budget) bytes, out of proportion to the file (a long key repeated under many items?); refusing it")
    }

    /// `keyString`, or for a key with no plain repr (an object, a tensor, a list) "<kind key #i>" by
    /// its position, so that whatever the key, the tensors under it are listed, never dropped.
    static func keyName(_ k: PickleValue, position: Int) -> String {
        keyString(k) ?? "<\(k.kindName) key #\(position)>"
    }

    /// Python's repr of a plain value (nil for objects, containers and tensors).
    private static func repr(_ v: PickleValue, depth: Int) -> String? {
        switch v {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d):
            if d.isNaN { return "nan" }
            if d.isInfinite { return d < 0 ? "-inf" : "inf" }
            return "\(d)"
        case .string(let s): return "'" + s + "'"
        case .bytes(let b):
            var out = "b'"
            for c in b {
                switch c {
                case 0x5C: out += "\\\\"
                case 0x27: out += "\\'"
                case 0x09: out += "\\t"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(c))
                default:
                    let h = String(c, radix: 16)
                    out += "\\x" + (h.count == 1 ? "0" + h : h)
                }
            }
            return out + "'"
        case .tuple(let t):
            guard depth < 8 else { return nil }
            var parts: [String] = []
            for item in t { guard let r = repr(item, depth: depth + 1) else { return nil }; parts.append(r) }
            return "(" + parts.joined(separator: ", ") + (t.count == 1 ? ",)" : ")")
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

    private mutating func walk(_ v: PickleValue, prefix: String, depth: Int) throws {
        try Self.checkDepth(depth)
        try step()
        switch v {
        case .tensor(let t):
            try emit(String(prefix.dropLast()), t, optimizer: false)
        case .list, .tuple:
            guard firstVisit(v) else { return }
            for (i, item) in (v.listItems ?? []).enumerated() where !Self.isLeaf(item) { try walk(item, prefix: try child(prefix, String(i)), depth: depth + 1) }
        case .dict(let d):
            guard firstVisit(v) else { return }
            if Self.isOptimizer(v) { try walkOptimizer(v, prefix: prefix, depth: depth + 1); return }
            try walkDict(d, prefix: prefix, depth: depth + 1)
        case .object(let o):
            guard firstVisit(v) else { return }
            if Self.isOptimizer(v) { try walkOptimizer(v, prefix: prefix, depth: depth + 1); return }
            if Self.isModule(o) {
                let id = PickleContext.address(o)
                modulePath.insert(id)
                defer { modulePath.remove(id) }
                try walkModule(o, prefix: prefix, depth: depth + 1)
                return
            }
            if try walkPacked(o, prefix: prefix, depth: depth + 1) { return }
            if case .dict(let d)? = o.state { try walkDict(d, prefix: prefix, depth: depth + 1) }
            else if let s = o.state { try walk(s, prefix: prefix, depth: depth + 1) }
        default:
            return
        }
    }

    private mutating func walkDict(_ d: PickleDict, prefix: String, depth: Int) throws {
        var names: [String] = []
        names.reserveCapacity(d.entries.count)
        for (i, e) in d.entries.enumerated() { names.append(try name(e.key, position: i)) }
        // A wrapper such as {'state_dict': ..., 'epoch': 3}: the model's names carry no wrapper prefix.
        let wrapper = names.first { Self.wrapperKeys.contains($0) && Self.holdsTensors(d[$0]) }
        // DataParallel state dicts: strip a `module.` prefix that every tensor key carries.
        let tensorKeys = zip(d.entries, names).filter { if case .tensor = $0.0.value { return true }; return false }.map(\.1)
        let strip = !tensorKeys.isEmpty && tensorKeys.count == d.entries.count && tensorKeys.allSatisfy { $0.hasPrefix("module.") }
        for (i, (_, value)) in d.entries.enumerated() where !Self.isLeaf(value) {
            var key = names[i]
            if strip { key.removeFirst("module.".count) }
            if key == wrapper {
                try walk(value, prefix: prefix, depth: depth)
            } else if Self.optimizerKeys.contains(key) {
                guard firstVisit(value) else { continue }
                try walkOptimizer(value, prefix: try child(prefix, key), depth: depth)
            } else {
                try walk(value, prefix: try child(prefix, key), depth: depth)
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
    private mutating func walkModule(_ o: PickleObject, prefix: String, depth: Int) throws {
        try Self.checkDepth(depth)
        try step()
        moduleClasses[String(prefix.dropLast())] = o.className
        if o.attribute("bidirectional")?.intValue == 1 { bidirectional.insert(String(prefix.dropLast())) }
        if let params = o.attribute("_parameters") {
            for (i, (k, v)) in Self.entries(params).enumerated() { if case .tensor(let t) = v { try emit(prefix + name(k, position: i), t, optimizer: false, role: .parameter) } }
        }
        var nonPersistent = Set<String>()
        for item in o.attribute("_non_persistent_buffers_set")?.listItems ?? [] { if let s = item.stringValue { nonPersistent.insert(s) } }
        if let buffers = o.attribute("_buffers") {
            for (i, (k, v)) in Self.entries(buffers).enumerated() {
                let part = try name(k, position: i)
                if case .tensor(let t) = v, !nonPersistent.contains(part) { try emit(prefix + part, t, optimizer: false, role: .buffer) }
            }
        }
        // Quantized modules: packed weights in plain attributes, output scale / zero point as numbers.
        for attr in PackedParams.packedAttributes {
            if let v = o.attribute(attr), case .object(let p) = v, !Self.isModule(p) { try walk(v, prefix: try child(prefix, attr), depth: depth + 1) }
        }
        if let q = PackedParams.outputQuantizer(o) { quantizers.append((String(prefix.dropLast()), q.scale, q.zeroPoint, o.className)) }
        if let modules = o.attribute("_modules") {
            for (i, (k, child)) in Self.entries(modules).enumerated() {
                let part = try name(k, position: i)
                guard case .object(let c) = child else { continue }
                // state_dict() names a shared submodule under every parent, so only a module that is
                // its own ancestor (a cycle) is skipped; `steps` bounds a DAG of shared modules.
                let id = PickleContext.address(c)
                if !Self.isModule(c) { _ = try walkPacked(c, prefix: try self.child(prefix, part), depth: depth + 1); continue }
                guard !modulePath.contains(id) else { continue }
                modulePath.insert(id)
                defer { modulePath.remove(id) }
                try walkModule(c, prefix: try self.child(prefix, part), depth: depth + 1)
            }
        }
    }

    /// ScriptObjects (linear and embedding packed params, LSTM cells) and quantized conv modules' `__getstate__` tuples.
    private mutating func walkPacked(_ o: PickleObject, prefix: String, depth: Int) throws -> Bool {
        if let conv = PackedParams.convState(o) {
            let module = String(prefix.dropLast())
            moduleClasses[module] = o.className
            try emit(prefix + "weight", conv.weight, optimizer: false, role: .parameter)
            if let b = conv.bias { try emit(prefix + "bias", b, optimizer: false, role: .parameter) }
            quantizers.append((module, conv.scale, conv.zeroPoint, o.className))
            return true
        }
        guard let (cls, payload) = PackedParams.scriptObject(o) else { return false }
        if let w = PackedParams.embeddingWeight(className: cls, payload: payload) {
            try emit(String(prefix.dropLast()), w, optimizer: false, role: .parameter)  // floatName: `<emb>.weight`
        } else if cls.hasSuffix(".CellParamsBase"), let cell = PackedParams.lstmCell(payload: payload, prefix: prefix, bidirectional: bidirectional) {
            for (name, t) in cell { try emit(name, t, optimizer: false, role: .parameter) }
        } else {
            try walk(payload, prefix: prefix, depth: depth)
        }
        return true
    }

    private static func entries(_ v: PickleValue) -> [(key: PickleValue, value: PickleValue)] {
        if case .dict(let d) = v { return d.entries }
        return []
    }

    /// Optimizer state (object or state dict): `state.<param name or index>.<field>`; param_groups are skipped.
    private mutating func walkOptimizer(_ v: PickleValue, prefix: String, depth: Int) throws {
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
                try charge(Self.keySourceBytes(k))
                label = Self.keyString(k) ?? String(position)
            }
            position += 1
            for (i, (field, value)) in Self.entries(perParam).enumerated() {
                guard !Self.isLeaf(value) else { continue }
                let f = try name(field, position: i)
                try walkOptimizerValue(value, name: try dotted(prefix + "state." + label, f), depth: depth + 1)
            }
        }
    }

    private mutating func walkOptimizerValue(_ v: PickleValue, name: String, depth: Int) throws {
        try Self.checkDepth(depth)
        switch v {
        case .tensor(let t): try emit(name, t, optimizer: true)
        case .list, .tuple:
            guard firstVisit(v) else { return }
            for (i, item) in (v.listItems ?? []).enumerated() where !Self.isLeaf(item) { try walkOptimizerValue(item, name: try dotted(name, String(i)), depth: depth + 1) }
        case .dict(let d):
            guard firstVisit(v) else { return }
            for (i, (k, value)) in d.entries.enumerated() where !Self.isLeaf(value) { try walkOptimizerValue(value, name: try dotted(name, try self.name(k, position: i)), depth: depth + 1) }
        default: return
        }
    }
}
