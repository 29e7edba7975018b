import Counter
import ModelImport
import QRNNModel

extension Check {
    /// Test perplexity of a budget's checkpoint, as `micronet eval` measures it.
    func measurePerplexity(model: BudgetModel, resolved: ResolvedModel, spec: EvaluationSpec) throws -> Double {
        guard let precision = Precision(rawValue: spec.precision) else {
            throw CLIError.badInput("\(model.name): precision '\(spec.precision)' is not fp32, fp16 or bf16")
        }
        // The model was loaded to count it; evaluate the same load.
        guard let imported = resolved.imported else {
            throw CLIError.badInput("\(model.name): a perplexity limit needs a checkpoint, not a preset")
        }
        return try Eval.perplexity(model: imported, text: spec.text, vocab: spec.vocab, bptt: spec.bptt,
                                   batchSize: spec.batchSize, precision: precision).perplexity
    }
}
