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
        do {
            if let b = baseline { try checkBaseline(b, name: "--baseline") }
            if let b = baselineOps { try checkBaseline(b, name: "--baseline-ops") }
        } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let (name, input, modelInput, note) = try scoreInput()
        let score: Counter.Score
        if let baseline {
            score = Counter.Score(input, baselineParams: baseline, baselineOps: baselineOps)
        } else {
            score = Counter.Score(input, track: try track ?? Self.inferredTrack(modelInput))
        }
        print(format == .json ? Self.json(score, note: note).serialized() : Self.text(score, model: name, note: note))
    }

    /// The track the model's input implies; wikitext103 when the model does not say what it reads.
    private static func inferredTrack(_ input: ModelInput?) throws -> Track {
        guard let input else { return .wikitext103 }
        guard let track = Track(inferredFrom: input) else {
            throw CLIError.badInput("the model's input (\(input.json.serialized(pretty: false))) is no challenge track's; give --track or --baseline")
        }
        return track
    }

    /// The totals to score: piped count JSON, or a fresh count of the named (or default) model; with its input and
    /// the freebie note, if the freebie was refused.
    private func scoreInput() throws -> (String, ScoreInput, ModelInput?, String?) {
        if !model.isGiven, let piped = try readPipedStandardInput() {
            let (input, modelInput) = try Self.parseCount(piped)
            return ("(count from standard input)", input, modelInput, nil)
        }
        let asked = counting.settings(defaultInputBits: 16)
        let resolved = try model.resolve(convention: counting.convention, paramBits: asked.paramBits,
                                         globalSparsity: counting.sparsity != nil)
        // The freebie is a property of the model: refused when an op is quantized below 16 bits.
        let (settings, note) = asked.applyingFreebieRule(to: resolved.graph)
        let report = MicroNetCounter(graph: resolved.graph).count(settings: settings)
        return (resolved.name, ScoreInput(report), resolved.graph.input, note)
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

    /// The totals of a `micronet count --format json` document, and the model's input when it says.
    static func parseCount(_ data: Data) throws -> (ScoreInput, ModelInput?) {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw CLIError.badInput("standard input: not a count JSON (\(error))")
        }
        do {
            let modelInput = try json["input"].map { try ModelInput(json: $0, source: "standard input") }
            return (try ScoreInput(countJSON: json), modelInput)
        } catch let error as ScoreInputError {
            throw CLIError.badInput("standard input: \(error)")
        } catch let error as GraphFileError {
            throw CLIError.badInput(error.description)
        }
    }

    static func json(_ s: Counter.Score, note: String? = nil) -> JSONValue {
        .object((note.map { [("note", JSONValue.string($0))] } ?? []) + [("score", s.score.map(JSONValue.number) ?? .null), ("params_term", .number(s.paramsTerm)),
                 ("ops_term", s.opsTerm.map(JSONValue.number) ?? .null), ("params_ratio", .number(s.paramsRatio)),
                 ("baseline_params", .number(s.baselineParams)), ("baseline_ops", s.baselineOps.map(JSONValue.number) ?? .null),
                 ("track", s.track.map { .string($0.rawValue) } ?? .null)])
    }

    static func text(_ s: Counter.Score, model: String, note: String? = nil) -> String {
        let i = s.input
        var lines = ["model:        \(model)"]
        if let note { lines.append("note:         \(note)") }
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

