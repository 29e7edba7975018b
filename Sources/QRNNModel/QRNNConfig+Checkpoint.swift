import Checkpoint

/// The tensors of an awd-lstm-lm QRNN language model, found by name in a loaded checkpoint.
public struct QRNNTensors {
    /// encoder.weight (V × E), also the tied decoder weight.
    public let embedding: Tensor
    /// Per layer: the linear map's weight_raw (or weight) and bias.
    public let layers: [(weight: Tensor, bias: Tensor)]
    /// decoder.bias (V).
    public let decoderBias: Tensor
    /// The criterion's tombstones, when it has splits.
    public let tailVectors: Tensor?
    /// The criterion's tombstone biases, when it has splits.
    public let tailBias: Tensor?
}

extension QRNNConfig {
    /// Recognises the model as the counter does: from the state-dict names and shapes, the splits from the
    /// pickled SplitCrossEntropyLoss (else from the tombstone count and awd-lstm-lm's rule).
    /// Names may carry a list position (`0.` model, `1.` criterion of `[model, criterion, optimizer]`).
    public static func recognise(_ checkpoint: LoadedCheckpoint) throws -> (QRNNConfig, QRNNTensors) {
        var byName = [String: NamedTensor]()
        for t in checkpoint.modelTensors {
            let short = t.moduleName
            if byName[short] == nil { byName[short] = t }
        }
        func found() -> String {
            let names = checkpoint.modelTensors.prefix(16).map { "\($0.name) \($0.tensor.shape)" }
            let more = checkpoint.modelTensors.count > 16 ? ", ... (\(checkpoint.modelTensors.count) in all)" : ""
            return names.isEmpty ? "the file holds no model tensors" : "found " + names.joined(separator: ", ") + more
        }
        func fail(_ why: String) -> Error {
            QRNNError.unrecognisedArchitecture("\(checkpoint.path): \(why); \(found())")
        }
        guard let enc = byName["encoder.weight"]?.tensor, enc.shape.count == 2 else { throw fail("no 2-D encoder.weight") }
        let v = enc.shape[0], e = enc.shape[1]
        guard let bias = byName["decoder.bias"]?.tensor, bias.shape == [v] else { throw fail("no decoder.bias of \(v) values") }
        if let dec = byName["decoder.weight"], dec.tensor.shape != enc.shape || (dec.tiedTo.map(NamedTensor.moduleName) != "encoder.weight" && dec.tiedTo != nil) {
            throw QRNNError.unsupported("\(checkpoint.path): decoder.weight is not tied to encoder.weight")
        }
        var layers = [(weight: Tensor, bias: Tensor)]()
        while true {
            let l = layers.count
            let prefixes = ["rnns.\(l).linear.module.", "rnns.\(l).linear."]
            let w = prefixes.lazy.compactMap { byName[$0 + "weight_raw"] ?? byName[$0 + "weight"] }.first
            let b = prefixes.lazy.compactMap { byName[$0 + "bias"] }.first
            guard let w, let b else { break }
            guard w.tensor.shape.count == 2, b.tensor.shape == [w.tensor.shape[0]] else {
                throw fail("layer \(l) weight \(w.tensor.shape) and bias \(b.tensor.shape) do not agree")
            }
            layers.append((w.tensor, b.tensor))
        }
        guard !layers.isEmpty else { throw fail("no QRNN layers (rnns.0.linear.module.weight_raw)") }
        // The last layer writes E (tied), so its rows give the gate count; layer 0's rows then give H.
        let lastRows = layers[layers.count - 1].weight.shape[0]
        guard lastRows % e == 0, [2, 3].contains(lastRows / e) else {
            throw fail("last layer has \(lastRows) gate rows, expected 2·E or 3·E with E = \(e)")
        }
        let gates = lastRows / e
        let h = layers.count > 1 ? layers[0].weight.shape[0] / gates : e
        var windows = [Int]()
        for (l, layer) in layers.enumerated() {
            let input = l == 0 ? e : h, rows = layer.weight.shape[0], cols = layer.weight.shape[1]
            let expectedRows = gates * (l == layers.count - 1 ? e : h)
            guard rows == expectedRows, cols % input == 0, [1, 2].contains(cols / input) else {
                throw fail("layer \(l) weight is \(layer.weight.shape), expected (\(expectedRows), 1 or 2 × \(input))")
            }
            windows.append(cols / input)
        }
        let tv = byName["tail_vectors"]?.tensor, tb = byName["tail_bias"]?.tensor
        let tails = tv?.shape.first ?? 0
        if let tv, tv.shape != [tails, e] || tb?.shape != [tails] {
            throw fail("tail_vectors \(tv.shape) and tail_bias \(tb?.shape ?? []) do not fit E = \(e)")
        }
        var splits: [Int]
        if let s = pickledSplits(checkpoint.root) {
            splits = s
        } else if tails > 0 {
            splits = QRNNConfig.awdSplits(vocabularySize: v)
        } else {
            splits = []
        }
        guard splits.count == tails else {
            throw fail("the criterion has \(splits.count) splits \(splits) but \(tails) tombstone vectors")
        }
        guard splits == splits.sorted(), splits.first.map({ $0 > 0 }) ?? true, Set(splits).count == splits.count else {
            throw fail("split boundaries \(splits) are not increasing")
        }
        let config = QRNNConfig(vocabularySize: v, embeddingSize: e, hiddenSize: h, windows: windows,
                                tiedWeights: true, outputGate: gates == 3, splits: splits)
        return (config, QRNNTensors(embedding: enc, layers: layers, decoderBias: bias,
                                    tailVectors: tails > 0 ? tv : nil, tailBias: tails > 0 ? tb : nil))
    }

    /// The `splits` attribute of a pickled SplitCrossEntropyLoss ([0, s₁, …, 100000000]) without the
    /// leading 0 and the sentinel, searched in the root and its top-level list items.
    static func pickledSplits(_ root: PickleValue) -> [Int]? {
        let candidates = [root] + (root.listItems ?? [])
        for c in candidates {
            guard case .object(let o) = c, o.className.hasSuffix("SplitCrossEntropyLoss"),
                  let items = c["splits"]?.listItems else { continue }
            let ints = items.compactMap { $0.intValue }
            guard ints.count == items.count, ints.count >= 2 else { return nil }
            return Array(ints.dropFirst().dropLast())
        }
        return nil
    }
}
