import Graph

/// A model ready to count: its op graph, where it came from, and what import measured.
public struct ResolvedModel {
    /// Where the graph came from.
    public enum Source: Sendable { case preset, graphFile, checkpoint, onnx }
    /// The name reports show.
    public var name: String
    /// The op graph to count.
    public var graph: OpGraph
    /// Where it came from.
    public var source: Source
    /// Lines to print under a table (how sparsity was measured, and the like).
    public var notes: [String]
    /// The file as loaded, for commands that go on to evaluate it without loading it again (nil for presets).
    public var imported: ImportedModel?

    /// Creates a resolved model.
    public init(name: String, graph: OpGraph, source: Source, notes: [String] = [], imported: ImportedModel? = nil) {
        self.name = name
        self.graph = graph
        self.source = source
        self.notes = notes
        self.imported = imported
    }
}
