import ArgumentParser
import Counter
import Graph
import ModelImport
import Report

/// `micronet count`: parameters, multiplications and additions per op and per block.
struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count a model's parameters, multiplications and additions as the reference counter does.",
        discussion: """
        With no model, counts the seed entry (preset qrnn-wt103). Bits default to 32; '--input-bits 16' alone is the challenge's freebie for unquantized entries (16-bit parameters and multiplications, 32-bit additions), the settings the seed's table uses.

        Examples:
          # the seed's table: 209.811 MB, 156.857 MFLOPS
          micronet count --input-bits 16
          micronet count --preset qrnn-lm --nhid 2000 --input-bits 16
          micronet count model.json --sparsity 0.5 --no-summarize-blocks
          # an exported CNN; its input's height and width when they are symbolic
          micronet count resnet.onnx --input-bits 16 --input-shape 1x3x224x224
          # also count output gates, bias adds, softmax
          micronet count --input-bits 16 --convention full
          # score a count (its JSON says what the model reads, so the track is inferred)
          micronet count --format json | micronet score
        """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var counting: CountingOptions

    @Flag(inversion: .prefixedNo, help: "One row per block (the reference's default), or each op of a block first.")
    var summarizeBlocks = true

    @Option(help: "table (the reference's layout), json, markdown, csv, or svg (a bar chart of params and ops per block and per op).")
    var format: CountFormat = .table

    /// The count's formats plus the chart, which the Report module draws.
    enum CountFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, markdown, csv, svg
    }

    func run() throws {
        let asked = counting.settings()
        let resolved = try model.resolve(convention: counting.convention, paramBits: asked.paramBits,
                                         globalSparsity: counting.sparsity != nil)
        let (settings, freebieNote) = asked.applyingFreebieRule(to: resolved.graph)
        let counter = MicroNetCounter(graph: resolved.graph)
        let report = counter.count(settings: settings, summarizeBlocks: summarizeBlocks)
        guard let format = ReportFormat(rawValue: self.format.rawValue) else {
            let chart = BarChart(report: counter.count(settings: settings), opReport: counter.count(settings: settings, summarizeBlocks: false),
                                 title: resolved.name)
            print(#"<?xml version="1.0" encoding="UTF-8"?>"#)
            print(chart.svg(), terminator: "")
            if let freebieNote { printError("micronet: note: \(freebieNote)") }
            return
        }
        print(report.rendered(as: format), terminator: "")
        if format == .table || format == .markdown {
            for note in resolved.notes + [freebieNote].compactMap({ $0 }) { print(note) }
            if !counting.givesBits {
                print((format == .table ? "defaults:   " : "") + DefaultSettings.countNote(counting.freebieEffect(on: resolved.graph)))
            }
        } else if let freebieNote {
            printError("micronet: note: \(freebieNote)")
        }
    }
}
