import Graph

/// Size overrides for a preset (`--vocab`, `--emsize`, `--nhid`, `--nlayers`).
public struct PresetSizes: Equatable, Sendable {
    public var vocab: Int?
    public var emsize: Int?
    public var nhid: Int?
    public var nlayers: Int?

    /// Creates overrides; nil keeps the preset's own size.
    public init(vocab: Int? = nil, emsize: Int? = nil, nhid: Int? = nil, nlayers: Int? = nil) {
        self.vocab = vocab
        self.emsize = emsize
        self.nhid = nhid
        self.nlayers = nlayers
    }

    /// Whether any size is overridden.
    public var isEmpty: Bool { vocab == nil && emsize == nil && nhid == nil && nlayers == nil }

    /// Widths are at most 2^31, so the product of any two fits Int64 with room to spare.
    public static let widthRange = 1...(1 << 31)
    /// One op row per layer: more than a few thousand would only build a huge table.
    public static let layerRange = 1...4096
    /// A preset's weights are at most 2^40: at 64 bits that is 2^46 bits, and every count stays an
    /// exact integer in a Double (below 2^53) as the counter sums per-op figures.
    public static let maxWeights = 1 << 40

    /// Each flag with its value and allowed range, for messages and checks.
    public var flags: [(flag: String, value: Int?, range: ClosedRange<Int>)] {
        [("--vocab", vocab, Self.widthRange), ("--emsize", emsize, Self.widthRange),
         ("--nhid", nhid, Self.widthRange), ("--nlayers", nlayers, Self.layerRange)]
    }

    /// Throws naming the first size outside its range ("--nhid must be an integer from 1 to 2147483648, got 0").
    public func validate() throws {
        for (flag, value, range) in flags {
            if let value, !range.contains(value) {
                throw RangeError(flag, mustBe: "an integer from \(range.lowerBound) to \(range.upperBound)", got: "\(value)")
            }
        }
    }
}

/// A built-in model that needs no file.
public struct Preset: Sendable {
    /// The name users type (`qrnn-wt103`).
    public let name: String
    /// One line for help texts.
    public let summary: String
    /// Whether `--vocab/--emsize/--nhid/--nlayers` apply.
    public let takesSizes: Bool
    /// Builds the graph (and the name reports show) from the overrides, which are already range-checked.
    let build: @Sendable (PresetSizes, CountingConvention) throws -> (name: String, graph: OpGraph)

    /// Creates a preset.
    public init(name: String, summary: String, takesSizes: Bool,
                build: @escaping @Sendable (PresetSizes, CountingConvention) throws -> (name: String, graph: OpGraph)) {
        self.name = name
        self.summary = summary
        self.takesSizes = takesSizes
        self.build = build
    }
}

/// Adds `terms` with overflow checks; nil when the sum or a product passes Int64.
func checkedSum(_ terms: [[Int]]) -> Int? {
    var total = 0
    for factors in terms {
        var product = 1
        for f in factors {
            let (p, o) = product.multipliedReportingOverflow(by: f)
            if o { return nil }
            product = p
        }
        let (s, o) = total.addingReportingOverflow(product)
        if o { return nil }
        total = s
    }
    return total
}
