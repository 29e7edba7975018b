/// A named group of ops counted together (the reference counter groups entries whose name starts with "block").
public struct Block: Equatable, Sendable {
    public var name: String
    public var ops: [NamedOp]

    /// Creates a block; its name should start with "block".
    public init(_ name: String, _ ops: [NamedOp]) {
        self.name = name
        self.ops = ops
    }
}

/// One top-level entry of a graph: a single op or a block of ops.
public enum GraphEntry: Equatable, Sendable {
    case op(NamedOp)
    case block(Block)

    /// The entry's name.
    public var name: String {
        switch self {
        case .op(let op): return op.name
        case .block(let block): return block.name
        }
    }

    /// The ops of the entry, in order.
    public var ops: [NamedOp] {
        switch self {
        case .op(let op): return [op]
        case .block(let block): return block.ops
        }
    }
}

/// A static op graph: the ordered list of what one inference step computes.
public struct OpGraph: Equatable, Sendable {
    /// Optional model name, shown in reports.
    public var name: String?
    /// What the model reads, when known (the track a score is against follows from it).
    public var input: ModelInput?
    public var entries: [GraphEntry]

    /// Creates a graph.
    public init(name: String? = nil, input: ModelInput? = nil, entries: [GraphEntry]) {
        self.name = name
        self.input = input
        self.entries = entries
    }

    /// Whether any op has its own parameter or input width below 16 bits: then the model is quantized
    /// and may not claim the 16-bit freebie for its other ops.
    public var hasQuantizedOps: Bool { allOps.contains { $0.op.bits.isQuantized } }

    /// Whether any op sets a bit width of its own.
    public var hasOwnBits: Bool { allOps.contains { !$0.op.bits.isEmpty } }

    /// All ops in order, blocks flattened, with the block each belongs to.
    public var allOps: [(block: String?, op: NamedOp)] {
        entries.flatMap { entry -> [(block: String?, op: NamedOp)] in
            switch entry {
            case .op(let op): return [(nil, op)]
            case .block(let block): return block.ops.map { (block.name, $0) }
            }
        }
    }
}

/// How language-model work the seed's counter leaves out is treated.
public enum CountingConvention: String, Sendable, CaseIterable {
    /// The JAIST entry's counter: no output-gate product, no decoder-bias adds, no softmax.
    case seed
    /// Counts the output-gate product, the decoder-bias adds and the output softmax.
    case full
}
