import Foundation
import Graph
import Yams

/// The figures measured for one model, by metric.
public typealias MeasuredFigures = [BudgetMetric: Double]

/// How one limit fared.
public enum BudgetStatus: String, Sendable {
    /// Measured at or under the limit (plus tolerance).
    case pass
    /// Over the limit: the check fails.
    case exceeded
    /// Under the limit, but grown past `max_growth` over the accepted figure: the check fails.
    case grew
    /// Not measured this run (perplexity without --with-eval).
    case skipped
}

/// One row of a check: a model's metric against its limit and its last accepted value.
public struct BudgetResult: Equatable, Sendable {
    public var model: String
    public var metric: BudgetMetric
    public var measured: Double?
    public var limit: BudgetLimit
    /// The figure recorded by the last `--update`, if any.
    public var accepted: Double?
    public var status: BudgetStatus

    /// Whether this row fails the check.
    public var failed: Bool { status == .exceeded || status == .grew }

    /// The largest value that holds against the accepted figure, when growth is limited and a figure is locked.
    public var growthCeiling: Double? { accepted.flatMap { limit.growthCeiling(accepted: $0) } }

    /// Change from the accepted figure, in percent.
    public var changePercent: Double? {
        guard let measured, let accepted, accepted != 0 else { return nil }
        return (measured - accepted) / abs(accepted) * 100
    }
}

/// Compares measured figures with a budget's limits and the accepted figures.
public enum BudgetCheck {
    /// One result per limit, in the budget's order; `measured[name]` lacks metrics that were not run.
    public static func evaluate(_ budget: Budget, measured: [String: MeasuredFigures], accepted: BudgetLock?) -> [BudgetResult] {
        budget.models.flatMap { model in
            model.limits.map { limit in
                let value = measured[model.name]?[limit.metric]
                let locked = accepted?.figures[model.name]?[limit.metric.rawValue]
                var status = BudgetStatus.skipped
                if let value {
                    if !(value <= limit.ceiling) {
                        status = .exceeded
                    } else if let locked, let growth = limit.growthCeiling(accepted: locked), !(value <= growth) {
                        status = .grew
                    } else {
                        status = .pass
                    }
                }
                return BudgetResult(model: model.name, metric: limit.metric, measured: value, limit: limit,
                                    accepted: locked, status: status)
            }
        }
    }

    /// The figures a count gives, for every count-based metric.
    public static func figures(_ report: CountReport) -> MeasuredFigures {
        [.params: report.total.params, .paramsMBytes: report.totalScaled.paramsMBytes, .mults: report.total.mults,
         .adds: report.total.adds, .multsM: report.totalScaled.multsM, .addsM: report.totalScaled.addsM,
         .mflops: report.totalScaled.mflops]
    }

    /// The score a limit asks for: against its baseline, its track, or the track inferred from what the
    /// model reads (`modelInput`), as `score` infers it; undecidable without a track or baseline.
    public static func score(_ report: CountReport, limit: BudgetLimit,
                             modelInput: ModelInput?) -> Result<Double?, TrackInference.Undecided> {
        let input = ScoreInput(report)
        if let base = limit.baselineParams {
            return .success(Score(input, baselineParams: base, baselineOps: limit.baselineOps).score)
        }
        if let track = limit.track { return .success(Score(input, track: track).score) }
        return TrackInference.infer(modelInput).map { Score(input, track: $0.track).score }
    }
}

/// The accepted figures, kept in a lock file beside the budget file.
public struct BudgetLock: Equatable, Sendable {
    /// model name -> metric name -> figure.
    public var figures: [String: [String: Double]]

    /// Creates a lock from figures.
    public init(figures: [String: [String: Double]]) {
        self.figures = figures
    }

    /// `micronet.budget.yml` -> `micronet.budget.lock.json`, in the same folder.
    public static func path(forBudget budgetPath: String) -> String {
        let url = URL(fileURLWithPath: budgetPath)
        let base = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(base + ".lock.json").path
    }

    /// Reads a lock file; nil when there is none yet.
    public static func read(path: String) throws -> BudgetLock? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try BudgetFile.readText(path: path, what: "lock file")
        // Read as YAML (JSON is YAML) so that an error carries its line and column.
        let root = try BudgetFile.compose(text, path: path, what: "lock file")
        let fix = " (delete it and run --update)"
        guard let accepted = root.mapping?["accepted"], let models = accepted.mapping else {
            throw BudgetFileError(path: path, at: root.mark, problem: "the lock file has no 'accepted' object" + fix)
        }
        var figures: [String: [String: Double]] = [:]
        for (key, value) in models {
            guard let model = key.scalar?.string, let metrics = value.mapping else {
                throw BudgetFileError(path: path, at: value.mark, problem: "each accepted model must be an object of figures" + fix)
            }
            var row: [String: Double] = [:]
            for (metricKey, figure) in metrics {
                guard let metric = metricKey.scalar?.string, let number = figure.scalar.flatMap({ Double($0.string) }),
                      number.isFinite else {
                    throw BudgetFileError(path: path, at: figure.mark, problem: "accepted figures must be finite numbers" + fix)
                }
                row[metric] = number
            }
            figures[model] = row
        }
        return BudgetLock(figures: figures)
    }

    /// The lock file's text: models and metrics in the budget's order.
    public func serialized(order budget: Budget) -> String {
        let models: [(String, JSONValue)] = budget.models.compactMap { model in
            guard let metrics = figures[model.name] else { return nil }
            let ordered = model.limits.compactMap { l in metrics[l.metric.rawValue].map { (l.metric.rawValue, JSONValue.number($0)) } }
            return (model.name, .object(ordered))
        }
        return JSONValue.object([("version", .int(1)), ("accepted", .object(models))]).serialized() + "\n"
    }

    /// Writes atomically: a temporary file in the same folder, flushed, then renamed over the old one,
    /// so a crash or kill at any moment leaves either the old file or the new one, whole.
    public func write(path: String, order budget: Budget) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        let data = Data(serialized(order: budget).utf8)
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw BudgetFileError(path: path, line: nil, problem: "cannot write the lock file's temporary copy")
        }
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw BudgetFileError(path: path, line: nil, problem: "cannot write the lock file: \(error.localizedDescription)")
        }
        guard rename(temporary.path, path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw BudgetFileError(path: path, line: nil, problem: "cannot replace the lock file (rename failed)")
        }
    }
}
