import Checkpoint
import Graph

/// A checkpoint counted by a graph file: each op with weights must find its tensor, of the shape the op
/// implies, and takes that tensor's measured sparsity.
struct GraphPairing {
    let checkpoint: LoadedCheckpoint
    let graphPath: String

    /// The graph with measured sparsity, and notes; throws naming the op and both shapes on a mismatch.
    func paired(_ graph: OpGraph, policy: SparsityPolicy) throws -> ResolvedModel {
        let table = TensorTable(checkpoint)
        var notes = [policy.header]
        func pair(_ op: NamedOp) throws -> NamedOp {
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
            guard policy.measure, let weight else { return op }
            var op = op
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
        let name = "\(checkpoint.path) with \(graphPath)"
        graph.name = graph.name ?? name
        return ResolvedModel(name: name, graph: graph, source: .checkpoint, notes: notes)
    }
}
