import Graph
import LanguageModel
import QRNNModel

/// Built-in models that need no file.
enum Preset: String, CaseIterable {
    /// The JAIST MicroNet entry: V 267,735, E 300, H 1800, 4 layers, tied, window 2 first, output gates.
    case qrnnWT103 = "qrnn-wt103"
    /// awd-lstm-lm's default WikiText-103 QRNN (E 400, H 2500), the seed's comparison point.
    case qrnnWT103Default = "qrnn-wt103-default"
    /// A QRNN LM of any size (--vocab --emsize --nhid --nlayers; defaults are the seed's).
    case qrnnLM = "qrnn-lm"
    /// The reference counting.py's example op list (convolutions, an SE block, two dense layers).
    case referenceExample = "reference-example"

    /// One line per preset, for help texts.
    static var catalogue: String {
        allCases.map { "\($0.rawValue)" }.joined(separator: ", ")
    }

    /// The QRNN configuration behind a QRNN preset.
    var qrnnConfig: QRNNConfig? {
        switch self {
        case .qrnnWT103, .qrnnLM: return .wt103Seed
        case .qrnnWT103Default: return .wt103Default
        case .referenceExample: return nil
        }
    }
}
