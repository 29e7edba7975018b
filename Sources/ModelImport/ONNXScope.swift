import ONNX

/// Where a node sits in the exporting model's module tree, so the op table reads like the model:
/// `/features/features.3/conv/conv.0/Conv` (TorchScript exporter) or the dynamo exporter's
/// `pkg.torch.onnx.name_scopes` `['', 'features', 'features.3', ..., 'conv2d']` give module path
/// `features.3.conv.0`, block `features.3` and op name `conv.0`.
struct ONNXScope: Equatable {
    /// The module path's parts (`["features", "3", "conv", "0"]`); empty for a node outside any module.
    let parts: [String]

    /// The scope of `node`.
    init(_ node: ONNXNode) {
        if let scopes = node.metadata("pkg.torch.onnx.name_scopes") {
            parts = Self.fromNameScopes(scopes)
        } else {
            parts = Self.fromNodeName(node.name)
        }
    }

    init(parts: [String]) { self.parts = parts }

    /// The block: the top-level module, with its index when it is a container (`features.3`, `layer1.0`);
    /// nil for a node directly in the root module.
    var block: String? {
        guard let first = parts.first else { return nil }
        if parts.count >= 2, parts[1].allSatisfy(\.isNumber) { return "\(first).\(parts[1])" }
        return parts.count >= 2 ? first : nil
    }

    /// The op's name inside its block (the rest of the module path), or the whole path without a block.
    var opName: String? {
        guard let block else { return parts.isEmpty ? nil : parts.joined(separator: ".") }
        let used = block.split(separator: ".").count
        return parts.count > used ? parts[used...].joined(separator: ".") : nil
    }

    /// TorchScript node names: each path component names the module relative to its parent's attribute,
    /// so `features.3` after `features` adds `3`; the last component is the op itself.
    static func fromNodeName(_ name: String) -> [String] {
        let components = name.split(separator: "/").map(String.init)
        guard components.count >= 2, name.hasPrefix("/") else { return [] }
        var parts: [String] = []
        var previous: String?
        for c in components.dropLast() {
            if let p = previous, c.hasPrefix(p + ".") { parts.append(String(c.dropFirst(p.count + 1))) } else { parts.append(c) }
            previous = c
        }
        return parts
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
