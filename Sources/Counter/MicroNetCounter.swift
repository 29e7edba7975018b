import Graph

/// Megabytes of parameters and millions of scaled operations, as the reference's process_counts gives them.
public struct ScaledCost: Equatable, Sendable {
    /// int(param bits) / 8 / 1e6.
    public var paramsMBytes: Double
    /// mults · input bits / mul bits base / 1e6.
    public var multsM: Double
    /// adds · accumulator bits / add bits base / 1e6.
    public var addsM: Double
    /// multsM + addsM (the reference's "MFLOPS" column).
    public var mflops: Double { multsM + addsM }
}

/// One printed line of a count: an op, a block, or one op inside a block.
public struct ReportRow: Equatable, Sendable {
    /// The op's or block's own name ("qrnn_0", "block_qrnn").
    public var name: String
    /// The block holding this op, when it is shown inside one.
    public var block: String?
    /// Whether this row sums a block.
    public var isBlock: Bool
    /// inp_size, kernel_size, in channels, out channels (−1 where not known, as the reference prints).
    public var info: [Int]
    public var cost: OpCost
    public var scaled: ScaledCost

    /// The name as the reference prints it: "<block>_<op>" for an op inside a block.
    public var printedName: String { block.map { "\($0)_\(name)" } ?? name }
}

/// The result of counting a graph under some settings.
public struct CountReport: Equatable, Sendable {
    public var modelName: String?
    public var settings: CountSettings
    public var summarizeBlocks: Bool
    public var rows: [ReportRow]
    /// Raw counts summed over every entry, then scaled once.
    public var total: OpCost
    public var totalScaled: ScaledCost
}

/// Walks an op graph with the reference counter's semantics and tallies params, mults and adds.
public struct MicroNetCounter: Sendable {
    public let graph: OpGraph

    /// Creates a counter for a graph.
    public init(graph: OpGraph) {
        self.graph = graph
    }

    /// Counts every entry; with `summarizeBlocks == false` each op inside a block gets its own row first.
    public func count(settings: CountSettings, summarizeBlocks: Bool = true) -> CountReport {
        var rows: [ReportRow] = []
        var total = OpCost.zero
        for entry in graph.entries {
            switch entry {
            case .op(let op):
                let c = cost(of: op, settings: settings)
                rows.append(ReportRow(name: op.name, block: nil, isBlock: false, info: Self.info(op.op),
                                      cost: c, scaled: Self.scale(c, settings)))
                total = total + c
            case .block(let block):
                var sum = OpCost.zero
                for op in block.ops {
                    let c = cost(of: op, settings: settings)
                    if !summarizeBlocks {
                        rows.append(ReportRow(name: op.name, block: block.name, isBlock: false, info: Self.info(op.op),
                                              cost: c, scaled: Self.scale(c, settings)))
                    }
                    sum = sum + c
                }
                // Like the reference: inp_size and in channels of the first op, −1 for the rest.
                let first = block.ops.first.map { Self.info($0.op) } ?? [-1, -1, -1, -1]
                rows.append(ReportRow(name: block.name, block: nil, isBlock: true, info: [first[0], -1, first[2], -1],
                                      cost: sum, scaled: Self.scale(sum, settings)))
                total = total + sum
            }
        }
        return CountReport(modelName: graph.name, settings: settings, summarizeBlocks: summarizeBlocks,
                           rows: rows, total: total, totalScaled: Self.scale(total, settings))
    }

    /// The reference's process_counts: truncate the bit total to an integer, then convert.
    public static func scale(_ c: OpCost, _ s: CountSettings) -> ScaledCost {
        ScaledCost(paramsMBytes: Double(Int(c.paramBits)) / 8.0 / 1e6,
                   multsM: c.mults * s.inputBits / s.mulBitsBase / 1e6,
                   addsM: c.adds * s.accumulatorBits / s.addBitsBase / 1e6)
    }

    /// The reference's get_info; the seed's extensions (Embedding, QRNN, GlobalMax) print −1 throughout.
    public static func info(_ op: Op) -> [Int] {
        switch op {
        case .conv2D(let c), .depthwiseConv2D(let c):
            return [c.inputSize, c.kernelShape[0], c.kernelShape[2], c.kernelShape[3]]
        case .globalAvg(let e): return [e.inputSize, -1, e.nChannels, 1]
        case .scale(let e), .add(let e): return [e.inputSize, -1, e.nChannels, e.nChannels]
        case .fullyConnected(let fc): return [1, -1, fc.kernelShape[0], fc.kernelShape[1]]
        case .embedding, .qrnn, .globalMax: return [-1, -1, -1, -1]
        }
    }
}
