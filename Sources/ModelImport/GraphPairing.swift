import Checkpoint
import Graph

/// A checkpoint counted by a graph file: each op with weights must find its tensor, of the shape the op
/// implies, and takes that tensor's measured sparsity and the bit widths the file stores (StoredBits.swift).
struct GraphPairing {
    let checkpoint: LoadedCheckpoint
    let graphPath: String

    /// The graph with measured sparsity, and notes; throws naming the op and both shapes on a mismatch.
    func paired(_ graph: OpGraph, policy: SparsityPolicy) throws -> ResolvedModel {
        let table = TensorTable(checkpoint)
        var notes = [policy.header]
        var claimed = Set<String>()
        let order = graph.allOps.map { StoredBits.GraphOp(name: $0.op.name, hasWeights: $0.op.op.hasWeights, graphInput: $0.op.bits.input) }
        let (stored, bitNotes) = try StoredBits(checkpoint: checkpoint).assign(order)
        func pair(_ op: NamedOp) throws -> NamedOp {
            var op = op
            if let b = stored[op.name] {
                // The file's widths win over the graph's; the graph's input_bits already took part in `input`.
                op.bits.param = b.param ?? op.bits.param
                op.bits.input = b.input ?? op.bits.input
                if let q = b.quantizer { op.bits.quantizer = (op.bits.quantizer ?? 0) + q }
            }
            let expected = TorchWeightShape.of(op.op)
            if case .none = expected { return op }
            let weight = try table.weight(of: op.name, path: checkpoint.path)
            switch (expected, weight) {
            case (.shape(let shape, let layout), let weight?):
                guard weight.shape == shape else {
                    throw ImportError(graphPath, "op '\(op.name)' (\(op.op.typeName)) needs \(weight.label) of shape \(shape) "
                                      + "(\(layout)), but \(checkpoint.path) has \(weight.shape)")
                }
            case (.shape, nil):
                throw ImportError(graphPath, "op '\(op.name)' (\(op.op.typeName)) has no weight in \(checkpoint.path): "
                                  + "no \(op.name).weight, \(op.name).weight_orig or \(op.name) (\(table.listing))")
            case (_, nil):
                notes.append("  \(op.name): \(op.op.typeName) weights are not paired with tensors (counted as the graph says)")
                return op
            default:
                break
            }
            if let weight { claimed.formUnion(weight.sources) }
            guard policy.measure, let weight else { return op }
            // Sparse or dense is decided at the op's own parameter width when it has one.
            let (chosen, note) = policy.decide(op: op.name, weight: weight, bits: op.bits.param.map(Double.init))
            op.sparsity = chosen ?? op.sparsity
            notes.append(note)
            return op
        }
        var graph = graph
        graph.entries = try graph.entries.map { entry in
            switch entry {
            case .op(let op): return .op(try pair(op))
            case .block(var block):
                block.ops = try block.ops.map(pair)
                return .block(block)
            }
        }
        // A layer the graph leaves out would be stored and run but never counted.
        let unclaimed = table.unclaimedWeights(claimed)
        if !unclaimed.isEmpty {
            let shown = unclaimed.prefix(8).joined(separator: ", ") + (unclaimed.count > 8 ? ", ... (\(unclaimed.count) in all)" : "")
            throw ImportError(graphPath, "no op counts \(shown) of \(checkpoint.path) (add an op named after each layer)")
        }
        notes += bitNotes
        let name = "\(checkpoint.path) with \(graphPath)"
        graph.name = graph.name ?? name
        return ResolvedModel(name: name, graph: graph, source: .checkpoint, notes: notes)
    }
}
