import Graph

/// Which challenge track a model belongs to, decided from what the model reads.
///
/// A language model over the WikiText-103 vocabulary (267,735 words) is `wikitext103`; a vision model takes
/// its track from its input image: 224×224×3 is `imagenet`, 32×32×3 is `cifar100`. Anything else is
/// undecided, and the caller must be told to give a track or a baseline.
public enum TrackInference {
    /// The WikiText-103 word vocabulary every entry of that track must use.
    public static let wikitext103Vocabulary = 267_735

    /// What the graph reads: its declared `input`; without one, what its first op reads when that is an
    /// embedding (a vocabulary) or a convolution (an image), as in graph files written before `input` existed.
    public static func input(of graph: OpGraph) -> ModelInput? {
        if let input = graph.input { return input }
        guard let first = graph.allOps.first?.op.op else { return nil }
        if let embedding = first as? Embedding { return .tokens(vocabulary: embedding.inputSize) }
        if let conv = first as? Conv2D {
            return .image(height: conv.window.inputHeight, width: conv.window.inputWidth, channels: conv.channelsIn)
        }
        return nil
    }

    /// The track of an input, or nil when no track reads such inputs.
    public static func track(for input: ModelInput) -> Track? {
        switch input {
        case .tokens(let v): return v == wikitext103Vocabulary ? .wikitext103 : nil
        case .image(224, 224, 3): return .imagenet
        case .image(32, 32, 3): return .cifar100
        case .image: return nil
        }
    }

    /// "a vocabulary of 267,735 tokens", "a 64×64×3 image".
    public static func describe(_ input: ModelInput) -> String {
        switch input {
        case .tokens(let v): return "a vocabulary of \(grouped(Double(v))) tokens"
        case let .image(h, w, c): return "a \(h)×\(w)×\(c) image"
        }
    }

    /// The graph's track, or why it cannot be decided (a sentence to show the user).
    public static func infer(_ graph: OpGraph) -> Result<(track: Track, input: ModelInput), Undecided> {
        infer(input(of: graph))
    }

    /// The track of what a model reads (nil: the model does not say), or why it cannot be decided.
    public static func infer(_ input: ModelInput?) -> Result<(track: Track, input: ModelInput), Undecided> {
        guard let input else { return .failure(Undecided(reason: "the model does not say what it reads (a graph or piped count without `input`)")) }
        guard let track = track(for: input) else {
            return .failure(Undecided(reason: "no track reads \(describe(input)) (wikitext103: 267,735 tokens; imagenet: 224×224×3; cifar100: 32×32×3)"))
        }
        return .success((track, input))
    }

    /// Why a model's track could not be decided.
    public struct Undecided: Error, Equatable, Sendable {
        public var reason: String

        /// Creates a reason.
        public init(reason: String) { self.reason = reason }
    }
}
