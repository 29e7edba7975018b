import Counter
import LanguageModel
import QRNNModel

extension Check {
    /// Test perplexity of a budget's checkpoint, as `micronet eval` measures it.
    func measurePerplexity(model: BudgetModel, resolved: ResolvedModel, spec: EvaluationSpec) throws -> Double {
        guard let precision = Precision(rawValue: spec.precision) else {
            throw CLIError.badInput("\(model.name): precision '\(spec.precision)' is not fp32, fp16 or bf16")
        }
        return try Eval.perplexity(checkpoint: model.model, text: spec.text, vocab: spec.vocab, bptt: spec.bptt,
                                   batchSize: spec.batchSize, precision: precision).perplexity
    }
}
