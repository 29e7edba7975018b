import Checkpoint
import Graph

/// Knows one family of models by its tensor names and pickled classes, and builds its op graph.
/// Adding a family is one file with a recogniser plus one line in `Recognisers.all`.
public protocol Recogniser: Sendable {
    /// The family's name in messages ("awd-lstm-lm QRNN").
    var family: String { get }
    /// nil when the checkpoint is not of this family; throws when it is but does not fit (naming what is wrong).
    func recognise(_ checkpoint: LoadedCheckpoint) throws -> (any RecognisedModel)?
}

/// A checkpoint a recogniser understood: enough to build its op graph and measure its weights.
public protocol RecognisedModel {
    /// One line: the family and its sizes ("awd-lstm-lm QRNN: vocab 40, emsize 8, ...").
    var summary: String { get }
    /// The weights to measure sparsity on, by the op that stores them.
    var weights: [(op: String, weight: WeightTensor)] { get }
    /// Ops that multiply by another op's (tied) weights and so skip the same zeros: op → op storing the weight.
    var tiedOps: [String: String] { get }
    /// The op graph at the given per-op sparsity (op name → fraction of zeros).
    func opGraph(convention: CountingConvention, name: String, sparsity: [String: Double]) -> OpGraph
}

/// Every recogniser, tried in order; the first that claims a checkpoint decides.
public enum Recognisers {
    /// The families micronet recognises without a graph file.
    public static let all: [any Recogniser] = [
        AWDQRNNRecogniser(),
    ]

    /// The model `checkpoint` holds, or an error listing what was found and how to count it anyway.
    static func recognise(_ checkpoint: LoadedCheckpoint) throws -> any RecognisedModel {
        for recogniser in all {
            if let model = try recogniser.recognise(checkpoint) { return model }
        }
        let families = all.map(\.family).joined(separator: ", ")
        throw ImportError(checkpoint.path, "not a model micronet recognises (\(families)); \(TensorTable(checkpoint).listing); "
                          + "pair the checkpoint with a graph file: --graph FILE")
    }
}
