import Checkpoint

/// The tensors of an awd-lstm-lm LSTM or GRU language model, found by name in a loaded checkpoint.
public struct LSTMTensors {
    /// encoder.weight (V × E), also the tied decoder weight.
    public let embedding: Tensor
    /// Per layer: weight_ih_l0, weight_hh_l0 (WeightDrop's `_raw` where present), bias_ih_l0, bias_hh_l0.
    public let layers: [(inputWeight: Tensor, hiddenWeight: Tensor, inputBias: Tensor, hiddenBias: Tensor)]
    /// decoder.bias (V).
    public let decoderBias: Tensor
    /// The criterion's tombstones, when it has splits.
    public let tailVectors: Tensor?
    /// The criterion's tombstone biases, when it has splits.
    public let tailBias: Tensor?
}

extension LSTMConfig {
    /// Whether the checkpoint's tensor names are those of an awd-lstm-lm LSTM or GRU (`rnns.N.[module.]weight_ih_l0`).
    public static func isLSTM(_ checkpoint: LoadedCheckpoint) -> Bool {
        checkpoint.modelTensors.contains { t in
            let n = t.moduleName
            return n.hasPrefix("rnns.") && n.hasSuffix(".weight_ih_l0")
        }
    }

    /// Recognises an awd-lstm-lm LSTM or GRU from the state-dict names and shapes (layer 0's weight_hh is 4H × H
    /// for an LSTM, 3H × H for a GRU, and every layer must agree), the splits from the pickled
    /// SplitCrossEntropyLoss (else from the tombstone count and main.py's rule). WeightDrop's
    /// `weight_hh_l0_raw` is the recurrent weight where present; its `weight_hh_l0` alias is the same tensor.
    /// Every inconsistency is a one-line error naming the tensor.
    public static func recognise(_ checkpoint: LoadedCheckpoint) throws -> (LSTMConfig, LSTMTensors) {
        var byName = [String: NamedTensor]()
        for t in checkpoint.modelTensors where byName[t.moduleName] == nil { byName[t.moduleName] = t }
        func fail(_ why: String) -> Error { LSTMError.unrecognisedArchitecture("\(checkpoint.path): \(why)") }
        func shape(_ why: String) -> Error { LSTMError.shapeMismatch("\(checkpoint.path): \(why)") }

        guard let enc = byName["encoder.weight"]?.tensor, enc.shape.count == 2 else { throw fail("no 2-D encoder.weight") }
        let v = enc.shape[0], e = enc.shape[1]
        guard let bias = byName["decoder.bias"]?.tensor else { throw fail("no decoder.bias") }
        guard bias.shape == [v] else { throw shape("decoder.bias is \(bias.shape), expected [\(v)] (the vocabulary of encoder.weight)") }
        if let dec = byName["decoder.weight"] {
            guard dec.tensor.shape == enc.shape else { throw shape("decoder.weight is \(dec.tensor.shape), expected \(enc.shape) (tied to encoder.weight)") }
            if let tied = dec.tiedTo, NamedTensor.moduleName(tied) != "encoder.weight" {
                throw fail("decoder.weight is tied to \(tied), not to encoder.weight")
            }
        }

        // Layer indices present, so a gap ("rnns.0" and "rnns.2" without "rnns.1") is named.
        var indices = Set<Int>()
        for name in byName.keys where name.hasPrefix("rnns.") {
            if let i = Int(name.dropFirst(5).prefix { $0 != "." }) { indices.insert(i) }
        }
        guard let last = indices.max() else { throw fail("no LSTM or GRU layers (rnns.0.weight_ih_l0)") }
        guard last < 1024 else { throw fail("layer index rnns.\(last) is implausibly large") }

        var layers = [(inputWeight: Tensor, hiddenWeight: Tensor, inputBias: Tensor, hiddenBias: Tensor)]()
        var hiddens = [Int]()
        var cell: GatedCell?
        for l in 0...last {
            guard indices.contains(l) else { throw fail("layer rnns.\(l) is missing (rnns.\(l).weight_ih_l0; layers up to rnns.\(last) exist)") }
            let prefix = byName["rnns.\(l).module.weight_ih_l0"] != nil ? "rnns.\(l).module." : "rnns.\(l)."
            func need(_ names: String...) throws -> (String, Tensor) {
                for n in names { if let t = byName[prefix + n]?.tensor { return (prefix + n, t) } }
                throw fail("layer \(l) has no \(prefix + names[0])")
            }
            let (wihName, wih) = try need("weight_ih_l0")
            let (whhName, whh) = try need("weight_hh_l0_raw", "weight_hh_l0")
            let (bihName, bih) = try need("bias_ih_l0")
            let (bhhName, bhh) = try need("bias_hh_l0")
            // Layer 0 says which cell the model has (4H gate rows: LSTM, 3H: GRU); every other layer must agree.
            let candidates: [GatedCell] = cell.map { [$0] } ?? [.lstm, .gru]
            guard whh.shape.count == 2, whh.shape[1] > 0,
                  let c = candidates.first(where: { cell in
                      // A hostile [0, 2^62] must not overflow the product (it matches no cell).
                      let (rows, overflow) = whh.shape[1].multipliedReportingOverflow(by: cell.gates)
                      return !overflow && whh.shape[0] == rows
                  }) else {
                let expected = cell.map { "[\($0.gates)·H, H] (gates \($0.gateNames), as in rnns.0's \($0.rawValue))" }
                    ?? "[4·H, H] (LSTM gates i, f, g, o) or [3·H, H] (GRU gates r, z, n)"
                throw shape("\(whhName) is \(whh.shape), expected \(expected)")
            }
            cell = c
            let g = c.gates, h = whh.shape[1], input = l == 0 ? e : hiddens[l - 1]
            guard wih.shape == [g * h, input] else {
                throw shape("\(wihName) is \(wih.shape), expected [\(g * h), \(input)] (\(g)·H, \(l == 0 ? "E" : "the previous layer's H"))")
            }
            for (n, t) in [(bihName, bih), (bhhName, bhh)] where t.shape != [g * h] {
                throw shape("\(n) is \(t.shape), expected [\(g * h)] (\(g)·H)")
            }
            if let alias = byName[prefix + "weight_hh_l0"]?.tensor, whhName.hasSuffix("_raw"), alias.shape != whh.shape {
                throw shape("\(prefix)weight_hh_l0 is \(alias.shape) but \(whhName) is \(whh.shape) (WeightDrop's alias must match)")
            }
            if let proj = byName[prefix + "weight_hr_l0"]?.tensor {
                guard proj.shape.count == 2, proj.shape[1] == h else {
                    throw shape("\(prefix)weight_hr_l0 is \(proj.shape), expected [P, \(h)] (a projection from H)")
                }
                throw fail("\(prefix)weight_hr_l0: LSTMs with a projection (proj_size) are counted but not evaluated")
            }
            layers.append((wih, whh, bih, bhh))
            hiddens.append(h)
        }
        guard hiddens[last] == e else {
            throw shape("rnns.\(last) writes \(hiddens[last]) features but the tied decoder reads E = \(e) (encoder.weight \(enc.shape))")
        }
        let nhid = last > 0 ? hiddens[0] : e
        for l in 0..<last where hiddens[l] != nhid {
            throw shape("rnns.\(l) has H = \(hiddens[l]) but rnns.0 has \(nhid) (awd-lstm-lm layers share nhid)")
        }

        let tv = byName["tail_vectors"]?.tensor, tb = byName["tail_bias"]?.tensor
        let tails = tv?.shape.first ?? 0
        if let tv, tv.shape != [tails, e] { throw shape("tail_vectors is \(tv.shape), expected [splits, \(e)]") }
        if tv != nil, tb?.shape != [tails] { throw shape("tail_bias is \(tb?.shape ?? []), expected [\(tails)]") }
        let splits = pickledSplits(checkpoint.root) ?? (tails > 0 ? awdSplits(vocabularySize: v) : [])
        guard splits.count == tails else {
            throw shape("the criterion has \(splits.count) splits \(splits) but tail_vectors has \(tails) rows")
        }
        guard splits == splits.sorted(), Set(splits).count == splits.count, splits.allSatisfy({ $0 > 0 && $0 < v }) else {
            throw shape("the criterion's splits \(splits) must increase strictly inside the vocabulary (0, \(v))")
        }
        let config = LSTMConfig(vocabularySize: v, embeddingSize: e, hiddenSize: nhid, layerCount: last + 1,
                                tiedWeights: true, splits: splits, cell: cell ?? .lstm)
        return (config, LSTMTensors(embedding: enc, layers: layers, decoderBias: bias,
                                    tailVectors: tails > 0 ? tv : nil, tailBias: tails > 0 ? tb : nil))
    }

    /// The `splits` attribute of a pickled SplitCrossEntropyLoss ([0, s₁, …, 100000000]) without the
    /// leading 0 and the sentinel, searched in the root and its top-level list items.
    static func pickledSplits(_ root: PickleValue) -> [Int]? {
        for c in [root] + (root.listItems ?? []) {
            guard case .object(let o) = c, o.className.hasSuffix("SplitCrossEntropyLoss"),
                  let items = c["splits"]?.listItems else { continue }
            let ints = items.compactMap { $0.intValue }
            guard ints.count == items.count, ints.count >= 2 else { return nil }
            return Array(ints.dropFirst().dropLast())
        }
        return nil
    }
}
