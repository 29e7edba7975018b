/// One named tensor after flattening.
public struct NamedTensor: Sendable {
    /// State-dict name, prefixed by top-level list position: "0.encoder.weight", "1.tail_vectors".
    public let name: String
    /// The tensor (a view into its storage).
    public let tensor: Tensor
    /// Name of the first tensor with the same storage, offset, shape and strides.
    public let tiedTo: String?
    /// Adam exp_avg etc., kept apart from model weights.
    public let isOptimizerState: Bool
    /// Parameter, buffer (BatchNorm statistics, counters, EMA shadows, quantizer scales) or optimizer state.
    public let role: TensorRole

    /// The name as the module's own state_dict gives it: without the top-level list position ("0.")
    /// and DataParallel's "module." prefixes.
    public var moduleName: String { NamedTensor.moduleName(name) }

    /// `name` without its list position and "module." prefixes ("0.module.encoder.weight" -> "encoder.weight").
    public static func moduleName(_ name: String) -> String {
        var parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if let first = parts.first, Int(first) != nil, parts.count > 1 { parts.removeFirst() }
        while parts.first == "module", parts.count > 1 { parts.removeFirst() }
        return parts.joined(separator: ".")
    }
}

/// A loaded checkpoint: the file is memory-mapped and never modified.
public struct LoadedCheckpoint {
    /// The path as given.
    public let path: String
    /// Which container the bytes were.
    public let format: CheckpointFormat
    /// The whole object pickle.
    public let root: PickleValue
    /// Qualified class names the pickle names, sorted, unique.
    public let classes: [String]
    /// Model tensors then optimizer state, in pickle order.
    public let tensors: [NamedTensor]
    /// Torch version markers: zip records (`version`, `byteorder`, ...) or legacy sys_info fields.
    public let markers: [String: String]
    /// Callables outside the allowlist the pickle asked to call (kept inert, never run), sorted.
    public let inertCalls: [String]
    /// Size of the file in bytes.
    public let fileSize: Int
    /// Activation quantizers the file stores (QuantStub's and static quantized modules' output scale and zero
    /// point), in file order.
    public let activationQuantizers: [ActivationQuantizer]
    /// Class of every module of a whole pickled model by state-dict path ("fc" → "torch.ao.nn.quantized.modules.linear.Linear");
    /// empty for a bare state dict.
    public let moduleClasses: [String: String]
    /// The pickle's reference nodes (for `breakCycles`).
    let nodes: NodeArena

    /// Empties every list, dict and object of `root`, freeing a pickle whose objects form a cycle
    /// (torch never writes one, a crafted file may). Tensors already taken stay valid.
    public func releaseObjectGraph() { nodes.breakCycles() }

    /// Tensors that are model weights (isOptimizerState == false).
    public var modelTensors: [NamedTensor] { tensors.filter { !$0.isOptimizerState } }

    /// The tensor called `named`, if any.
    public func tensor(named: String) -> Tensor? { tensors.first { $0.name == named }?.tensor }

    /// Inert calls in a code-running namespace (see `PickleSafety`); a load that finds one throws,
    /// so this is empty on any checkpoint that loaded.
    public var suspiciousCalls: [String] { inertCalls.filter { PickleSafety.isRefused(qualified: $0) } }

    /// A one-line summary of the top-level object: "list[3]: model.RNNModel, splitcross...".
    public var structure: String {
        func short(_ v: PickleValue) -> String {
            switch v {
            case .dict(let d): return "\(d.className ?? "dict")[\(d.entries.count)]"
            case .list(let l): return "list[\(l.items.count)]"
            case .tuple(let t): return "tuple[\(t.count)]"
            default: return v.kindName
            }
        }
        switch root {
        case .list, .tuple:
            return short(root) + ": " + (root.listItems ?? []).map(short).joined(separator: ", ")
        case .dict(let d):
            let keys = d.entries.prefix(8).map { e -> String in
                switch e.key { case .string(let s): return NameElision.display(s, limit: 256); case .int(let i): return String(i); default: return e.key.kindName }
            }
            return short(root) + ": keys " + keys.joined(separator: ", ") + (d.entries.count > 8 ? ", ..." : "")
        default:
            return short(root)
        }
    }

    /// Opens and parses `path`; throws CheckpointError for any bad input.
    public static func load(path: String) throws -> LoadedCheckpoint {
        do {
            return try loadUnchecked(path: path)
        } catch let e as FormatError {
            throw CheckpointError(path: path, message: e.message)
        }
    }

    /// Parses in-memory `bytes` as if they were the file `path` (tests and fuzzing).
    static func load(bytes: UnsafeRawBufferPointer, path: String, valueBudget: Int = PickleMachine.maxValues) throws -> LoadedCheckpoint {
        do {
            return try parse(MappedFile(copying: bytes), path: path, valueBudget: valueBudget)
        } catch let e as FormatError {
            throw CheckpointError(path: path, message: e.message)
        }
    }

    /// Values, built bytes or name bytes a file of `n` bytes may make: 4 per byte plus 16 Mi, capped
    /// at `PickleMachine.maxValues` (about 1 GB of values).
    static func budget(forFileBytes n: Int) -> Int {
        let (m, o) = n.multipliedReportingOverflow(by: 4)
        return o ? PickleMachine.maxValues : min(PickleMachine.maxValues, m &+ (16 << 20))
    }

    private static func loadUnchecked(path: String) throws -> LoadedCheckpoint {
        try parse(try MappedFile(path: path), path: path)
    }

    private static func parse(_ file: MappedFile, path: String, valueBudget: Int = PickleMachine.maxValues) throws -> LoadedCheckpoint {
        do {
            return try parse(file, path: path, valueBudget: valueBudget, naming: false)
        } catch let e as FormatError where e.unknownQuantizedStorage != nil {
            // Read again to name the tensor on the unknown storage; that pass always throws.
            _ = try parse(file, path: path, valueBudget: valueBudget, naming: true)
            throw e
        }
    }

    private static func parse(_ file: MappedFile, path: String, valueBudget: Int, naming: Bool) throws -> LoadedCheckpoint {
        let all = file.all
        let context = PickleContext()
        context.nameUnknownQuantizedStorages = naming
        // Budgets proportional to the file: a torch pickle pushes about one value per opcode byte.
        let proportional = Self.budget(forFileBytes: file.count)
        context.valueBudget = min(valueBudget, proportional)
        context.byteBudget = proportional
        var succeeded = false
        defer {
            // The loaders' closures capture the context: break that cycle, and tear down on failure.
            context.persistentLoader = nil
            if !succeeded { context.tearDown(from: 0) }
        }
        let format: CheckpointFormat
        let root: PickleValue
        var markers: [String: String]
        if all.count >= 4, all.loadUnaligned(as: UInt32.self) == 0x0403_4b50 {
            format = .zip
            (root, markers) = try TorchZip.load(file: file, context: context)
        } else if all.count >= TorchLegacy.magic.count, Array(all[0..<TorchLegacy.magic.count]) == TorchLegacy.magic {
            format = .legacy
            (root, markers) = try TorchLegacy.load(file: file, context: context)
        } else if all.count >= 2, all[0] == 0x80, (2...5).contains(all[1]) {
            format = .pickle
            var vm = PickleMachine(bytes: all, context: context)
            root = try vm.run()
            markers = ["pickle_protocol": String(all[1])]
            if vm.position != all.count { markers["trailing_bytes"] = String(all.count - vm.position) }
        } else if all.count >= 1, [0x28, 0x63, 0x7D, 0x5D, 0x29, 0x4E, 0x49, 0x53, 0x56, 0x4C, 0x46].contains(all[0]) {
            // Protocol 0/1 pickles have no PROTO opcode; they start with a container or value opcode.
            format = .pickle
            var vm = PickleMachine(bytes: all, context: context)
            root = try vm.run()
            markers = ["pickle_protocol": "0"]
        } else if all.count >= 262, Array(all[257..<262]) == Array("ustar".utf8) {
            throw FormatError("this is the pre-0.4 tar checkpoint format (torch 0.1-0.3), which is not supported")
        } else if all.count >= 8, Array(all[0..<8]) == Array("PYTORCH1".utf8) {
            throw FormatError("this is a pre-release PyTorch format (PYTORCH1) that torch itself rejects")
        } else {
            let head = all.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
            throw FormatError("not a PyTorch checkpoint: unknown magic bytes [\(head)] (expected a zip, the legacy torch magic, or a pickle)")
        }
        if !context.refusedGlobals.isEmpty {
            throw FormatError("hostile pickle: it names \(context.refusedGlobals.prefix(4).joined(separator: ", ")), code-running globals that torch.load would import; micronet refuses the file")
        }
        // Every tensor, reachable or not, is checked against its storage before anything can read it.
        if !naming { for t in context.tensors { try t.checkBounds() } }
        var f = Flattener(nameBudget: Self.budget(forFileBytes: file.count))
        try f.flatten(root)
        if naming {  // nothing is read: the names are all this pass is for
            let unknown = context.unknownQuantizedStorages
            throw UnknownQuantizedStorage.namedError(f.out, unknown: unknown)
                ?? FormatError(UnknownQuantizedStorage.problem(unknown.values.sorted().first ?? "?"))
        }
        var firstByIdentity: [Flattener.TensorIdentity: String] = [:]
        var named: [NamedTensor] = []
        named.reserveCapacity(f.out.count)
        let ordered = f.out.filter { !$0.optimizer } + f.out.filter { $0.optimizer }
        let quantizerPairs = ActivationQuantizer.tensorPairs(ordered.filter { !$0.optimizer }.map { ($0.name, $0.tensor) })
        for (name, t, opt, declared) in ordered {
            if let problem = t.quantization?.problem { throw FormatError("quantized tensor '\(name)' \(problem)") }
            let id = Flattener.TensorIdentity(t)
            let tied = firstByIdentity[id]
            if tied == nil { firstByIdentity[id] = name }
            let role = opt ? TensorRole.optimizer
                : TensorRole.of(name: name, declared: declared, isQuantizerPair: ActivationQuantizer.isPairMember(name, of: quantizerPairs))
            named.append(NamedTensor(name: name, tensor: t, tiedTo: tied, isOptimizerState: opt, role: role))
        }
        if let bad = context.tensors.first(where: { $0.quantization?.problem != nil }), let problem = bad.quantization?.problem {
            throw FormatError("a quantized tensor of shape \(bad.shape) \(problem)")
        }
        let quantizers = ActivationQuantizer.collect(named: named, attributes: f.quantizers)
        succeeded = true
        return LoadedCheckpoint(path: path, format: format, root: root, classes: context.classes.sorted(),
                                tensors: named, markers: markers, inertCalls: context.inertCalls.sorted(), fileSize: file.count,
                                activationQuantizers: quantizers, moduleClasses: f.moduleClasses, nodes: context.takeArena())
    }
}

/// Which container the bytes were (decided from the bytes, never the file name).
public enum CheckpointFormat: String, Sendable { case zip, legacy, pickle }
