import ArgumentParser
import Counter
import Graph

extension Track: ExpressibleByArgument {}

/// The baseline a score divides by: a track (given, or inferred from the model) or any reference model.
struct ScoringOptions: ParsableArguments {
    @Option(help: "The challenge track whose official baseline to use: wikitext103, imagenet or cifar100 (default: inferred from the model's input).")
    var track: Track?

    @Option(parsing: .unconditional, help: "Compare with a reference model of this many parameters instead of a track's baseline.")
    var baseline: Double?

    @Option(parsing: .unconditional, help: "The reference model's math operations, with --baseline.")
    var baselineOps: Double?

    func validate() throws {
        if track != nil && baseline != nil { throw ValidationError("give --track or --baseline, not both") }
        if baselineOps != nil && baseline == nil { throw ValidationError("--baseline-ops needs --baseline") }
        // The library's range check, shared with budgets and piped counts.
        do {
            if let b = baseline { try checkBaseline(b, name: "--baseline") }
            if let b = baselineOps { try checkBaseline(b, name: "--baseline-ops") }
        } catch { throw ValidationError("\(error)") }
    }

    /// The score of `input`, and one line saying which baseline it divided by and why.
    /// `modelInput` is what the model reads (from its graph, or a piped count's `input`); an undecidable track is exit 2.
    func score(_ input: ScoreInput, modelInput: ModelInput?, model: String) throws -> (score: Counter.Score, why: String) {
        if let baseline {
            return (Counter.Score(input, baselineParams: baseline, baselineOps: baselineOps), "given with --baseline")
        }
        if let track { return (Counter.Score(input, track: track), "given with --track") }
        let inferred = TrackInference.infer(modelInput)
        switch inferred {
        case .success(let inferred):
            return (Counter.Score(input, track: inferred.track), "inferred: the model reads \(TrackInference.describe(inferred.input))")
        case .failure(let undecided):
            throw CLIError.badInput("\(model): cannot tell which track to score against: \(undecided.reason); "
                                    + "give --track or --baseline (--track wikitext103|imagenet|cifar100, or --baseline PARAMS --baseline-ops OPS)")
        }
    }
}
