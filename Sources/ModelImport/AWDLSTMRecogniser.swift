import Checkpoint
import Graph
import LanguageModel
import LSTMModel

/// awd-lstm-lm's LSTM and GRU language models (`--model LSTM`, `--model GRU`): `rnns.N` torch.nn.LSTM (GRU)
/// layers, bare or wrapped in WeightDrop (`rnns.N.module.weight_hh_l0_raw`), and presets for LSTM language models.
public struct AWDLSTMRecogniser: Recogniser {
    public var family: String { "awd-lstm-lm LSTM/GRU" }

    /// Creates the recogniser.
    public init() {}

    public func recognise(_ checkpoint: LoadedCheckpoint) throws -> (any RecognisedModel)? {
        guard LSTMConfig.isLSTM(checkpoint) else { return nil }
        let (config, tensors) = try LSTMConfig.recognise(checkpoint)
        return AWDLSTMModel(config: config, tensors: tensors, path: checkpoint.path)
    }

    /// The LSTM presets: the challenge's WikiText-103 baseline, and an awd-lstm-lm LSTM of any size.
    static var presets: [Preset] {
        [
            Preset(name: "lstm-wt103-baseline",
                   summary: "the challenge's WikiText-103 baseline LSTM (Rae et al. 2018): 159,376,343 params, 318,247,424 ops",
                   takesSizes: false) { _, convention in
                let name = "lstm-wt103-baseline"
                return (name, LSTMConfig.wt103Baseline.opGraph(convention: convention, name: name, decoder: .baseline))
            },
            Preset(name: "lstm-lm",
                   summary: "an awd-lstm-lm LSTM LM of any size (--vocab --emsize --nhid --nlayers --bias-vectors --proj; "
                       + "defaults: WikiText-2's V 33,278, E 400, H 1150, 3 layers)",
                   takesSizes: true) { sizes, convention in
                let base = LSTMConfig.wt2
                let v = sizes.vocab ?? base.vocabularySize, e = sizes.emsize ?? base.embeddingSize
                let h = sizes.nhid ?? base.hiddenSize, layers = sizes.nlayers ?? base.layerCount
                let b = sizes.biasVectors ?? 2, p = sizes.proj
                if let p, p != e {
                    throw ImportError("--proj", "the projection writes \(p) features but the tied decoder reads --emsize \(e): they must be equal")
                }
                var terms: [[Int]] = [[v, e], [v]]
                for l in 0..<layers {
                    let input = l == 0 ? e : (p ?? h), hidden = (l == layers - 1 && p == nil) ? e : h
                    terms += [[4, hidden, input + hidden], [b, 4, hidden], [hidden, p ?? 0]]
                }
                let label = "lstm-lm(vocab \(v), emsize \(e), nhid \(h), nlayers \(layers), bias vectors \(b)"
                    + (p.map { ", proj \($0))" } ?? ")")
                guard let weights = checkedSum(terms), weights <= PresetSizes.maxWeights else {
                    throw ImportError("--vocab/--emsize/--nhid/--nlayers/--proj",
                                      "\(label) has more than 2^40 weights, the most a preset may have (every count then stays exact)")
                }
                let config = LSTMConfig(vocabularySize: v, embeddingSize: e, hiddenSize: h, layerCount: layers,
                                        splits: [], biasVectors: b, projectionSize: p)
                return (label, config.opGraph(convention: convention, name: label))
            },
        ]
    }
}

/// A recognised awd-lstm-lm LSTM or GRU: its configuration and tensors (the language-model path evaluates these).
public struct AWDLSTMModel: RecognisedModel {
    /// Sizes and splits.
    public let config: LSTMConfig
    /// The tensors, borrowed from the loaded checkpoint (WeightDrop's raw weight, never its alias).
    public let tensors: LSTMTensors
    /// The checkpoint's path.
    public let path: String

    public var summary: String {
        "awd-lstm-lm \(config.cell.rawValue): vocab \(config.vocabularySize), emsize \(config.embeddingSize), nhid \(config.hiddenSize), "
            + "\(config.layerCount) layers, "
            + (config.splits.isEmpty ? "full softmax" : "splits \(config.splits.map(String.init).joined(separator: "/"))")
    }

    public var weights: [(op: String, weight: WeightTensor)] {
        // An LSTM (GRU) op's weight is its two gate matrices, measured together (4H·(I+H) elements; a GRU's 3H·(I+H)).
        [("embedding", WeightTensor(label: "encoder.weight", tensor: tensors.embedding))]
            + tensors.layers.enumerated().map {
                ("\(config.cell.opPrefix)_\($0.offset)", WeightTensor(label: "rnns.\($0.offset) weight_ih_l0 + weight_hh_l0",
                                                   tensors: [$0.element.inputWeight, $0.element.hiddenWeight]))
            }
    }

    // The decoder multiplies by the tied embedding table, so it skips the same zeros.
    public var tiedOps: [String: String] { config.tiedWeights ? ["decoder_weight": "embedding"] : [:] }

    public func opGraph(convention: CountingConvention, name: String, sparsity: [String: Double]) -> OpGraph {
        config.opGraph(convention: convention, name: name, sparsity: sparsity)
    }
}

extension ImportedModel {
    /// The LSTM (or GRU) language model a recognised checkpoint holds, borrowing its weights (no second load).
    public func lstmLanguageModel(_ model: AWDLSTMModel, precision: Precision = .fp32) throws -> LSTMLanguageModel {
        guard let checkpoint else { throw ImportError(path, "is a graph file: it has no weights to evaluate") }
        return try namingFile {
            try LSTMLanguageModel(config: model.config, weights: LSTMWeights(model.tensors, checkpoint: checkpoint),
                                  precision: precision)
        }
    }
}
