import ArgumentParser

/// The `micronet` command: counts, scores and verifies MicroNet Challenge entries.
@main
struct Micronet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "micronet",
        abstract: "Score small neural networks under the MicroNet Challenge rules, and prove the score.",
        version: "0.1.0",
        subcommands: [Eval.self]
    )
}
