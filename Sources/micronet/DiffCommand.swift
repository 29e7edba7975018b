import ArgumentParser
import Counter
import Foundation
import Graph
import ModelImport
import Report

/// `micronet diff A B`: what changed between two models, as a reviewer of a pull request wants to see it.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two models (files or presets): totals, and per-block and per-op changes in params, mults, adds and score.",
        discussion: """
        Both models are counted under the same settings (the freebie, --input-bits 16, as `score` does) and scored against the same baseline: the track inferred from A's input (B must agree), or --track / --baseline. Rows match by name as `count` prints them; an op only in B is 'added', only in A 'removed'. The table shows what changed (--all: every row); --format json has every row with both sides and B − A.

        Examples:
          micronet diff qrnn-wt103-default qrnn-wt103
          micronet diff old.json new.json --format json
          micronet diff model.pt pruned.pt --all
        """
    )

    @Argument(help: "The model before: a graph file, a checkpoint or a preset.")
    var a: String

    @Argument(help: "The model after.")
    var b: String

    @OptionGroup var counting: CountingOptions
    @OptionGroup var scoring: ScoringOptions

    @Flag(help: "Show unchanged rows too.")
    var all = false

    @Option(help: "table or json.")
    var format: OutputFormat = .table

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func run() throws {
        let asked = counting.settings(defaultInputBits: 16)
        // Through ModelImport like count and score, so checkpoints and ONNX files diff too.
        let sparsity = SparsityPolicy(paramBits: asked.paramBits, measure: counting.sparsity == nil)
        let left = try ModelImport.resolve(model: a, convention: counting.convention, sparsity: sparsity)
        let right = try ModelImport.resolve(model: b, convention: counting.convention, sparsity: sparsity)
        // Each side claims the freebie unless its own ops are quantized below 16 bits (count's and score's rule).
        let (leftSettings, leftNote) = asked.applyingFreebieRule(to: left.graph)
        let (rightSettings, rightNote) = asked.applyingFreebieRule(to: right.graph)
        for note in [leftNote.map { "\(a): \($0)" }, rightNote.map { "\(b): \($0)" }].compactMap({ $0 }) {
            printError("micronet: note: \(note)")
        }
        let leftCounter = MicroNetCounter(graph: left.graph), rightCounter = MicroNetCounter(graph: right.graph)
        let leftReport = leftCounter.count(settings: leftSettings), rightReport = rightCounter.count(settings: rightSettings)
        // One baseline for both sides, so that their scores compare.
        let (leftScore, _) = try scoring.score(ScoreInput(leftReport), modelInput: TrackInference.input(of: left.graph), model: a)
        // Both sides must read what the track inferred from A reads: the check runs the same either way round.
        if scoring.track == nil && scoring.baseline == nil, let track = leftScore.track {
            switch TrackInference.infer(right.graph) {
            case .success(let other) where other.track != track:
                throw CLIError.badInput("\(a) is scored on \(track.rawValue) but \(b) on \(other.track.rawValue) (it reads "
                                        + "\(TrackInference.describe(other.input))); give --track or --baseline to compare them")
            case .failure(let undecided):
                throw CLIError.badInput("\(b): cannot tell which track to score against: \(undecided.reason); \(a) is scored on "
                                        + "\(track.rawValue): give --track or --baseline to compare them")
            default:
                break
            }
        }
        let baseline = ScoringOptions(track: leftScore.track, baseline: leftScore.track == nil ? leftScore.baselineParams : nil,
                                      baselineOps: leftScore.track == nil ? leftScore.baselineOps : nil)
        let (rightScore, _) = try baseline.score(ScoreInput(rightReport), modelInput: TrackInference.input(of: right.graph), model: b)
        let diff = ModelDiff(
            a: DiffSide(name: left.name, report: leftReport, opReport: leftCounter.count(settings: leftSettings, summarizeBlocks: false), score: leftScore),
            b: DiffSide(name: right.name, report: rightReport, opReport: rightCounter.count(settings: rightSettings, summarizeBlocks: false), score: rightScore))
        switch format {
        case .json: print(diff.json().serialized())
        case .table:
            print(diff.table(showAll: all), terminator: "")
            if !counting.givesBits {
                let effects = [counting.freebieEffect(on: left.graph), counting.freebieEffect(on: right.graph)]
                print("defaults: " + DefaultSettings.reportNote(effects.contains(.changes) ? .changes : effects[0]))
            }
        }
    }
}

extension ScoringOptions {
    /// Options naming a baseline directly (for scoring a second model against the first one's).
    init(track: Track?, baseline: Double?, baselineOps: Double?) {
        self.init()
        self.track = track
        self.baseline = baseline
        self.baselineOps = baselineOps
    }
}
