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
    /// The op's resolved widths (nil for a block row).
    public var bits: OpCostContext?
    public var cost: OpCost
    public var scaled: ScaledCost

    /// The name as the reference prints it: "<block>_<op>" for an op inside a block.
    public var printedName: String { block.map { "\($0)_\(name)" } ?? name }
}

/// The result of counting a graph under some settings.
public struct CountReport: Equatable, Sendable {
    public var modelName: String?
    /// What the model reads, when its graph says.
    public var modelInput: ModelInput? = nil
    public var settings: CountSettings
    public var summarizeBlocks: Bool
    /// Whether some op has bits of its own (then the table shows each row's widths).
    public var showsBits: Bool
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
        func row(_ op: NamedOp, block: String?) -> (ReportRow, OpCost) {
            let context = settings.resolve(for: op)
            let c = cost(of: op, context: context)
            return (ReportRow(name: op.name, block: block, isBlock: false, info: op.op.info, bits: context,
                              cost: c, scaled: Self.scale(c, settings)), c)
        }
        for entry in graph.entries {
            switch entry {
            case .op(let op):
                let (r, c) = row(op, block: nil)
                rows.append(r)
                total = total + c
            case .block(let block):
                var sum = OpCost.zero
                for op in block.ops {
                    let (r, c) = row(op, block: block.name)
                    if !summarizeBlocks { rows.append(r) }
                    sum = sum + c
                }
                // Like the reference: inp_size and in channels of the first op, −1 for the rest.
                let first = block.ops.first.map { $0.op.info } ?? [-1, -1, -1, -1]
                rows.append(ReportRow(name: block.name, block: nil, isBlock: true, info: [first[0], -1, first[2], -1],
                                      bits: nil, cost: sum, scaled: Self.scale(sum, settings)))
                total = total + sum
            }
        }
        return CountReport(modelName: graph.name, modelInput: graph.input, settings: settings, summarizeBlocks: summarizeBlocks,
                           showsBits: graph.hasOwnBits, rows: rows, total: total, totalScaled: Self.scale(total, settings))
    }

    /// The reference's process_counts: truncate the bit total to an integer, then convert; mults and adds are
    /// weighted by the widths they were booked at (the settings' when nothing was booked).
    public static func scale(_ c: OpCost, _ s: CountSettings) -> ScaledCost {
        // rounded toward zero is int() without its trap on totals past Int64.
        ScaledCost(paramsMBytes: c.paramBits.rounded(.towardZero) / 8.0 / 1e6,
                   multsM: (c.weightedMults ?? c.mults * s.inputBits) / s.mulBitsBase / 1e6,
                   addsM: (c.weightedAdds ?? c.adds * s.accumulatorBits) / s.addBitsBase / 1e6)
    }
}

/// Counts one op at its resolved widths: the kind's raw cost, plus its quantizer storage, booked at its bits.
public func cost(of named: NamedOp, context: OpCostContext) -> OpCost {
    var c = named.op.cost(context)
    c.paramBits += context.quantizerBits
    return c.booked(inputBits: context.inputBits, accumulatorBits: context.accumulatorBits)
}

/// Counts one op as the reference counter (and, for its extensions, the seed's counter) does under `settings`.
public func cost(of named: NamedOp, settings: CountSettings) -> OpCost {
    cost(of: named, context: settings.resolve(for: named))
}
