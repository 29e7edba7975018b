import ArgumentParser
import BLASRuntime
import Foundation
import Graph
import LanguageModel
import LSTMModel
import ModelImport
import QRNNModel

extension Precision: ExpressibleByArgument {}

/// `micronet eval`: the test perplexity of an awd-lstm-lm QRNN, LSTM or GRU checkpoint, computed as awd-lstm-lm's evaluate() does.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Verify a QRNN, LSTM or GRU language model's test perplexity from its checkpoint (awd-lstm-lm evaluate()).",
        discussion: """
        The text is tokenised as awd-lstm-lm's data.py does (each line's whitespace-split words plus <eos>), batchified into --batch-size streams and run in chunks of --bptt steps with the recurrent state carried across chunks (QRNN: cell states and the first layer's previous input; LSTM: h and c of every layer; GRU: h of every layer; WeightDrop's raw weight is used as is). The loss is the sum of chunk length x chunk mean, divided by the number of rows (the seed's test.py reports exactly this), accumulated in float64; perplexity = exp(loss). NaN or infinite weights, or a loss that is not finite, are an error.

        --vocab takes a corpus folder (train.txt, valid.txt, test.txt; words in order of first appearance), the pickled data.Corpus the seed's test.py loads, or a file with one word per line. --precision fp16|bf16 rounds weights and every activation to that format at each op boundary (sums stay float32) and also runs float32, reporting the perplexity change.

        Exit status: 0 ok, 1 when the perplexity exceeds --max-ppl, 2 bad usage or bad input.

        Examples:
          micronet eval WT103.12hr.QRNN.pt --text test.txt --vocab corpus-wikitext-103.vocab-only.data --max-ppl 35
          micronet eval fixtures/qrnn/wt2-qrnn.pt --text fixtures/wikitext-2/test.txt --vocab fixtures/wikitext-2/vocab.txt
          micronet eval fixtures/lstm/wdrop-split-legacy.pt --text fixtures/lstm/corpus/test.txt --vocab fixtures/lstm/vocab.txt --batch-size 5 --bptt 20
          micronet eval model.pt --text test.txt --vocab data/wikitext-103 --threads 2 --precision fp16 --format json
        """)

    /// Output formats.
    enum Format: String, ExpressibleByArgument { case text, json }

    @Argument(help: "awd-lstm-lm QRNN, LSTM or GRU checkpoint: [model, criterion, optimizer], a model, or a state dict.")
    var model: String

    @Option(help: "Text to evaluate (e.g. wikitext-103/test.txt).")
    var text: String

    @Option(help: "Vocabulary: corpus folder, pickled data.Corpus, or one word per line.")
    var vocab: String

    @Option(parsing: .unconditional, help: "Steps per chunk (the seed's test.py uses 140).")
    var bptt: Int = 140

    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Parallel streams the text is batchified into (test: 1).")
    var batchSize: Int = 1

    @Option(parsing: .unconditional, help: "Threads for GEMMs and the loops beside them (default: every core this process may use).")
    var threads: Int?

    @Flag(help: "Also print the BLAS kernels, the thread count, and why they were chosen.")
    var verbose = false

    @Option(help: "fp32, fp16 or bf16: round weights and activations to this format at every op.")
    var precision: Precision = .fp32

    @Option(name: .customLong("max-ppl"), parsing: .unconditional, help: "Fail (exit 1) when the perplexity is above this.")
    var maxPpl: Double?

    @Option(help: "text or json.")
    var format: Format = .text

    func run() throws {
        try execute()
    }

    private func execute() throws {
        try Eval.checkRanges(bptt: bptt, batchSize: batchSize)
        if let t = threads, !(1...1024).contains(t) { throw CLIError.badInput("--threads must be an integer from 1 to 1024, got \(t)") }
        if let m = maxPpl, !(m > 0) { throw CLIError.badInput("--max-ppl must be positive, got \(m)") }
        let threadsUsed = BLASRuntime.setThreads(threads)
        let blas = BLASRuntime.status()

        let loadStart = Date()
        let loaded = try Eval.loadModel(ModelImport.open(path: model))
        let vocabulary = try ModelImport.vocabulary(path: vocab)
        guard vocabulary.count == loaded.vocabularySize else {
            throw CLIError.badInput("\(vocab): the vocabulary has \(vocabulary.count) words but \(model) has \(loaded.vocabularySize)")
        }
        let tokens = try vocabulary.encode(try Corpus.read(text), path: text)
        let loadSeconds = Date().timeIntervalSince(loadStart)

        let (result, seconds) = try timedEvaluation(loaded, precision, tokens)
        var baseline: PerplexityResult?
        if precision != .fp32 { baseline = try timedEvaluation(loaded, .fp32, tokens).0 }

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
                ("architecture", "\"\(loaded.architecture)\""),
                ("blas_core", JSONValue.string(blas.core).serialized(pretty: false)), ("blas_core_reason", JSONValue.string(blas.reason).serialized(pretty: false)), ("threads", "\(threadsUsed)"),
            ]
            if let b = baseline {
                fields.append(("fp32_perplexity", json(b.perplexity)))
                fields.append(("perplexity_change", json(result.perplexity / b.perplexity - 1)))
            }
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        case .text:
            print("model       \(model): \(loaded.summary)")
            print("text        \(text): \(result.tokens) tokens, batch size \(batchSize), bptt \(bptt), \(precision.rawValue)")
            print(String(format: "perplexity  %.4f", result.perplexity))
            print(String(format: "loss        %.6f nats, %.6f bits per token", result.loss, result.bitsPerToken))
            print(String(format: "time        %.2f s (load %.2f s), %.0f tokens/s", seconds, loadSeconds, rate))
            if verbose {
                print("threads     \(threadsUsed) (\(threads == nil ? "every core this process may use" : "--threads"))")
                print("blas        OpenBLAS \(blas.core): \(blas.reason)")
                print("blas idle   \(blas.idleThreads)")
                if loaded.architecture != "qrnn" && batchSize == 1 {
                    print("gemv        \(GEMVKernel.best) (the recurrent products at batch size 1; cpuid)")
                }
            }
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

    /// Range checks of --bptt and --batch-size (and their product), with the ranges in the message.
    static func checkRanges(bptt: Int, batchSize: Int) throws {
        guard (1...Perplexity.maxBptt).contains(bptt) else {
            throw CLIError.badInput("--bptt must be an integer from 1 to \(Perplexity.maxBptt), got \(bptt)")
        }
        guard (1...Perplexity.maxBatchSize).contains(batchSize) else {
            throw CLIError.badInput("--batch-size must be an integer from 1 to \(Perplexity.maxBatchSize), got \(batchSize)")
        }
        let (rows, overflow) = bptt.multipliedReportingOverflow(by: batchSize)
        guard !overflow, rows <= Perplexity.maxChunkRows else {
            throw CLIError.badInput("--bptt × --batch-size must be at most \(Perplexity.maxChunkRows), got \(bptt) × \(batchSize)")
        }
    }

    /// A recognised awd-lstm-lm checkpoint, QRNN, LSTM or GRU, ready to evaluate at any precision.
    struct LoadedModel {
        let architecture: String
        let summary: String
        let vocabularySize: Int
        let evaluate: (Precision, [Int32], Int, Int, ((EvaluationProgress) -> Void)?) throws -> PerplexityResult
    }

    /// The language model an opened checkpoint holds (awd-lstm-lm LSTM, GRU or QRNN), borrowing its weights.
    static func loadModel(_ imported: ImportedModel) throws -> LoadedModel {
        func softmax(_ splits: [Int]) -> String {
            splits.isEmpty ? "full softmax" : "split softmax \(splits.map(String.init).joined(separator: "/"))"
        }
        if let lstm = try imported.recognised() as? AWDLSTMModel {
            let m = try imported.lstmLanguageModel(lstm)
            let c = m.config
            return LoadedModel(
                architecture: c.cell.opPrefix,
                summary: "\(c.cell.rawValue), V \(c.vocabularySize), E \(c.embeddingSize), H \(c.hiddenSize), \(c.layerCount) layers, \(softmax(c.splits))",
                vocabularySize: c.vocabularySize) { precision, tokens, batch, bptt, progress in
                    try imported.namingFile {
                        let run = precision == .fp32 ? m : try LSTMLanguageModel(config: c, weights: m.weights, precision: precision)
                        return try Perplexity.evaluate(model: run, tokens: tokens, batchSize: batch, bptt: bptt, progress: progress)
                    }
                }
        }
        let m = try imported.qrnnLanguageModel()
        let c = m.config
        return LoadedModel(
            architecture: "qrnn",
            summary: "V \(c.vocabularySize), E \(c.embeddingSize), H \(c.hiddenSize), \(c.layerCount) layers, "
                + "windows \(c.windows.map(String.init).joined(separator: ",")), \(softmax(c.splits))",
            vocabularySize: c.vocabularySize) { precision, tokens, batch, bptt, progress in
                try imported.namingFile {
                    let run = precision == .fp32 ? m : try QRNNLanguageModel(config: c, weights: m.weights, precision: precision)
                    return try Perplexity.evaluate(model: run, tokens: tokens, batchSize: batch, bptt: bptt, progress: progress)
                }
            }
    }

    /// Loads a checkpoint, vocabulary and text and evaluates them as `micronet eval` does (used by `check`).
    static func perplexity(model imported: ImportedModel, text: String, vocab: String, bptt: Int, batchSize: Int,
                           precision: Precision) throws -> PerplexityResult {
        try checkRanges(bptt: bptt, batchSize: batchSize)
        let model = try loadModel(imported)
        let vocabulary = try ModelImport.vocabulary(path: vocab)
        guard vocabulary.count == model.vocabularySize else {
            throw CLIError.badInput("\(vocab): the vocabulary has \(vocabulary.count) words but \(imported.path) has \(model.vocabularySize)")
        }
        let tokens = try vocabulary.encode(try Corpus.read(text), path: text)
        return try model.evaluate(precision, tokens, batchSize, bptt, nil)
    }

    private func timedEvaluation(_ m: LoadedModel, _ p: Precision, _ tokens: [Int32]) throws -> (PerplexityResult, Double) {
        let bar = ProgressBar()
        let start = Date()
        let result = try m.evaluate(p, tokens, batchSize, bptt) { progress in
            bar.update(done: progress.stepsDone * batchSize, total: progress.totalSteps * batchSize, unit: "tokens",
                       extra: progress.runningPerplexity.isNaN ? "\(p.rawValue) ppl -"
                           : String(format: "%@ ppl %.2f", p.rawValue, progress.runningPerplexity))
        }
        bar.finish()
        return (result, Date().timeIntervalSince(start))
    }

    private func json(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
}
