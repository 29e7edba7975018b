import ArgumentParser
import Counter
import Foundation
import Graph
import ModelImport

/// `micronet score`: the challenge score against a track's baseline or any reference model.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a model: params/baseline_params + ops/baseline_ops, in 32-bit equivalents.",
        discussion: """
        The model is a preset, a graph file or a checkpoint, or a count piped in as JSON. With no model and nothing piped, scores the seed entry (0.8232 on WikiText-103). Bits default to the freebie (--input-bits 16), which every unquantized entry may claim; count defaults to 32 bits, and both print the settings they used.

        The track is inferred from the model's input: a vocabulary of 267,735 tokens is wikitext103, a 224×224×3 image imagenet, a 32×32×3 image cifar100. Otherwise (or for a piped count without `input`) give --track or --baseline; the output always says which baseline it divided by.

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

    @OptionGroup var scoring: ScoringOptions

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func run() throws {
        let scored = try scoreInput()
        let (score, why) = try scoring.score(scored.input, modelInput: scored.modelInput, model: scored.name)
        if format == .json {
            print(Self.json(score, note: scored.note).serialized())
            return
        }
        var lines = [Self.text(score, model: scored.name, why: why, note: scored.note)]
        if let settings = scored.settings { lines.append("settings:     \(settings)") }
        if let effect = scored.defaults { lines.append("defaults:     \(DefaultSettings.scoreNote(effect))") }
        print(lines.joined(separator: "\n"))
    }

    /// The totals to score: piped count JSON, or a fresh count of the named (or default) model; with what the
    /// model reads (for the track), its settings line, and the freebie note if the freebie was refused.
    private func scoreInput() throws -> (name: String, input: ScoreInput, modelInput: ModelInput?, settings: String?,
                                         defaults: FreebieEffect?, note: String?) {
        if !model.isGiven, let piped = try readPipedStandardInput() {
            let (input, modelInput, settings) = try Self.parseCount(piped)
            return ("(count from standard input)", input, modelInput, settings, nil, nil)
        }
        let asked = counting.settings(defaultInputBits: 16)
        let resolved = try model.resolve(convention: counting.convention, paramBits: asked.paramBits,
                                         globalSparsity: counting.sparsity != nil)
        // The freebie is a property of the model: refused when an op is quantized below 16 bits.
        let (settings, note) = asked.applyingFreebieRule(to: resolved.graph)
        let report = MicroNetCounter(graph: resolved.graph).count(settings: settings)
        return (resolved.name, ScoreInput(report), TrackInference.input(of: resolved.graph), report.settingsLine,
                counting.givesBits ? nil : counting.freebieEffect(on: resolved.graph), note)
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

    /// The totals of a `micronet count --format json` document, the model's input when it says, and its
    /// settings line when it has one.
    static func parseCount(_ data: Data) throws -> (ScoreInput, ModelInput?, String?) {
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw CLIError.badInput("standard input: not a count JSON (\(error))")
        }
        do {
            let modelInput = try json["input"].map { try ModelInput(json: $0, source: "standard input") }
            return (try ScoreInput(countJSON: json), modelInput, settingsLine(json["settings"]))
        } catch let error as ScoreInputError {
            throw CLIError.badInput("standard input: \(error)")
        } catch let error as GraphFileError {
            throw CLIError.badInput(error.description)
        }
    }

    /// The settings line of a piped count, written as `count` writes it (the count of an empty graph
    /// under those settings gives the very same line).
    private static func settingsLine(_ json: JSONValue?) -> String? {
        guard let json, let p = json["param_bits"]?.doubleValue, let i = json["input_bits"]?.doubleValue,
              let a = json["accumulator_bits"]?.doubleValue, let ab = json["add_bits_base"]?.doubleValue,
              let mb = json["mul_bits_base"]?.doubleValue, let s = json["sparsity"]?.doubleValue,
              case .string(let c)? = json["convention"], let convention = CountingConvention(rawValue: c) else { return nil }
        let settings = CountSettings(paramBits: p, inputBits: i, accumulatorBits: a, addBitsBase: ab, mulBitsBase: mb,
                                     sparsity: s, convention: convention)
        return MicroNetCounter(graph: OpGraph(entries: [])).count(settings: settings).settingsLine
    }

    static func json(_ s: Counter.Score, note: String? = nil) -> JSONValue {
        .object((note.map { [("note", JSONValue.string($0))] } ?? []) + [("score", s.score.map(JSONValue.number) ?? .null), ("params_term", .number(s.paramsTerm)),
                 ("ops_term", s.opsTerm.map(JSONValue.number) ?? .null), ("params_ratio", .number(s.paramsRatio)),
                 ("baseline_params", .number(s.baselineParams)), ("baseline_ops", s.baselineOps.map(JSONValue.number) ?? .null),
                 ("track", s.track.map { .string($0.rawValue) } ?? .null)])
    }

    static func text(_ s: Counter.Score, model: String, why: String, note: String? = nil) -> String {
        let i = s.input
        var lines = ["model:        \(model)"]
        if let note { lines.append("note:         \(note)") }
        if let track = s.track {
            lines.append("track:        \(track.rawValue) (\(why))")
            lines.append("baseline:     \(track.rawValue): \(grouped(track.baselineParams)) parameters, \(grouped(track.baselineOps)) ops; qualifies at \(track.qualityBar)")
        } else {
            lines.append("baseline:     \(grouped(s.baselineParams)) parameters" + (s.baselineOps.map { ", \(grouped($0)) ops" } ?? "") + " (\(why))")
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

