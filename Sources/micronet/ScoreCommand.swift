import ArgumentParser
import Counter
import Foundation
import Graph
import ModelImport

extension Track: ExpressibleByArgument {}

/// `micronet score`: the challenge score against a track's baseline or any reference model.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a model: params/baseline_params + ops/baseline_ops, in 32-bit equivalents.",
        discussion: """
        The model is a preset, a graph file or a checkpoint, or a count piped in as JSON. With no model and nothing piped, scores the seed entry (0.8232 on WikiText-103). Bits default to the freebie (--input-bits 16), which every unquantized entry may claim.

        Baselines: wikitext103 159M params / 318M ops (perplexity ≤ 35); imagenet 6.9M / 1170M (MobileNetV2 ×1.4, top-1 ≥ 75%); cifar100 36.5M / 10.49B (WideResNet-28-10, top-1 ≥ 80%).

        Examples:
          # the seed: 0.8232
          micronet score
          # against the default QRNN's 153,886,638 parameters
          micronet score --baseline 153886638
          micronet count m.json --format json | micronet score --track imagenet
        """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup var counting: CountingOptions

    @Option(help: "The challenge track whose official baseline to use (default wikitext103).")
    var track: Track?

    @Option(help: "Compare with a reference model of this many parameters instead of a track's baseline.")
    var baseline: Double?

    @Option(help: "The reference model's math operations, with --baseline.")
    var baselineOps: Double?

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if track != nil && baseline != nil { throw ValidationError("give --track or --baseline, not both") }
        if baselineOps != nil && baseline == nil { throw ValidationError("--baseline-ops needs --baseline") }
        // A baseline is a count of parameters or operations: below one, the score's ratios explode.
        if let b = baseline, !(b.isFinite && b >= 1) { throw ValidationError("--baseline must be a finite number of at least 1, got \(b)") }
        if let b = baselineOps, !(b.isFinite && b >= 1) {
            throw ValidationError("--baseline-ops must be a finite number of at least 1, got \(b)")
        }
    }

    func run() throws {
        let (name, input) = try scoreInput()
        let score = baseline.map { Counter.Score(input, baselineParams: $0, baselineOps: baselineOps) }
            ?? Counter.Score(input, track: track ?? .wikitext103)
        print(format == .json ? Self.json(score).serialized() : Self.text(score, model: name))
    }

    /// The totals to score: piped count JSON, or a fresh count of the named (or default) model.
    private func scoreInput() throws -> (String, ScoreInput) {
        if !model.isGiven, let piped = try readPipedStandardInput() {
            return ("(count from standard input)", try Self.parseCount(piped))
        }
        let settings = counting.settings(defaultInputBits: 16)
        let resolved = try model.resolve(convention: counting.convention, paramBits: settings.paramBits,
                                         globalSparsity: counting.sparsity != nil)
        let report = MicroNetCounter(graph: resolved.graph).count(settings: settings)
        return (resolved.name, ScoreInput(report))
    }

    /// Reads standard input when it is a pipe or a file with something in it; never waits on a terminal.
    private func readPipedStandardInput() throws -> Data? {
        var info = stat()
        guard fstat(0, &info) == 0 else { return nil }
        let mode = info.st_mode & S_IFMT
        guard mode == S_IFIFO || mode == S_IFREG else { return nil }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        return data.allSatisfy({ [0x20, 0x0a, 0x0d, 0x09].contains($0) }) ? nil : data
    }

    /// The totals of a `micronet count --format json` document.
    static func parseCount(_ data: Data) throws -> ScoreInput {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw CLIError.badInput("standard input: not a count JSON (\(error))")
        }
        guard let total = json["total"], let bits = total["param_bits"]?.doubleValue, let mults = total["mults_m"]?.doubleValue,
              let adds = total["adds_m"]?.doubleValue, let params = total["params"]?.doubleValue else {
            throw CLIError.badInput("standard input: a count JSON needs total.param_bits, mults_m, adds_m and params (from 'micronet count --format json')")
        }
        return ScoreInput(paramBits: bits, multsM: mults, addsM: adds, params: params)
    }

    static func json(_ s: Counter.Score) -> JSONValue {
        .object([("score", s.score.map(JSONValue.number) ?? .null), ("params_term", .number(s.paramsTerm)),
                 ("ops_term", s.opsTerm.map(JSONValue.number) ?? .null), ("params_ratio", .number(s.paramsRatio)),
                 ("baseline_params", .number(s.baselineParams)), ("baseline_ops", s.baselineOps.map(JSONValue.number) ?? .null),
                 ("track", s.track.map { .string($0.rawValue) } ?? .null)])
    }

    static func text(_ s: Counter.Score, model: String) -> String {
        let i = s.input
        var lines = ["model:        \(model)"]
        if let track = s.track {
            lines.append("baseline:     \(track.rawValue): \(grouped(track.baselineParams)) parameters, \(grouped(track.baselineOps)) ops; qualifies at \(track.qualityBar)")
        } else {
            lines.append("baseline:     \(grouped(s.baselineParams)) parameters" + (s.baselineOps.map { ", \(grouped($0)) ops" } ?? ""))
        }
        let fewer = (1 - s.paramsRatio) * 100
        lines.append("parameters:   \(grouped(i.params)) = \(String(format: "%.4f", s.paramsRatio)) of the baseline's ("
                     + (fewer >= 0 ? String(format: "%.1f%% fewer", fewer) : String(format: "%.1f%% more", -fewer)) + ")")
        lines.append("params term:  \(String(format: "%.4f", s.paramsTerm))  (\(grouped(i.equivalentParams)) 32-bit-equivalent parameters / \(grouped(s.baselineParams)))")
        if let ops = s.opsTerm, let baseOps = s.baselineOps {
            lines.append("ops term:     \(String(format: "%.4f", ops))  (\(grouped(i.equivalentOps)) 32-bit-equivalent ops / \(grouped(baseOps)))")
        } else {
            lines.append("ops term:     unknown (give --baseline-ops)")
        }
        if let score = s.score {
            lines.append("score:        \(String(format: "%.4f", score))  (lower is better)")
        }
        return lines.joined(separator: "\n")
    }
}

