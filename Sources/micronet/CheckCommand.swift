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
        The budget file (YAML or JSON; default micronet.budget.yml, .yaml or .json here) lists models — presets, graph files or checkpoints — with counting settings and limits on params, params_mbytes, mults, adds, mults_m, adds_m, mflops, score and perplexity, each a number or {max, tolerance}. Each figure is compared with its limit and with the figures last accepted by --update, kept in <budget>.lock.json beside the budget file. Schema and a GitHub Actions job: see the README.

        Exit status: 0 all limits hold, 1 a limit is exceeded, 2 bad input (a missing model file, an unknown field, a malformed limit). With GITHUB_STEP_SUMMARY set, the Markdown table is appended to it.

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

    @Flag(help: "Record the measured figures as the accepted ones (writes the lock file atomically).")
    var update = false

    @Flag(help: "Also run perplexity limits (evaluates the model on its test text; slower).")
    var withEval = false

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
        if update {
            var figures = accepted?.figures ?? [:]
            for (name, values) in measured {
                figures[name, default: [:]].merge(values.map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { _, new in new })
            }
            try BudgetLock(figures: figures).write(path: lockPath, order: budget)
            printError("micronet: accepted figures written to \(lockPath)")
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
            // The one place that adds context: which budget entry the file belongs to.
            throw CLIError.badInput("\(model.name): \(error.description)")
        }
        let report = MicroNetCounter(graph: resolved.graph).count(settings: model.settings)
        var figures = BudgetCheck.figures(report)
        for limit in model.limits {
            switch limit.metric {
            case .score:
                figures[.score] = BudgetCheck.score(report, limit: limit)
            case .perplexity:
                if withEval, let spec = limit.evaluation {
                    figures[.perplexity] = try measurePerplexity(model: model, resolved: resolved, spec: spec)
                }
            default:
                break
            }
        }
        return figures
    }

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
