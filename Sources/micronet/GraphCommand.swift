import ArgumentParser
import Graph
import ModelImport

/// `micronet graph`: prints any model's op graph as a graph file, to export, edit and count.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a model's op graph in the graph-file format (JSON).",
        discussion: """
        Graph files mirror the reference counter's named tuples: {"ops": [{"name": ..., "op": "Conv2D", "input_size": ..., "kernel_shape": [k, k, c_in, c_out], ...}, {"name": "block_x", "ops": [...]}]}. See the README for every op type and field.

        Examples:
          # the seed entry's graph
          micronet graph > seed.json
          micronet graph --preset reference-example
          micronet graph --preset qrnn-lm --nhid 1500 > m.json && micronet count m.json --input-bits 16
        """
    )

    @OptionGroup var model: ModelOptions

    @Option(help: "The convention the graph is built for (full adds the output softmax to a QRNN LM).")
    var convention: CountingConvention = .seed

    func run() throws {
        let resolved = try model.resolve(convention: convention)
        var graph = resolved.graph
        if graph.name == nil { graph.name = resolved.name }
        print(GraphFile.encode(graph), terminator: "")
    }
}
