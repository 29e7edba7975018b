import ArgumentParser
import Counter
import Foundation
import Graph
import Report

/// `micronet report`: one self-contained HTML page about a model, to open in any browser offline.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page: count table, charts, score against the baseline and the leaderboard, bits and sparsity per op.",
        discussion: """
        The page has no scripts and fetches nothing (inline CSS and SVG), so it opens offline and can be attached to a pull request or a CI run. It holds the count table as `count` prints it, bar charts of params and ops per block and per op, the score broken down against its track's baseline and against the challenge's final leaderboard for that track, and the bits and sparsity every op is counted with.

        Bits default to the freebie (--input-bits 16), as `score` does; the page states its settings. The track is inferred from the model's input as `score` infers it; give --track or --baseline otherwise.

        Examples:
          # the seed entry
          micronet report qrnn-wt103 -o seed.html
          micronet report model.pt --input-bits 8 -o model.html
          # the chart alone
          micronet count model.json --format svg > chart.svg
        """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var counting: CountingOptions
    @OptionGroup var scoring: ScoringOptions

    @Option(name: [.short, .customLong("output")], help: "Where to write the page ('-' for standard output).")
    var output: String = "report.html"

    func run() throws {
        let asked = counting.settings(defaultInputBits: 16)
        let resolved = try model.resolve(convention: counting.convention, paramBits: asked.paramBits,
                                         globalSparsity: counting.sparsity != nil)
        // The same freebie rule as count and score: refused when an op is quantized below 16 bits.
        let (settings, freebieNote) = asked.applyingFreebieRule(to: resolved.graph)
        let counter = MicroNetCounter(graph: resolved.graph)
        let report = counter.count(settings: settings)
        let (score, _) = try scoring.score(ScoreInput(report), modelInput: TrackInference.input(of: resolved.graph), model: resolved.name)
        let page = HTMLReport(modelName: resolved.name, report: report, opReport: counter.count(settings: settings, summarizeBlocks: false),
                              graph: resolved.graph, score: score, notes: resolved.notes + [freebieNote].compactMap { $0 },
                              defaultsNote: counting.givesBits ? nil : DefaultSettings.reportNote(counting.freebieEffect(on: resolved.graph))).html()
        if output == "-" {
            print(page, terminator: "")
            return
        }
        do {
            try Data(page.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CLIError.badInput("\(output): cannot write the report (\(error.localizedDescription))")
        }
        printError("micronet: wrote \(output) (\(page.utf8.count / 1024 + 1) KB): total \(grouped(report.total.params, decimals: 3)) parameters, "
                   + "\(f3(report.totalScaled.paramsMBytes)) MB, \(f3(report.totalScaled.mflops)) MFLOPS"
                   + (score.score.map { ", score \(String(format: "%.4f", $0))" } ?? ""))
    }
}
