import ArgumentParser
import Counter
import Foundation
import Graph
import ModelImport

extension BudgetReportFormat: ExpressibleByArgument {}

/// `micronet check`: fails CI when a model outgrows its parameter, FLOP, score or perplexity budget.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check models against the limits of a budget file; exit 1 when any is exceeded.",
        discussion: """
        The budget file (YAML or JSON; default micronet.budget.yml, .yaml or .json here) lists models — presets, graph files or checkpoints — with counting settings and limits on params, params_mbytes, mults, adds, mults_m, adds_m, mflops, score and perplexity, each a number or {max, tolerance, max_growth}. Each figure is compared with its limit and with the figures last accepted by --update, kept in <budget>.lock.json beside the budget file; max_growth (absolute or a percentage, per limit or per model) fails a figure that grew that much over its accepted one. --update refuses to lock figures over their limits unless --accept-exceeded is given. Schema and a GitHub Actions job: see the README.

        Exit status: 0 all limits hold, 1 a limit is exceeded or a figure grew past max_growth, 2 bad input (a missing model file, an unknown field, a malformed limit: each named with its line and column). With GITHUB_STEP_SUMMARY set, the Markdown table is appended to it.

        Examples:
          # micronet.budget.yml in this folder
          micronet check
          # annotations on the budget file's lines
          micronet check ci/budget.yml --format github
          # accept today's figures as the new reference
          micronet check --update
          micronet check --with-eval --format junit > budget.xml
        """
    )

    @Argument(help: "The budget file (default: micronet.budget.yml, .yaml or .json in the current folder).")
    var budgetFile: String?

    @Option(help: "text, json, markdown, junit or github.")
    var format: BudgetReportFormat = .text

    @Flag(help: "Record the measured figures as the accepted ones (writes the lock file atomically); refused while a limit is exceeded.")
    var update = false

    @Flag(help: "With --update: lock the figures even where they exceed their limits (the check still exits 1).")
    var acceptExceeded = false

    @Flag(help: "Also run perplexity limits (evaluates the model on its test text; slower).")
    var withEval = false

    func validate() throws {
        if acceptExceeded && !update { throw ValidationError("--accept-exceeded only applies with --update") }
    }

    func run() throws {
        let path = try budgetPath()
        let budget = try BudgetFile.read(path: path)
        let lockPath = BudgetLock.path(forBudget: path)
        let accepted = try BudgetLock.read(path: lockPath)

        var measured: [String: MeasuredFigures] = [:]
        for model in budget.models {
            measured[model.name] = try measure(model)
        }
        let report = BudgetReport(budgetPath: path, results: BudgetCheck.evaluate(budget, measured: measured, accepted: accepted))
        print(report.rendered(as: format), terminator: "")

        if let summary = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty {
            try appendStepSummary(report.markdown(), to: summary)
        }
        let exceeded = report.results.filter { $0.status == .exceeded }
        if update && !exceeded.isEmpty && !acceptExceeded {
            let list = exceeded.prefix(3).map { "\($0.model) \($0.metric.rawValue)" }.joined(separator: ", ")
                + (exceeded.count > 3 ? " and \(exceeded.count - 3) more" : "")
            printError("micronet: not updating \(lockPath): \(exceeded.count) figure(s) exceed their limits (\(list)); "
                       + "shrink the model or raise the limits, or give --accept-exceeded to lock them anyway")
            throw ExitCode(1)
        }
        if update {
            var figures = accepted?.figures ?? [:]
            for (name, values) in measured {
                figures[name, default: [:]].merge(values.map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { _, new in new })
            }
            try BudgetLock(figures: figures).write(path: lockPath, order: budget)
            printError("micronet: accepted figures written to \(lockPath)")
            // Growth past max_growth is what --update accepts; an exceeded hard limit still fails.
            if !exceeded.isEmpty { throw ExitCode(1) }
            return
        }
        if !report.passed { throw ExitCode(1) }
    }

    private func budgetPath() throws -> String {
        if let budgetFile {
            guard FileManager.default.fileExists(atPath: budgetFile) else { throw CLIError.badInput("\(budgetFile): no such budget file") }
            return budgetFile
        }
        for name in ["micronet.budget.yml", "micronet.budget.yaml", "micronet.budget.json"]
        where FileManager.default.fileExists(atPath: name) {
            return name
        }
        throw CLIError.badInput("no budget file given and no micronet.budget.yml, .yaml or .json in the current folder")
    }

    /// Counts the model under its settings; evaluates perplexity only when asked.
    private func measure(_ model: BudgetModel) throws -> MeasuredFigures {
        let resolved: ResolvedModel
        do {
            // A budget's explicit sparsity overrides what a checkpoint's zeros measure.
            resolved = try ModelImport.resolve(model: model.model, pairedGraph: model.graph, convention: model.settings.convention,
                                               sparsity: SparsityPolicy(paramBits: model.settings.paramBits,
                                                                        measure: model.settings.sparsity == 0))
        } catch let error as any UserFacingError {
            // The one place that adds context: where in the budget file the model is named.
            throw CLIError.badInput("\(position(model.line, model.column)) \(model.name): \(error.description)")
        }
        let report = MicroNetCounter(graph: resolved.graph).count(settings: model.settings)
        var figures = BudgetCheck.figures(report)
        for limit in model.limits {
            switch limit.metric {
            case .score:
                switch BudgetCheck.score(report, limit: limit, modelInput: TrackInference.input(of: resolved.graph)) {
                case .success(let score): figures[.score] = score
                case .failure(let undecided):
                    throw CLIError.badInput("\(position(limit.line, limit.column)) \(model.name): cannot tell which track to score "
                                            + "against: \(undecided.reason); give the limit a track (wikitext103, imagenet, "
                                            + "cifar100) or a baseline and baseline_ops")
                }
            case .perplexity:
                if withEval, let spec = limit.evaluation {
                    do {
                        figures[.perplexity] = try measurePerplexity(model: model, resolved: resolved, spec: spec)
                    } catch let error as any UserFacingError {
                        // Loader and corpus errors come from ModelImport: the limit's line says which budget entry.
                        throw CLIError(message: "\(position(limit.line, limit.column)) \(model.name): \(error.description)", exitCode: error.exitCode)
                    }
                }
            default:
                break
            }
        }
        return figures
    }

    /// "budget.yml:12:7:", where a failing model or limit is set.
    private func position(_ line: Int, _ column: Int) -> String {
        BudgetFileError(path: budgetFileShown, line: line, column: column > 0 ? column : nil, problem: "").description
            .trimmingCharacters(in: .whitespaces)
    }

    private var budgetFileShown: String { (try? budgetPath()) ?? "budget" }

    private func appendStepSummary(_ markdown: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CLIError.badInput("GITHUB_STEP_SUMMARY: cannot write \(path)")
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data((markdown + "\n").utf8))
    }
}
