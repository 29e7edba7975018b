/// Every reference node of a loaded pickle, so a cyclic object graph can be broken explicitly.
final class NodeArena {
    private(set) var nodes: [AnyObject]
    init(_ nodes: [AnyObject]) { self.nodes = nodes }

    /// Empties every node (breaking any reference cycle); values read before stay valid.
    func breakCycles() {
        for n in nodes { PickleContext.clear(n) }
        while !nodes.isEmpty { nodes.removeLast() }
    }
}

/// What the pickle machine shares across the pickles of one file: the allowlist of reconstructors,
/// the storages persistent ids name, every tensor built (for bounds checks), the class names seen,
/// and an arena of every reference node so that failures tear down without deep recursion.
final class PickleContext {
    /// Resolves a persistent id (storage tuple, or a legacy `('module', cls, ...)` record).
    var persistentLoader: ((PickleValue) throws -> PickleValue)?
    /// Storages by key, shared by every tensor on them.
    var storages: [String: StorageRef] = [:]
    /// The pass that names the tensor on an unknown quantized storage (UnknownQuantizedStorage.swift).
    var nameUnknownQuantizedStorages = false
    /// In that pass: each unknown quantized storage's class, by storage key.
    var unknownQuantizedStorages: [String: String] = [:]
    /// Every tensor built, in order.
    private(set) var tensors: [Tensor] = []
    /// Qualified names of every global the pickle names.
    private(set) var classes: Set<String> = []
    /// Callables outside the allowlist that the pickle asked to call (kept inert).
    private(set) var inertCalls: Set<String> = []
    /// Every list, dict and object built.
    private(set) var arena: [AnyObject] = []
    /// Refused globals the pickle names (see `PickleSafety`), in first-seen order.
    private(set) var refusedGlobals: [String] = []
    /// Values pushed or copied so far by every pickle of the file (a memory budget).
    var itemCount = 0
    /// Most values the file's pickles may push or copy: proportional to the file (set by the loader).
    var valueBudget = PickleMachine.maxValues
    /// Bytes of strings and bytes objects built by calls (`_codecs.encode`) and of dict keys hashed, so far.
    private(set) var builtBytes = 0
    /// Most bytes calls may build: proportional to the file (set by the loader).
    var byteBudget = PickleMachine.maxValues

    /// Counts `values` copied and `bytes` built by a call against the file's budgets: a memoized
    /// list or string fed to a thousand calls must not become a thousand copies.
    func charge(values: Int = 0, bytes: Int = 0) throws {
        itemCount = itemCount &+ values
        builtBytes = builtBytes &+ bytes
        guard itemCount <= valueBudget, builtBytes <= byteBudget else {
            throw FormatError("pickle builds more than \(itemCount > valueBudget ? "\(valueBudget) values" : "\(byteBudget) bytes") (memo amplification); the budget is proportional to the file's size, refusing it")
        }
    }

    /// Registers a node in the arena.
    func node<T: AnyObject>(_ n: T) -> T { arena.append(n); return n }

    func global(_ module: String, _ name: String) -> PickleValue {
        let qualified = "\(module).\(name)"
        if classes.insert(qualified).inserted, PickleSafety.isRefused(module: module, name: name) { refusedGlobals.append(qualified) }
        return .global(module: module, name: name)
    }

    func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
        guard let loader = persistentLoader else { throw FormatError("pickle has a persistent id but this format has no storages") }
        return try loader(pid)
    }

    /// REDUCE/NEWOBJ: the allowlisted reconstructors are interpreted; anything else is recorded inert.
    func call(_ callable: PickleValue, _ args: [PickleValue]) throws -> PickleValue {
        guard case .global(let module, let name) = callable else {
            // Python pickles call importable callables only; calling a value the pickle built (a bound
            // method from getattr, a partial, an instance) is how gadget chains reach unnamed code.
            throw FormatError("hostile pickle: it calls a value it built (\(callable.kindName)) rather than a named function, the shape of a gadget chain that torch.load would run; micronet refuses the file")
        }
        let qualified = "\(module).\(name)"
        if PickleSafety.isRefused(module: module, name: name) {
            throw FormatError("hostile pickle: it asks to call \(qualified), which torch.load would run; micronet never runs pickled calls and refuses the file")
        }
        switch (module, name) {
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"),
             ("torch._utils", "_rebuild_tensor_v3"):
            return .tensor(try rebuildTensor(args, v3: name == "_rebuild_tensor_v3"))
        case ("torch._utils", "_rebuild_qtensor"):
            return .tensor(try rebuildQTensor(args))  // QuantizedTensor.swift
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"),
             ("torch.nn.parameter", "Parameter"), ("torch.nn.parameter", "Buffer"):
            // 0.4's Parameter(tensor, requires_grad) and 1.x's _rebuild_parameter(data, ...) are the tensor.
            if let first = args.first, case .tensor = first { return first }
            if args.isEmpty { return .object(node(PickleObject(className: qualified, args: args))) }
            throw FormatError("\(qualified) expects a tensor, got a \(args[0].kindName)")
        case ("torch._tensor", "_rebuild_from_type_v2"), ("torch._tensor", "_rebuild_from_type"):
            // Tensor subclasses: rebuild with the inner function, ignore the subclass and its state.
            guard args.count >= 3, let inner = args[2].listItems else { throw FormatError("\(qualified) has malformed arguments") }
            return try call(args[0], inner)
        case ("collections", "OrderedDict"), ("collections", "defaultdict"), ("builtins", "dict"), ("__builtin__", "dict"):
            let d = node(PickleDict(className: name == "dict" ? nil : qualified))
            // Python 2's OrderedDict reduces to (OrderedDict, ([[k, v], ...],)); defaultdict's arg is the factory.
            if name != "defaultdict", let pairs = args.first?.listItems {
                try charge(values: pairs.count * 2)
                for p in pairs {
                    guard let kv = p.listItems, kv.count == 2 else { throw FormatError("\(qualified) argument is not a list of pairs") }
                    try setItem(d, kv[0], kv[1])
                }
            }
            return .dict(d)
        case ("builtins", "set"), ("__builtin__", "set"), ("builtins", "frozenset"), ("__builtin__", "frozenset"):
            let items = args.first?.listItems ?? []
            try charge(values: items.count)
            return .set(node(PickleList(items)))
        case ("builtins", "list"), ("__builtin__", "list"):
            let items = args.first?.listItems ?? []
            try charge(values: items.count)
            return .list(node(PickleList(items)))
        case ("builtins", "tuple"), ("__builtin__", "tuple"), ("torch", "Size"):
            let items = args.first?.listItems ?? []
            try charge(values: items.count)
            return .tuple(items)
        case ("_codecs", "encode"):
            // Protocol-2 bytes: encode(latin-1 text, 'latin1').
            guard let s = args.first?.stringValue else { throw FormatError("_codecs.encode expects a string") }
            try charge(bytes: s.utf8.count)
            var out = [UInt8]()
            for u in s.unicodeScalars {
                guard u.value < 256 else { throw FormatError("_codecs.encode of a non-latin-1 string") }
                out.append(UInt8(u.value))
            }
            return .bytes(out)
        case ("torch", "device"):
            return .string(args.first?.stringValue ?? "cpu")
        default:
            inertCalls.insert(qualified)
            try charge(values: 1)
            return .object(node(PickleObject(className: qualified, args: args)))
        }
    }

    /// SETITEMS: key-value pairs into `d`. Each string key is hashed, so its bytes are charged to the
    /// byte budget: one memoized 1 MiB key in 20,000 dicts is 20 GB of hashing from a 1 MB file.
    func setItems(_ items: [PickleValue], into d: PickleDict) throws {
        guard items.count % 2 == 0 else { throw FormatError("pickle SETITEMS with an odd number of values") }
        var i = 0
        while i < items.count { try setItem(d, items[i], items[i + 1]); i += 2 }
    }

    /// One `d[key] = value`, charging a string key's bytes (see `setItems`).
    func setItem(_ d: PickleDict, _ key: PickleValue, _ value: PickleValue) throws {
        if case .string(let s) = key { try charge(bytes: s.utf8.count) }
        d.set(key, value)
    }

    /// BUILD: set an object's state; an OrderedDict's state (its `_metadata`) stays apart from the items.
    func build(_ target: PickleValue, state: PickleValue) throws {
        switch target {
        case .object(let o):
            if case .dict(let new) = state, case .dict(let old)? = o.state {
                for (k, v) in new.entries { try setItem(old, k, v) }
            } else {
                o.state = state
            }
        case .dict(let d): d.attributes = state
        default: break // tensors with Python attributes, sets: nothing to keep
        }
    }

    func rebuildTensor(_ args: [PickleValue], v3: Bool, quantization: Quantization? = nil) throws -> Tensor {
        guard args.count >= 4, case .storage(let key, _) = args[0], var storage = storages[key] else {
            throw FormatError("tensor rebuild arguments do not start with a storage")
        }
        guard let offset = args[1].intValue else { throw FormatError("tensor storage offset is a \(args[1].kindName)") }
        guard let sizeItems = args[2].listItems, let strideItems = args[3].listItems else {
            throw FormatError("tensor size or stride is not a tuple")
        }
        var shape = [Int](), strides = [Int]()
        for s in sizeItems {
            guard let i = s.intValue else { throw FormatError("tensor size has a \(s.kindName) (too large or not an int)") }
            shape.append(i)
        }
        for s in strideItems {
            guard let i = s.intValue else { throw FormatError("tensor stride has a \(s.kindName) (too large or not an int)") }
            strides.append(i)
        }
        if v3 {
            // UntypedStorage holds bytes; the dtype argument tells how to read them.
            guard args.count >= 7, case .global(_, let dname) = args[6] else { throw FormatError("_rebuild_tensor_v3 without a dtype") }
            guard let dtype = DType.fromTorchName(dname) else { throw FormatError("tensor of unsupported dtype torch.\(dname)") }
            if dtype != storage.dtype {
                let typed = StorageRef(key: storage.key, dtype: dtype, numel: storage.byteCount / dtype.byteSize)
                typed.buffer = storage.buffer
                storage = typed
            }
        }
        let t = try Tensor(storage: storage, offset: offset, shape: shape, strides: strides, quantization: quantization)
        tensors.append(t)
        return t
    }

    /// After a successful parse: rejects a result nested deeper than `PickleMachine.maxDepth`
    /// (whose release would recurse that deep) and tears down nodes the result does not reach.
    func checkDepthAndRelease(root: PickleValue, arenaStart: Int) throws {
        var reached = Set<Int>()
        let depth = Self.depth(of: root, reached: &reached)
        if depth > PickleMachine.maxDepth {
            throw FormatError("pickle nests containers deeper than \(PickleMachine.maxDepth) levels")
        }
        // Unreached garbage (possibly a deep chain) is cleared iteratively, then dropped.
        for n in arena[arenaStart...] where !reached.contains(Self.address(n)) { Self.clear(n) }
    }

    /// Clears every node built since `from` (contents first, so no release recurses), then forgets them.
    func tearDown(from start: Int) {
        for n in arena[start...] { Self.clear(n) }
        while arena.count > start { arena.removeLast() }  // newest first: args only reference older nodes
    }

    /// Hands the arena (reachable nodes only, after `checkDepthAndRelease`) to the caller and forgets it.
    func takeArena() -> NodeArena {
        defer { arena = [] }
        return NodeArena(arena)
    }

    static func clear(_ n: AnyObject) {
        if let l = n as? PickleList { l.items = [] }
        else if let d = n as? PickleDict { d.entries = []; d.attributes = nil }
        else if let o = n as? PickleObject { o.state = nil }
    }

    /// Longest path from `root` in reference nodes and tuples (back edges of cycles ignored),
    /// computed without recursion. Fills `reached` with every node visited.
    static func depth(of root: PickleValue, reached: inout Set<Int>) -> Int {
        var memo: [Int: Int] = [:]
        var onPath = Set<Int>()
        struct Frame { let id: Int?; let children: [PickleValue]; var next: Int; var best: Int }
        var stack: [Frame] = []
        var result = 0

        func enter(_ v: PickleValue) -> Int? {  // returns depth when known without descending
            let kids = children(v)
            if kids.isEmpty { return 1 }
            if let id = key(v) {
                if let d = memo[id] { return d }
                if onPath.contains(id) { return 1 }
                onPath.insert(id); reached.insert(id)
            }
            stack.append(Frame(id: key(v), children: kids, next: 0, best: 0))
            return nil
        }

        if let d = enter(root) { return d }
        while var f = stack.popLast() {
            if f.next < f.children.count {
                let child = f.children[f.next]
                f.next += 1
                stack.append(f)
                if let d = enter(child) {
                    stack[stack.count - 1].best = max(stack[stack.count - 1].best, d)
                }
                if stack.count > PickleMachine.maxDepth + 2 { return stack.count }
            } else {
                let d = f.best + 1
                if let id = f.id { memo[id] = d; onPath.remove(id) }
                if stack.isEmpty { result = d } else { stack[stack.count - 1].best = max(stack[stack.count - 1].best, d) }
            }
        }
        return result
    }

    static func address(_ n: AnyObject) -> Int { Int(bitPattern: Unmanaged.passUnretained(n).toOpaque()) }

    /// Identity of a shared node, or of a tuple's (immutable) element buffer, so DAGs are walked once.
    private static func key(_ v: PickleValue) -> Int? {
        switch v {
        case .list(let l), .set(let l): return address(l)
        case .dict(let d): return address(d)
        case .object(let o): return address(o)
        case .tuple(let t): return t.withUnsafeBufferPointer { $0.baseAddress.map { Int(bitPattern: $0) } }
        default: return nil
        }
    }

    private static func children(_ v: PickleValue) -> [PickleValue] {
        switch v {
        case .tuple(let t): return t
        case .list(let l), .set(let l): return l.items
        case .dict(let d):
            var c = [PickleValue]()
            c.reserveCapacity(d.entries.count * 2 + 1)
            for (k, v) in d.entries { c.append(k); c.append(v) }
            if let a = d.attributes { c.append(a) }
            return c
        case .object(let o):
            var c = o.args
            if let s = o.state { c.append(s) }
            return c
        default: return []
        }
    }
}
