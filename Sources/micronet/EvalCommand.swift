import ArgumentParser
import Foundation
import ModelImport
import QRNNModel

extension Precision: ExpressibleByArgument {}

/// `micronet eval`: the test perplexity of an awd-lstm-lm QRNN checkpoint, computed as the seed's test.py does.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Verify a QRNN language model's test perplexity from its checkpoint (awd-lstm-lm evaluate()).",
        discussion: """
        The text is tokenised as awd-lstm-lm's data.py does (each line's whitespace-split words plus <eos>), batchified into --batch-size streams and run in chunks of --bptt steps with the QRNN state and the first layer's previous input carried across chunks. The loss is the sum of chunk length x chunk mean, divided by the number of rows (the seed's test.py reports exactly this); perplexity = exp(loss).

        --vocab takes a corpus folder (train.txt, valid.txt, test.txt; words in order of first appearance), the pickled data.Corpus the seed's test.py loads, or a file with one word per line. --precision fp16|bf16 rounds weights and every activation to that format at each op boundary (sums stay float32) and also runs float32, reporting the perplexity change.

        Exit status: 0 ok, 1 when the perplexity exceeds --max-ppl, 2 bad usage or bad input.

        Examples:
          micronet eval WT103.12hr.QRNN.pt --text test.txt --vocab corpus-wikitext-103.vocab-only.data --max-ppl 35
          micronet eval fixtures/qrnn/wt2-qrnn.pt --text fixtures/wikitext-2/test.txt --vocab fixtures/wikitext-2/vocab.txt
          micronet eval model.pt --text test.txt --vocab data/wikitext-103 --threads 2 --precision fp16 --format json
        """)

    /// Output formats.
    enum Format: String, ExpressibleByArgument { case text, json }

    @Argument(help: "awd-lstm-lm QRNN checkpoint: [model, criterion, optimizer], a model, or a state dict.")
    var model: String

    @Option(help: "Text to evaluate (e.g. wikitext-103/test.txt).")
    var text: String

    @Option(help: "Vocabulary: corpus folder, pickled data.Corpus, or one word per line.")
    var vocab: String

    @Option(help: "Steps per chunk (the seed's test.py uses 140).")
    var bptt: Int = 140

    @Option(name: .customLong("batch-size"), help: "Parallel streams the text is batchified into (test: 1).")
    var batchSize: Int = 1

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice).")
    var threads: Int?

    @Option(help: "fp32, fp16 or bf16: round weights and activations to this format at every op.")
    var precision: Precision = .fp32

    @Option(name: .customLong("max-ppl"), help: "Fail (exit 1) when the perplexity is above this.")
    var maxPpl: Double?

    @Option(help: "text or json.")
    var format: Format = .text

    func run() throws {
        try execute()
    }

    private func execute() throws {
        guard bptt >= 1 else { throw CLIError.badInput("--bptt must be at least 1, got \(bptt)") }
        guard batchSize >= 1 else { throw CLIError.badInput("--batch-size must be at least 1, got \(batchSize)") }
        if let t = threads, t < 1 { throw CLIError.badInput("--threads must be at least 1, got \(t)") }
        if let m = maxPpl, !(m > 0) { throw CLIError.badInput("--max-ppl must be positive, got \(m)") }
        if let t = threads { Kernels.setThreads(t) }

        let loadStart = Date()
        let fp32Model = try ModelImport.open(path: model).qrnnLanguageModel()
        let vocabulary = try ModelImport.vocabulary(path: vocab)
        let config = fp32Model.config
        guard vocabulary.count == config.vocabularySize else {
            throw CLIError.badInput("\(vocab): the vocabulary has \(vocabulary.count) words but \(model) has \(config.vocabularySize)")
        }
        let tokens = try vocabulary.encode(try Corpus.read(text), path: text)
        let loadSeconds = Date().timeIntervalSince(loadStart)

        let m = precision == .fp32 ? fp32Model : try QRNNLanguageModel(config: config, weights: fp32Model.weights, precision: precision)
        let (result, seconds) = try timedEvaluation(m, tokens, label: precision.rawValue)
        var baseline: PerplexityResult?
        if precision != .fp32 { baseline = try timedEvaluation(fp32Model, tokens, label: "fp32").0 }

        let passed = maxPpl.map { result.perplexity <= $0 }
        let rate = Double(result.tokens) / max(seconds, 1e-9)
        switch format {
        case .json:
            var fields: [(String, String)] = [
                ("perplexity", json(result.perplexity)), ("loss", json(result.loss)), ("tokens", "\(result.tokens)"),
                ("seconds", json(seconds)), ("tokens_per_second", json(rate)),
                ("max_ppl", maxPpl.map(json) ?? "null"), ("passed", passed.map { "\($0)" } ?? "null"),
                ("bits_per_token", json(result.bitsPerToken)), ("predictions", "\(result.predictions)"),
                ("precision", "\"\(precision.rawValue)\""), ("batch_size", "\(batchSize)"), ("bptt", "\(bptt)"),
            ]
            if let b = baseline {
                fields.append(("fp32_perplexity", json(b.perplexity)))
                fields.append(("perplexity_change", json(result.perplexity / b.perplexity - 1)))
            }
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        case .text:
            let layers = config.windows.count
            let softmax = config.splits.isEmpty ? "full softmax" : "split softmax \(config.splits.map(String.init).joined(separator: "/"))"
            print("model       \(model): V \(config.vocabularySize), E \(config.embeddingSize), H \(config.hiddenSize), "
                  + "\(layers) layers, windows \(config.windows.map(String.init).joined(separator: ",")), \(softmax)")
            print("text        \(text): \(result.tokens) tokens, batch size \(batchSize), bptt \(bptt), \(precision.rawValue)")
            print(String(format: "perplexity  %.4f", result.perplexity))
            print(String(format: "loss        %.6f nats, %.6f bits per token", result.loss, result.bitsPerToken))
            print(String(format: "time        %.2f s (load %.2f s), %.0f tokens/s", seconds, loadSeconds, rate))
            if let b = baseline {
                print(String(format: "vs fp32     %.4f -> %.4f (%+.4f%%)", b.perplexity, result.perplexity,
                             100 * (result.perplexity / b.perplexity - 1)))
            }
            if let mx = maxPpl, let ok = passed {
                print(String(format: "max-ppl     %@: %.4f %@ %g", ok ? "PASSED" : "FAILED", result.perplexity, ok ? "<=" : ">", mx))
            }
        }
        if passed == false { throw ExitCode(1) }
    }

    /// Loads a checkpoint, vocabulary and text and evaluates them as `micronet eval` does (used by `check`).
    static func perplexity(model imported: ImportedModel, text: String, vocab: String, bptt: Int, batchSize: Int,
                           precision: Precision) throws -> PerplexityResult {
        guard bptt >= 1, batchSize >= 1 else { throw CLIError.badInput("bptt and batch size must be at least 1") }
        let model = try imported.qrnnLanguageModel(precision: precision)
        let vocabulary = try ModelImport.vocabulary(path: vocab)
        guard vocabulary.count == model.config.vocabularySize else {
            throw CLIError.badInput("\(vocab): the vocabulary has \(vocabulary.count) words but \(imported.path) has \(model.config.vocabularySize)")
        }
        let tokens = try vocabulary.encode(try Corpus.read(text), path: text)
        return try Perplexity.evaluate(model: model, tokens: tokens, batchSize: batchSize, bptt: bptt)
    }

    private func timedEvaluation(_ m: QRNNLanguageModel, _ tokens: [Int32], label: String) throws -> (PerplexityResult, Double) {
        let bar = ProgressBar()
        let start = Date()
        let result = try Perplexity.evaluate(model: m, tokens: tokens, batchSize: batchSize, bptt: bptt) { p in
            bar.update(done: p.stepsDone * batchSize, total: p.totalSteps * batchSize, unit: "tokens",
                       extra: String(format: "%@ ppl %.2f", label, p.runningPerplexity))
        }
        bar.finish()
        return (result, Date().timeIntervalSince(start))
    }

    private func json(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
}
