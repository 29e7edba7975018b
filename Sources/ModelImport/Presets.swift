import Graph
import QRNNModel

/// The built-in models; adding one is one entry here.
public enum Presets {
    /// Every preset, in the order help texts list them.
    public static let all: [Preset] = [
        qrnn("qrnn-wt103", "the JAIST MicroNet entry: awd-lstm-lm QRNN, V 267,735, E 300, H 1800, 4 layers", .wt103Seed),
        qrnn("qrnn-wt103-default", "awd-lstm-lm's default WikiText-103 QRNN (E 400, H 2500)", .wt103Default),
        qrnn("qrnn-lm", "a QRNN LM of any size (--vocab --emsize --nhid --nlayers; defaults are the seed's)", .wt103Seed),
        Preset(name: "reference-example", summary: "the reference counting.py's example op list", takesSizes: false) { _, _ in
            ("reference-example", OpGraph.referenceExample)
        },
    ]

    /// The preset called `name`, if any.
    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

    /// The preset names, comma-separated, for help texts and errors.
    public static var catalogue: String { all.map(\.name).joined(separator: ", ") }

    /// A QRNN preset; size flags replace the base configuration's sizes, and the name then says so.
    private static func qrnn(_ name: String, _ summary: String, _ base: QRNNConfig) -> Preset {
        Preset(name: name, summary: summary, takesSizes: true) { sizes, convention in
            guard !sizes.isEmpty else { return (name, base.opGraph(convention: convention, name: name)) }
            let v = sizes.vocab ?? base.vocabularySize, e = sizes.emsize ?? base.embeddingSize
            let h = sizes.nhid ?? base.hiddenSize, layers = sizes.nlayers ?? base.layerCount
            // Weights before the config exists: embedding, layer 0 (window 2, E in), middle layers, the last (E out), decoder bias.
            let gates = base.gateCount
            var terms: [[Int]] = [[v, e], [v]]
            for l in 0..<layers {
                let input = l == 0 ? e : h, output = l == layers - 1 ? e : h, window = l == 0 ? 2 : 1
                terms.append([window, input, gates, output])
                terms.append([gates, output])
            }
            guard let weights = checkedSum(terms), weights <= PresetSizes.maxWeights else {
                throw ImportError("--vocab/--emsize/--nhid/--nlayers",
                                  "qrnn-lm(vocab \(v), emsize \(e), nhid \(h), nlayers \(layers)) has more than 2^40 weights, "
                                  + "the most a preset may have (every count then stays exact)")
            }
            let config = QRNNConfig(vocabularySize: v, embeddingSize: e, hiddenSize: h, layerCount: layers)
            let label = "qrnn-lm(vocab \(v), emsize \(e), nhid \(h), nlayers \(layers))"
            return (label, config.opGraph(convention: convention, name: label))
        }
    }
}
