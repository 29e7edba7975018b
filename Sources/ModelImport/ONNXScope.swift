import ONNX

/// Where a node sits in the exporting model's module tree, so the op table reads like the model:
/// `/features/features.3/conv/conv.0/Conv` (TorchScript exporter) or the dynamo exporter's
/// `pkg.torch.onnx.name_scopes` `['', 'features', 'features.3', ..., 'conv2d']` give module path
/// `features.3.conv.0`, block `features.3` (the path's first two parts) and op name `conv.0`.
/// tf2onnx keeps TensorFlow's scopes (`functional_1/block_1_expand_1/convolution`): Keras layers are flat,
/// so such an op has no block and is named after its layer (`block_1_expand_1`).
struct ONNXScope: Equatable {
    /// The module path's parts (`["features", "3", "conv", "0"]`); empty for a node outside any module.
    let parts: [String]
    /// The Keras layer of a tf2onnx node, when its name (or its weight's) has one.
    var layer: String?

    /// The scope of `node`, read as `producer` (the file's producer_name) writes names.
    init(_ node: ONNXNode, producer: String = "") {
        if let scopes = node.metadata("pkg.torch.onnx.name_scopes") {
            parts = Self.fromNameScopes(scopes)
        } else {
            parts = Self.fromNodeName(node.name)
        }
        if producer == "tf2onnx" {
            // Nodes tf2onnx makes itself ("Conv__31") take their layer from their weight's name.
            layer = ([node.name] + node.inputs.dropFirst()).lazy.compactMap(Self.kerasLayer).first
        }
    }

    init(parts: [String]) { self.parts = parts }

    /// The block: the module path's first two parts (`features.3`, `layer1.0`, `blocks.0`, a top-level `fc`);
    /// nil for a node of the root module's own forward.
    var block: String? { parts.isEmpty ? nil : parts.prefix(2).joined(separator: ".") }

    /// The op's name inside its block (the rest of the module path), if the path goes deeper; else its layer.
    var opName: String? { parts.count > 2 ? parts[2...].joined(separator: ".") : layer }

    /// The layer in a TensorFlow scope `model/layer/op...` (at least three components, no leading slash).
    static func kerasLayer(_ name: String) -> String? {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count >= 3, !components[0].isEmpty, !components[1].isEmpty else { return nil }
        return String(components[1])
    }

    /// TorchScript node names: a Sequential's child repeats its parent's component (`features`,
    /// `features.3`, `features.3.1`), a ModuleList child is one component (`blocks.0`); the last
    /// component is the op itself.
    static func fromNodeName(_ name: String) -> [String] {
        let components = name.split(separator: "/").map(String.init)
        guard components.count >= 2, name.hasPrefix("/") else { return [] }
        var path = ""
        var previous: String?
        for c in components.dropLast() {
            if let p = previous, c.hasPrefix(p + ".") { path += c.dropFirst(p.count) } else { path += path.isEmpty ? c : "." + c }
            previous = c
        }
        return path.split(separator: ".").map(String.init)
    }

    /// The dynamo exporter's Python list of module paths; the last entry is the op, the one before it
    /// the innermost module's full path.
    static func fromNameScopes(_ text: String) -> [String] {
        let entries = text.trimmingCharacters(in: "[]").split(separator: ",").map {
            $0.trimmingCharacters(in: " '\"")
        }.filter { !$0.isEmpty }
        guard entries.count >= 2 else { return [] }
        return entries[entries.count - 2].split(separator: ".").map(String.init)
    }
}

private extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
