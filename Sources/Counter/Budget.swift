import Graph

/// A figure a budget can limit.
public enum BudgetMetric: String, Sendable, CaseIterable {
    /// Stored parameter values (a count).
    case params
    /// Parameter storage in MBytes (int(bits) / 8 / 1e6).
    case paramsMBytes = "params_mbytes"
    /// Raw multiplications per inference step.
    case mults
    /// Raw additions per inference step.
    case adds
    /// Multiplications in millions of 32-bit equivalents.
    case multsM = "mults_m"
    /// Additions in millions of 32-bit equivalents.
    case addsM = "adds_m"
    /// mults_m + adds_m.
    case mflops
    /// The challenge score against a track or a baseline.
    case score
    /// Test perplexity from `micronet eval` (run only with --with-eval).
    case perplexity

    /// Whether measuring it needs an evaluation run rather than a count.
    public var needsEvaluation: Bool { self == .perplexity }
}

/// Slack allowed above a limit: an absolute amount or a percentage of the limit.
public enum Tolerance: Equatable, Sendable {
    case absolute(Double)
    case percent(Double)

    /// The largest value that still holds for a limit of `max`.
    public func ceiling(for max: Double) -> Double {
        switch self {
        case .absolute(let a): return max + a
        case .percent(let p): return max + abs(max) * p / 100
        }
    }

    /// "0.5" or "1%".
    public var text: String {
        switch self {
        case .absolute(let a): return num(a)
        case .percent(let p): return num(p) + "%"
        }
    }
}

/// What a perplexity limit evaluates: the `micronet eval` inputs.
public struct EvaluationSpec: Equatable, Sendable {
    public var text: String
    public var vocab: String
    public var bptt: Int
    public var batchSize: Int
    public var precision: String

    /// Creates an evaluation spec (paths already resolved against the budget file's folder).
    public init(text: String, vocab: String, bptt: Int = 140, batchSize: Int = 1, precision: String = "fp32") {
        self.text = text
        self.vocab = vocab
        self.bptt = bptt
        self.batchSize = batchSize
        self.precision = precision
    }
}

/// One limit of one model.
public struct BudgetLimit: Equatable, Sendable {
    public var metric: BudgetMetric
    public var max: Double
    public var tolerance: Tolerance?
    /// The budget file's line that sets this limit (for annotations).
    public var line: Int
    /// Its column on that line (from 1; 0 when not known).
    public var column: Int
    /// How far the figure may grow over the accepted (locked) one: absolute, or a percentage of it.
    public var maxGrowth: Tolerance?
    /// Score limits: the track, or a baseline (params and, for a score, ops).
    public var track: Track?
    public var baselineParams: Double?
    public var baselineOps: Double?
    /// Perplexity limits: what to evaluate.
    public var evaluation: EvaluationSpec?

    /// Creates a limit; score, perplexity and growth details are set afterwards.
    public init(metric: BudgetMetric, max: Double, tolerance: Tolerance?, line: Int, column: Int = 0,
                maxGrowth: Tolerance? = nil) {
        self.metric = metric
        self.max = max
        self.tolerance = tolerance
        self.line = line
        self.column = column
        self.maxGrowth = maxGrowth
    }

    /// The largest measured value that holds.
    public var ceiling: Double { tolerance?.ceiling(for: max) ?? max }

    /// The largest value that holds against an accepted figure, when growth is limited.
    public func growthCeiling(accepted: Double) -> Double? { maxGrowth?.ceiling(for: accepted) }
}

/// One model under budget: where it comes from, how it is counted, and its limits.
public struct BudgetModel: Equatable, Sendable {
    /// The name results are reported and locked under.
    public var name: String
    /// A preset name, or a graph file or checkpoint path (resolved against the budget file's folder).
    public var model: String
    public var line: Int
    /// The column of the model's entry (from 1; 0 when not known).
    public var column: Int
    public var settings: CountSettings
    /// The graph file paired with a checkpoint, if any.
    public var graph: String?
    public var limits: [BudgetLimit]

    /// Creates a model entry.
    public init(name: String, model: String, line: Int, column: Int = 0, settings: CountSettings, graph: String?,
                limits: [BudgetLimit]) {
        self.name = name
        self.model = model
        self.line = line
        self.column = column
        self.settings = settings
        self.graph = graph
        self.limits = limits
    }
}

/// A parsed budget file.
public struct Budget: Equatable, Sendable {
    public var path: String
    public var models: [BudgetModel]
}
