import ArgumentParser
import Counter
import Graph
import ModelImport

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
          # also count output gates, bias adds, softmax
          micronet count --input-bits 16 --convention full
          # score a count
          micronet count --format json | micronet score
        """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var counting: CountingOptions

    @Flag(inversion: .prefixedNo, help: "One row per block (the reference's default), or each op of a block first.")
    var summarizeBlocks = true

    @Option(help: "table (the reference's layout), json, markdown or csv.")
    var format: ReportFormat = .table

    func run() throws {
        let settings = counting.settings()
        let resolved = try model.resolve(convention: counting.convention, paramBits: settings.paramBits,
                                         globalSparsity: counting.sparsity != nil)
        let report = MicroNetCounter(graph: resolved.graph)
            .count(settings: settings, summarizeBlocks: summarizeBlocks)
        print(report.rendered(as: format), terminator: "")
        if format == .table || format == .markdown {
            for note in resolved.notes { print(note) }
        }
    }
}
