import ArgumentParser
import BLASRuntime

/// The `micronet` command: counts, scores and verifies MicroNet Challenge entries.
@main
struct Micronet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "micronet",
        abstract: "Score small neural networks under the MicroNet Challenge rules, and prove the score.",
        discussion: """
        Models are presets (built in), graph files (JSON op lists) or PyTorch checkpoints.

        Examples:
          # the seed QRNN entry's table under the 16-bit freebie
          micronet count --input-bits 16
          # its challenge score on WikiText-103 (0.8232)
          micronet score
          micronet graph --preset qrnn-wt103 > m.json && micronet count m.json --input-bits 16
          # one page to open in a browser; what changed between two models
          micronet report qrnn-wt103 -o seed.html
          micronet diff qrnn-wt103-default qrnn-wt103
        """,
        version: "0.1.0",
        subcommands: [Count.self, Score.self, ReportCommand.self, DiffCommand.self, GraphCommand.self, Inspect.self, Eval.self, Check.self]
    )

    static func main() {
        // OpenBLAS chose its kernels and idle-thread spin when it loaded; a command that runs GEMMs re-runs
        // once if this CPU deserves better kernels, or to let idle BLAS threads sleep between GEMMs.
        if runsGEMMs(CommandLine.arguments) { BLASRuntime.rerunWithBetterKernelsIfNeeded() }
        runMain(Micronet.self)
    }

    /// Whether these arguments run a model (`eval`, `check --with-eval`); counting never calls BLAS.
    static func runsGEMMs(_ arguments: [String]) -> Bool {
        guard arguments.count > 1 else { return false }
        return arguments[1] == "eval" || (arguments[1] == "check" && arguments.contains("--with-eval"))
    }
}
