import Checkpoint

/// A weight as a model uses it: a stored tensor and, for a torch.nn.utils.prune checkpoint, the
/// mask it is multiplied by (`weight_orig` × `weight_mask`).
public struct WeightTensor: Sendable {
    /// How notes name it ("fc1.weight", "rnns.0.linear weight", "fc1.weight_orig * fc1.weight_mask").
    public let label: String
    /// The stored values.
    public let tensor: Tensor
    /// The pruning mask of the same shape, when the checkpoint was pruned with torch.nn.utils.prune.
    public let mask: Tensor?
    /// The checkpoint names (module names) the weight was read from.
    public let sources: [String]
    /// Further matrices of the same op measured together with `tensor` (an LSTM's weight_ih beside weight_hh).
    public let companions: [Tensor]

    /// Creates a weight; `mask` must have the tensor's shape.
    public init(label: String, tensor: Tensor, mask: Tensor? = nil, sources: [String]? = nil) {
        self.label = label
        self.tensor = tensor
        self.mask = mask
        self.sources = sources ?? [label]
        self.companions = []
    }

    /// A weight made of several unmasked matrices of one op, whose zeros are measured together.
    public init(label: String, tensors: [Tensor]) {
        precondition(!tensors.isEmpty)
        self.label = label
        self.tensor = tensors[0]
        self.mask = nil
        self.companions = Array(tensors.dropFirst())
        self.sources = [label]
    }

    /// The weight's shape.
    public var shape: [Int] { tensor.shape }

    /// Elements of the weight (its companions included).
    public var elementCount: Int { companions.reduce(tensor.count) { $0 + $1.count } }

    /// Fraction of exact zeros of the weight as used: where the mask is 0 or the stored value is 0.
    public func zeroFraction() -> Double {
        if !companions.isEmpty {
            let n = elementCount
            return n == 0 ? 0 : Double(companions.reduce(tensor.zeroCount()) { $0 + $1.zeroCount() }) / Double(n)
        }
        guard let mask else { return tensor.zeroFraction() }
        guard tensor.count > 0 else { return 0 }
        let zeros: Int = tensor.withFloat32 { values in
            mask.withFloat32 { keep in
                var n = 0
                for i in 0..<min(values.count, keep.count) where values[i] == 0 || keep[i] == 0 { n += 1 }
                return n
            }
        }
        return Double(zeros) / Double(tensor.count)
    }
}

/// A checkpoint's model tensors by module name ("0.module.fc1.weight" → "fc1.weight"; the first of tied names wins).
struct TensorTable {
    private var byName: [String: NamedTensor] = [:]
    /// Module names in checkpoint order.
    private(set) var names: [String] = []
    /// torch.nn.utils.prune's masks by module name: a module pickled whole registers them as buffers.
    private var pruningMasks: [String: Tensor] = [:]

    init(_ checkpoint: LoadedCheckpoint) {
        for t in checkpoint.modelTensors where t.role == .buffer && t.moduleName.hasSuffix("_mask") {
            if pruningMasks[t.moduleName] == nil { pruningMasks[t.moduleName] = t.tensor }
        }
        for t in checkpoint.modelTensors where t.role != .buffer {  // only parameters reach count
            let short = t.moduleName
            if byName[short] == nil {
                byName[short] = t
                names.append(short)
            }
        }
    }

    /// The tensor called `name`, if any.
    subscript(name: String) -> Tensor? { byName[name]?.tensor }

    /// The weight of module `module` as the model uses it: `module.weight`, WeightDrop's `module.weight_raw`,
    /// a pruned `module.weight_orig` with its `module.weight_mask`, or a tensor named `module` itself.
    /// Throws when a pruning mask does not match its weight's shape.
    func weight(of module: String, path: String) throws -> WeightTensor? {
        for suffix in [".weight", ".weight_raw"] {
            if let t = self[module + suffix] { return WeightTensor(label: module + suffix, tensor: t) }
        }
        if let orig = self[module + ".weight_orig"] {
            guard let mask = self[module + ".weight_mask"] ?? pruningMasks[module + ".weight_mask"] else {
                throw ImportError(path, "\(module).weight_orig has no \(module).weight_mask beside it (a torch.nn.utils.prune checkpoint keeps both)")
            }
            guard mask.shape == orig.shape else {
                throw ImportError(path, "\(module).weight_mask is \(mask.shape) but \(module).weight_orig is \(orig.shape)")
            }
            // Contiguous tensors hold every element in their (bounds-checked) storage, so the elementwise
            // pass below is bounded by the file; torch.nn.utils.prune always writes both so.
            for (suffix, t) in [("weight_orig", orig), ("weight_mask", mask)] where !t.isContiguous {
                throw ImportError(path, "\(module).\(suffix) is not stored contiguously (shape \(t.shape), strides \(t.strides)), "
                                  + "which torch.nn.utils.prune never writes")
            }
            return WeightTensor(label: "\(module).weight_orig * \(module).weight_mask", tensor: orig, mask: mask,
                                sources: [module + ".weight_orig", module + ".weight_mask"])
        }
        if let t = self[module] { return WeightTensor(label: module, tensor: t) }
        return nil
    }

    /// The name a tensor is tied to (the first name of its storage view), or the name itself.
    func root(_ name: String) -> String {
        byName[name]?.tiedTo.map(NamedTensor.moduleName) ?? name
    }

    /// Layer weights (2-D or more, named `*.weight`, `*.weight_orig` or `*.weight_raw`) that none of
    /// `claimed` reads, directly or through a tie, as "name [shape]".
    func unclaimedWeights(_ claimed: Set<String>) -> [String] {
        let roots = Set(claimed.map(root))
        return names.compactMap { name in
            guard let t = byName[name]?.tensor, t.shape.count >= 2,
                  [".weight", ".weight_orig", ".weight_raw"].contains(where: { name.hasSuffix($0) }),
                  !roots.contains(root(name)) else { return nil }
            return "\(NameElision.display(name)) \(t.shape)"
        }
    }

    /// "base [4, 6], fc.weight [3, 4], ..." for messages: the first 16 names and how many in all.
    var listing: String {
        guard !names.isEmpty else { return "the file holds no model tensors" }
        let shown = names.prefix(16).compactMap { n in byName[n].map { "\(NameElision.display(n)) \($0.tensor.shape)" } }
        return "found " + shown.joined(separator: ", ") + (names.count > 16 ? ", ... (\(names.count) in all)" : "")
    }
}
