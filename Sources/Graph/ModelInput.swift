/// What a model reads per inference step: tokens of a vocabulary, or an image.
///
/// Graph files write it as `"input": {"tokens": V}` or `"input": {"image": [H, W, C]}`.
public enum ModelInput: Equatable, Sendable {
    /// A language model over a vocabulary of `vocabulary` tokens.
    case tokens(vocabulary: Int)
    /// A vision model over height × width × channels images.
    case image(height: Int, width: Int, channels: Int)

    /// Reads an `input` object; `source` names the file in errors.
    public init(json: JSONValue, source: String) throws {
        self = try Self.read(OpFieldReader(path: source, op: nil, pairs: [("input", json)]))
    }

    /// Reads the `input` field of a graph file.
    static func read(_ r: OpFieldReader) throws -> ModelInput {
        guard case .object(let pairs) = try r.value("input") else {
            throw r.error("input", "must be an object {\"tokens\": V} or {\"image\": [H, W, C]}")
        }
        let inner = OpFieldReader(path: r.path, op: r.op, pairs: pairs.map { ("input.\($0.0)", $0.1) })
        try inner.allow(["input.tokens", "input.image"])
        switch (inner.has("input.tokens"), inner.has("input.image")) {
        case (true, false): return .tokens(vocabulary: try inner.size("input.tokens"))
        case (false, true):
            let hwc = try inner.ints("input.image", count: 3)
            _ = try inner.product(hwc, "input.image")
            return .image(height: hwc[0], width: hwc[1], channels: hwc[2])
        default: throw r.error("input", "needs exactly one of tokens or image")
        }
    }

    /// The graph-file form, also in count JSON.
    public var json: JSONValue {
        switch self {
        case .tokens(let v): return .object([("tokens", .int(v))])
        case .image(let h, let w, let c): return .object([("image", .ints([h, w, c]))])
        }
    }
}
