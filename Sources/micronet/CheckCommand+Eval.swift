import Counter

extension Check {
    /// Test perplexity of a budget's checkpoint, as `micronet eval` measures it.
    func measurePerplexity(model: BudgetModel, resolved: ResolvedModel, spec: EvaluationSpec) throws -> Double {
        throw CLIError.badInput("\(model.name): perplexity limits need checkpoint evaluation, which this build lacks")
    }
}
