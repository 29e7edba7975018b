import ArgumentParser
import Counter
import Graph

extension Track: ExpressibleByArgument {}

/// The baseline a score divides by: a track (given, or inferred from the model) or any reference model.
struct ScoringOptions: ParsableArguments {
    @Option(help: "The challenge track whose official baseline to use: wikitext103, imagenet or cifar100 (default: inferred from the model's input).")
    var track: Track?

    @Option(help: "Compare with a reference model of this many parameters instead of a track's baseline.")
    var baseline: Double?

    @Option(help: "The reference model's math operations, with --baseline.")
    var baselineOps: Double?

    func validate() throws {
        if track != nil && baseline != nil { throw ValidationError("give --track or --baseline, not both") }
        if baselineOps != nil && baseline == nil { throw ValidationError("--baseline-ops needs --baseline") }
        // A baseline under one parameter or op makes the score infinite or meaningless.
        if let b = baseline, !(b >= 1 && b <= 1e15) { throw ValidationError("--baseline must be a number from 1 to 1e15 parameters, got \(b)") }
        if let b = baselineOps, !(b >= 1 && b <= 1e18) { throw ValidationError("--baseline-ops must be a number from 1 to 1e18 ops, got \(b)") }
    }

    /// The score of `input`, and one line saying which baseline it divided by and why.
    /// `graph` is the model when there is one (nil for a piped count); an undecidable track is exit 2.
    func score(_ input: ScoreInput, graph: OpGraph?, model: String) throws -> (score: Counter.Score, why: String) {
        if let baseline {
            return (Counter.Score(input, baselineParams: baseline, baselineOps: baselineOps), "given with --baseline")
        }
        if let track { return (Counter.Score(input, track: track), "given with --track") }
        let inferred = graph.map(TrackInference.infer) ?? .failure(.init(reason: "a piped count does not say what the model reads"))
        switch inferred {
        case .success(let inferred):
            return (Counter.Score(input, track: inferred.track), "inferred: the model reads \(TrackInference.describe(inferred.input))")
        case .failure(let undecided):
            throw CLIError.badInput("\(model): cannot tell which track to score against: \(undecided.reason); "
                                    + "give --track wikitext103|imagenet|cifar100, or --baseline PARAMS --baseline-ops OPS")
        }
    }
}
