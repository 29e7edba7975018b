import Graph

/// Which challenge track a model belongs to, decided from what the model reads.
///
/// A language model over the WikiText-103 vocabulary (267,735 words) is `wikitext103`; a vision model takes
/// its track from its input image: 224×224×3 is `imagenet`, 32×32×3 is `cifar100`. Anything else is
/// undecided, and the caller must be told to give a track or a baseline.
public enum TrackInference {
    /// What a model reads, as far as the track is concerned.
    public enum Input: Equatable, Sendable {
        case tokens(vocabulary: Int)
        case image(height: Int, width: Int, channels: Int)

        /// "a vocabulary of 267,735 tokens", "a 64×64×3 image".
        public var text: String {
            switch self {
            case .tokens(let v): return "a vocabulary of \(grouped(Double(v))) tokens"
            case let .image(h, w, c): return "a \(h)×\(w)×\(c) image"
            }
        }
    }

    /// The WikiText-103 word vocabulary every entry of that track must use.
    public static let wikitext103Vocabulary = 267_735

    /// What the graph reads: an embedding's vocabulary, or the first convolution's input image.
    public static func input(of graph: OpGraph) -> Input? {
        for (_, named) in graph.allOps {
            switch named.op {
            case .embedding(let e): return .tokens(vocabulary: e.inputSize)
            case .conv2D(let c), .depthwiseConv2D(let c):
                return .image(height: c.inputSize, width: c.inputSize, channels: c.kernelShape.count > 2 ? c.kernelShape[2] : 0)
            default: continue
            }
        }
        return nil
    }

    /// The track of an input, or nil when no track reads such inputs.
    public static func track(for input: Input) -> Track? {
        switch input {
        case .tokens(let v): return v == wikitext103Vocabulary ? .wikitext103 : nil
        case .image(224, 224, 3): return .imagenet
        case .image(32, 32, 3): return .cifar100
        case .image: return nil
        }
    }

    /// The graph's track, or why it cannot be decided (a sentence to show the user).
    public static func infer(_ graph: OpGraph) -> Result<(track: Track, input: Input), Undecided> {
        guard let input = input(of: graph) else { return .failure(Undecided(reason: "the model's input is not known")) }
        guard let track = track(for: input) else {
            return .failure(Undecided(reason: "no track reads \(input.text) (wikitext103: 267,735 tokens; imagenet: 224×224×3; cifar100: 32×32×3)"))
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
