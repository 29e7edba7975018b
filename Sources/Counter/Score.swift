/// A MicroNet Challenge track and its official baseline.
public enum Track: String, Sendable, CaseIterable {
    case wikitext103, imagenet, cifar100

    /// Baseline parameters (32-bit): Rae et al.'s LSTM, MobileNetV2 ×1.4, WideResNet-28-10.
    public var baselineParams: Double {
        switch self {
        case .wikitext103: return 159e6
        case .imagenet: return 6.9e6
        case .cifar100: return 36.5e6
        }
    }

    /// Baseline math operations per example (per token for WikiText-103).
    public var baselineOps: Double {
        switch self {
        case .wikitext103: return 318e6
        case .imagenet: return 1170e6
        case .cifar100: return 10.49e9
        }
    }

    /// The quality an entry must reach to qualify.
    public var qualityBar: String {
        switch self {
        case .wikitext103: return "test perplexity ≤ 35"
        case .imagenet: return "top-1 accuracy ≥ 75%"
        case .cifar100: return "top-1 accuracy ≥ 80%"
        }
    }
}

/// The totals a score needs, whether from a fresh count or a count JSON.
public struct ScoreInput: Equatable, Sendable {
    /// Total parameter bits (truncated to an integer before use, as the reference's MB column is).
    public var paramBits: Double
    /// Scaled multiplications, in millions of 32-bit-equivalent ops.
    public var multsM: Double
    /// Scaled additions, in millions of 32-bit-equivalent ops.
    public var addsM: Double
    /// Stored parameter values.
    public var params: Double

    /// Creates a score input.
    public init(paramBits: Double, multsM: Double, addsM: Double, params: Double) {
        self.paramBits = paramBits
        self.multsM = multsM
        self.addsM = addsM
        self.params = params
    }

    /// The totals of a count.
    public init(_ report: CountReport) {
        self.init(paramBits: report.total.paramBits, multsM: report.totalScaled.multsM,
                  addsM: report.totalScaled.addsM, params: report.total.params)
    }

    /// Parameters in 32-bit equivalents: a b-bit parameter counts b/32.
    public var equivalentParams: Double { paramBits.rounded(.towardZero) / 32 }
    /// Math operations in 32-bit equivalents.
    public var equivalentOps: Double { (multsM + addsM) * 1e6 }
}

/// A score against a baseline: score = params/baseline_params + ops/baseline_ops, lower is better.
public struct Score: Equatable, Sendable {
    public var input: ScoreInput
    public var track: Track?
    public var baselineParams: Double
    public var baselineOps: Double?

    /// Scores against a track's official baseline.
    public init(_ input: ScoreInput, track: Track) {
        self.input = input
        self.track = track
        self.baselineParams = track.baselineParams
        self.baselineOps = track.baselineOps
    }

    /// Scores against any reference model's parameters (and, if known, its ops).
    public init(_ input: ScoreInput, baselineParams: Double, baselineOps: Double?) {
        self.input = input
        self.track = nil
        self.baselineParams = baselineParams
        self.baselineOps = baselineOps
    }

    /// 32-bit-equivalent parameters over the baseline's.
    public var paramsTerm: Double { input.equivalentParams / baselineParams }
    /// 32-bit-equivalent ops over the baseline's, when the baseline's ops are known.
    public var opsTerm: Double? { baselineOps.map { input.equivalentOps / $0 } }
    /// The challenge score, when both terms are known.
    public var score: Double? { opsTerm.map { paramsTerm + $0 } }
    /// Raw parameter count over the baseline's (how much smaller the model is).
    public var paramsRatio: Double { input.params / baselineParams }
}
