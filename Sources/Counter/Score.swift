import Graph

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

    /// The track a model's input implies (TrackInference decides: 267,735 tokens, 224×224×3, 32×32×3).
    public init?(inferredFrom input: ModelInput) {
        guard let track = TrackInference.track(for: input) else { return nil }
        self = track
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

    /// The totals of a `micronet count --format json` document, refused when they cannot be a count's.
    ///
    /// Totals must be finite, non-negative and within Int64; the settings' and rows' widths integers from 1 to 64.
    /// Bits per parameter are not bounded: a sparse weight's one-bit mask covers every position, so above
    /// about 97 % sparsity a real count stores more than 64 bits per kept value.
    public init(countJSON json: JSONValue) throws {
        guard let total = json["total"], let bits = total["param_bits"]?.doubleValue, let mults = total["mults_m"]?.doubleValue,
              let adds = total["adds_m"]?.doubleValue, let params = total["params"]?.doubleValue else {
            throw ScoreInputError("a count JSON needs total.param_bits, mults_m, adds_m and params (from 'micronet count --format json')")
        }
        let limit = Double(Int64.max)
        // Every figure a count writes is checked, those the score does not use too: a document with one
        // impossible figure is not a count.
        var checked = [("param_bits", bits, 1.0), ("mults_m", mults, 1e6), ("adds_m", adds, 1e6), ("params", params, 1.0)]
        for (name, scale) in [("mults", 1.0), ("adds", 1.0), ("params_mbytes", 8e6), ("mflops", 1e6)] {
            if let node = total[name] {
                guard let value = node.doubleValue else { throw ScoreInputError("total.\(name) must be a number") }
                checked.append((name, value, scale))
            }
        }
        for (name, value, scale) in checked {
            guard value.isFinite, value >= 0, value * scale < limit else {
                throw ScoreInputError("total.\(name) must be a finite, non-negative count within the 64-bit range, got \(value)")
            }
        }
        var widths: [(String, JSONValue?)] = ["param_bits", "input_bits", "accumulator_bits", "add_bits_base", "mul_bits_base"]
            .map { ("settings.\($0)", json["settings"]?[$0]) }
        if case .array(let rows)? = json["rows"] {
            for row in rows {
                widths += ["param", "input", "accumulator"].map { ("rows.bits.\($0)", row["bits"]?[$0]) }
            }
        }
        for case let (name, value?) in widths {
            if case .null = value { continue }
            guard let d = value.doubleValue else { throw ScoreInputError("\(name) must be a number") }
            do { try CountSettings.checkBits(d, name: name) } catch let e as CountSettingsError { throw ScoreInputError(e.description) }
        }
        self.init(paramBits: bits, multsM: mults, addsM: adds, params: params)
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

/// Why piped totals cannot be scored.
public struct ScoreInputError: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// Creates an error with its one-line message.
    public init(_ description: String) { self.description = description }
}

/// Checks a baseline figure: finite and at least 1 (a smaller one makes the score meaningless or infinite).
public func checkBaseline(_ value: Double, name: String) throws {
    guard value.isFinite, value >= 1 else { throw ScoreInputError("\(name) must be a finite number of at least 1, got \(value)") }
}
