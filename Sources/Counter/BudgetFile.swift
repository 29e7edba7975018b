import Foundation
import Graph
import Yams

/// Why a budget or lock file was rejected; names the file, the line and column, and the problem.
public struct BudgetFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let line: Int?
    public let column: Int?
    public let problem: String

    /// Creates an error at a position (line and column count from 1).
    public init(path: String, line: Int?, column: Int? = nil, problem: String) {
        self.path = path
        self.line = line
        self.column = line == nil ? nil : column
        self.problem = problem
    }

    init(path: String, at mark: Mark?, problem: String) {
        self.init(path: path, line: mark?.line, column: mark?.column, problem: problem)
    }

    /// "budget.yml:7:15: problem", the position a compiler would give.
    public var description: String {
        switch (line, column) {
        case let (line?, column?): return "\(path):\(line):\(column): \(problem)"
        case let (line?, nil): return "\(path):\(line): \(problem)"
        default: return "\(path): \(problem)"
        }
    }
}

/// Reads budget files (YAML, or JSON, which is YAML too); the schema is in the README.
///
/// ```yaml
/// models:
///   - name: seed
///     model: qrnn-wt103          # preset, graph file or checkpoint (relative to this file)
///     settings: {input_bits: 16} # param_bits, input_bits, accumulator_bits, add_bits_base,
///                                # mul_bits_base, sparsity, convention
///     max_growth: 1%             # against the locked figures, for every limit without its own
///     limits:
///       params: 104905335
///       mflops: {max: 157, tolerance: 1%, max_growth: 0.5}
///       score: {max: 0.83, track: wikitext103}
/// ```
public enum BudgetFile {
    /// Budget files are small; anything larger is refused before it is read.
    public static let maximumBytes = 16 << 20
    /// Ranges of the numbers a budget may give (checked at parse, before any arithmetic).
    public static let bpttRange = 1...100_000
    public static let batchSizeRange = 1...100_000

    /// Reads and validates the budget file at `path`.
    public static func read(path: String) throws -> Budget {
        let text = try readText(path: path, what: "budget file")
        return try parse(text, path: path)
    }

    /// A regular file's UTF-8 text, at most `maximumBytes` (never blocks on a FIFO or a device).
    static func readText(path: String, what: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw BudgetFileError(path: path, line: nil, problem: "no such \(what)") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw BudgetFileError(path: path, line: nil, problem: "the \(what) is not a regular file")
        }
        guard Int(info.st_size) <= maximumBytes else {
            throw BudgetFileError(path: path, line: nil, problem: "the \(what) is \(info.st_size) bytes; at most \(maximumBytes) are read")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BudgetFileError(path: path, line: nil, problem: "cannot read the \(what)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BudgetFileError(path: path, line: nil, problem: "the \(what) is not UTF-8 text")
        }
        return text
    }

    /// The YAML (or JSON) document of `text`, with a syntax error's line and column.
    static func compose(_ text: String, path: String, what: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw BudgetFileError(path: path, line: nil, problem: "empty \(what)")
            }
            return node
        } catch let error as BudgetFileError {
            throw error
        } catch let error as YamlError {
            throw BudgetFileError(path: path, at: mark(of: error), problem: "not valid YAML or JSON: \(reason(of: error))")
        }
    }

    private static func mark(of error: YamlError) -> Mark? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark
        case .duplicatedKeysInMapping(_, let context): return context.mark
        default: return nil
        }
    }

    private static func reason(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        case .duplicatedKeysInMapping(let keys, _):
            // The context's text is the whole document: name the keys only, elided when long.
            let names = keys.prefix(3).map { "'\($0.count > 80 ? String($0.prefix(80)) + "…" : $0)'" }.joined(separator: ", ")
            return "key \(names) appears twice in one mapping" + (keys.count > 3 ? " (and \(keys.count - 3) more)" : "")
        default: return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    /// Validates budget text; relative model paths are resolved against `path`'s folder.
    public static func parse(_ text: String, path: String) throws -> Budget {
        let root = try compose(text, path: path, what: "budget file")
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let top = try Fields(root, path: path, context: "the budget file")
        try top.allow(["models"])
        let items = try top.sequence("models")
        guard !items.isEmpty else { throw top.error("models", "is empty") }
        var names = Set<String>()
        var models: [BudgetModel] = []
        for item in items {
            let model = try parseModel(item, path: path, folder: folder)
            guard names.insert(model.name).inserted else {
                throw BudgetFileError(path: path, at: item.mark, problem: "two models are named '\(model.name)'")
            }
            models.append(model)
        }
        return Budget(path: path, models: models)
    }

    private static func parseModel(_ node: Node, path: String, folder: URL) throws -> BudgetModel {
        let f = try Fields(node, path: path, context: "a model")
        try f.allow(["name", "model", "graph", "settings", "max_growth", "limits"])
        let modelRef = try f.string("model")
        let name = try f.optionalString("name") ?? modelRef
        // Paths are relative to the budget file's folder; a bare word naming no file there is a preset.
        let resolve: (String) -> String = { ref in
            ref.hasPrefix("/") ? ref : folder.appendingPathComponent(ref).path
        }
        let isBareWord = !modelRef.contains("/") && !modelRef.contains(".")
        let isPreset = isBareWord && !FileManager.default.fileExists(atPath: resolve(modelRef))
        var settings = CountSettings()
        if let s = f.node("settings") {
            let sf = try Fields(s, path: path, context: "settings of '\(name)'")
            try sf.allow(["param_bits", "input_bits", "accumulator_bits", "add_bits_base", "mul_bits_base", "sparsity", "convention"])
            let input = try sf.bits("input_bits") ?? 32
            settings = CountSettings(
                paramBits: try sf.bits("param_bits") ?? input, inputBits: input,
                accumulatorBits: try sf.bits("accumulator_bits") ?? 32,
                addBitsBase: try sf.bits("add_bits_base") ?? 32,
                mulBitsBase: try sf.bits("mul_bits_base") ?? 32,
                sparsity: try sf.optionalNumber("sparsity") ?? 0, convention: .seed)
            guard settings.sparsity >= 0 && settings.sparsity < 1 else {
                throw sf.error("sparsity", "must be in [0, 1), got \(num(settings.sparsity))")
            }
            if let c = try sf.optionalString("convention") {
                guard let convention = CountingConvention(rawValue: c) else { throw sf.error("convention", "must be seed or full, got '\(c)'") }
                settings.convention = convention
            }
        }
        let modelGrowth = try f.tolerance("max_growth")
        guard let limitsNode = f.node("limits") else { throw f.error("limits", "missing: a model needs at least one limit") }
        let lf = try Fields(limitsNode, path: path, context: "limits of '\(name)'")
        try lf.allow(Set(BudgetMetric.allCases.map(\.rawValue)))
        var limits: [BudgetLimit] = []
        for (key, value) in lf.pairs {
            guard let metric = BudgetMetric(rawValue: key) else { continue }
            var limit = try parseLimit(metric, value, path: path, model: name, resolve: resolve)
            limit.maxGrowth = limit.maxGrowth ?? modelGrowth
            if metric == .perplexity && isPreset {
                throw BudgetFileError(path: path, line: limit.line, column: limit.column,
                                      problem: "limit 'perplexity' of '\(name)': '\(modelRef)' is a preset, which has no weights to evaluate; give a checkpoint as 'model'")
            }
            limits.append(limit)
        }
        guard !limits.isEmpty else { throw f.error("limits", "empty: give at least one limit") }
        return BudgetModel(name: name, model: isPreset ? modelRef : resolve(modelRef), line: node.mark?.line ?? 0,
                           column: node.mark?.column ?? 0, settings: settings,
                           graph: try f.optionalString("graph").map(resolve), limits: limits)
    }

    private static func parseLimit(_ metric: BudgetMetric, _ node: Node, path: String, model: String,
                                   resolve: (String) -> String) throws -> BudgetLimit {
        let line = node.mark?.line ?? 0
        let column = node.mark?.column ?? 0
        let context = "limit '\(metric.rawValue)' of '\(model)'"
        if node.scalar != nil {
            let value = try Fields.number(node, path: path, context: context)
            let limit = BudgetLimit(metric: metric, max: value, tolerance: nil, line: line, column: column)
            if metric == .perplexity {
                throw BudgetFileError(path: path, at: node.mark, problem: "\(context): needs {max, text, vocab} to know what to evaluate")
            }
            return limit
        }
        let f = try Fields(node, path: path, context: context)
        var allowed: Set<String> = ["max", "tolerance", "max_growth"]
        if metric == .score { allowed.formUnion(["track", "baseline", "baseline_ops"]) }
        if metric == .perplexity { allowed.formUnion(["text", "vocab", "bptt", "batch_size", "precision"]) }
        try f.allow(allowed)
        guard let maxNode = f.node("max") else { throw f.error("max", "missing") }
        var limit = BudgetLimit(metric: metric, max: try Fields.number(maxNode, path: path, context: "\(context): 'max'"),
                                tolerance: try f.tolerance("tolerance"), line: line, column: column)
        limit.maxGrowth = try f.tolerance("max_growth")
        if metric == .score {
            if let t = try f.optionalString("track") {
                guard let track = Track(rawValue: t) else {
                    throw f.error("track", "unknown track '\(t)' (\(Track.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                limit.track = track
            }
            // The same check as score's --baseline and --baseline-ops.
            limit.baselineParams = try f.checked("baseline", by: checkBaseline)
            limit.baselineOps = try f.checked("baseline_ops", by: checkBaseline)
            if limit.track != nil && limit.baselineParams != nil { throw f.error("baseline", "give a track or a baseline, not both") }
            if limit.baselineParams != nil && limit.baselineOps == nil {
                throw f.error("baseline_ops", "a score needs the baseline's ops too")
            }
        }
        if metric == .perplexity {
            let precision = try f.optionalString("precision") ?? "fp32"
            guard ["fp32", "fp16", "bf16"].contains(precision) else { throw f.error("precision", "must be fp32, fp16 or bf16") }
            limit.evaluation = EvaluationSpec(text: resolve(try f.string("text")), vocab: resolve(try f.string("vocab")),
                                              bptt: try f.integer("bptt", in: BudgetFile.bpttRange) ?? 140,
                                              batchSize: try f.integer("batch_size", in: BudgetFile.batchSizeRange) ?? 1,
                                              precision: precision)
        }
        return limit
    }
}

/// Typed access to one YAML mapping, with errors naming the file, line, column and field.
private struct Fields {
    let path: String
    let context: String
    let mark: Mark?
    let pairs: [(String, Node)]
    /// Where each key is written, for errors about the key itself.
    let keyMarks: [Mark?]
    /// Key -> index into `pairs`, so lookups and the duplicate check stay linear in the mapping's size.
    let index: [String: Int]

    init(_ node: Node, path: String, context: String) throws {
        self.path = path
        self.context = context
        self.mark = node.mark
        guard let mapping = node.mapping else {
            throw BudgetFileError(path: path, at: node.mark, problem: "\(context) must be a mapping of fields")
        }
        var pairs: [(String, Node)] = []
        var keyMarks: [Mark?] = []
        var index: [String: Int] = [:]
        for (key, value) in mapping {
            guard let k = key.scalar?.string else {
                throw BudgetFileError(path: path, at: key.mark, problem: "\(context): field names must be plain strings")
            }
            guard index.updateValue(pairs.count, forKey: k) == nil else {
                throw BudgetFileError(path: path, at: key.mark, problem: "\(context): field '\(k)' appears twice")
            }
            pairs.append((k, value))
            keyMarks.append(key.mark)
        }
        self.pairs = pairs
        self.keyMarks = keyMarks
        self.index = index
    }

    func error(_ field: String, _ problem: String) -> BudgetFileError {
        BudgetFileError(path: path, at: node(field)?.mark ?? mark, problem: "\(context): '\(field)' \(problem)")
    }

    func node(_ key: String) -> Node? { index[key].map { pairs[$0].1 } }

    func allow(_ keys: Set<String>) throws {
        if let i = pairs.firstIndex(where: { !keys.contains($0.0) }) {
            let unknown = pairs[i]
            throw BudgetFileError(path: path, at: keyMarks[i] ?? mark,
                                  problem: "\(context): unknown field '\(unknown.0)' (allowed: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    func string(_ key: String) throws -> String {
        guard let n = node(key) else { throw error(key, "is missing") }
        guard let s = n.scalar?.string, !s.isEmpty else { throw error(key, "must be a non-empty string") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        node(key) == nil ? nil : try string(key)
    }

    func sequence(_ key: String) throws -> [Node] {
        guard let n = node(key) else { throw error(key, "is missing") }
        guard let items = n.sequence else { throw error(key, "must be a list") }
        return Array(items)
    }

    func optionalNumber(_ key: String) throws -> Double? {
        guard let n = node(key) else { return nil }
        return try Fields.number(n, path: path, context: "\(context): '\(key)'")
    }

    func optionalNumber(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = try optionalNumber(key) else { return nil }
        guard range.contains(value) else {
            throw error(key, "must be a number from \(grouped(range.lowerBound)) to \(grouped(range.upperBound)), got \(num(value))")
        }
        return value
    }

    /// A whole number in `range`, checked before it is converted (so 1e300 is an error, not a trap).
    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = try optionalNumber(key) else { return nil }
        guard value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw error(key, "must be a whole number from \(grouped(Double(range.lowerBound))) to \(grouped(Double(range.upperBound))), got \(num(value))")
        }
        return Int(value)
    }

    /// A bit width: an integer from 1 to 64, by the same check as the command-line flags.
    func bits(_ key: String) throws -> Double? {
        try checked(key, by: CountSettings.checkBits)
    }

    /// A number that the library's `check` accepts; its message, at the value's line and column.
    func checked(_ key: String, by check: (Double, String) throws -> Void) throws -> Double? {
        guard let value = try optionalNumber(key) else { return nil }
        do { try check(value, "'\(key)'") } catch {
            throw BudgetFileError(path: path, at: node(key)?.mark ?? mark, problem: "\(context): \(error)")
        }
        return value
    }

    func tolerance(_ key: String) throws -> Tolerance? {
        guard let n = node(key) else { return nil }
        guard let s = n.scalar?.string.trimmingCharacters(in: .whitespaces) else { throw error(key, "must be a number or a percentage") }
        if s.hasSuffix("%"), let p = Double(s.dropLast()), p >= 0, p.isFinite { return .percent(p) }
        if let a = Double(s), a >= 0, a.isFinite { return .absolute(a) }
        throw error(key, "must be a non-negative number or a percentage like 1%, got '\(s)'")
    }

    static func number(_ node: Node, path: String, context: String) throws -> Double {
        guard let s = node.scalar?.string, let value = Double(s.replacingOccurrences(of: "_", with: "")), value.isFinite else {
            throw BudgetFileError(path: path, at: node.mark, problem: "\(context): must be a number, got '\(node.scalar?.string ?? "a structure")'")
        }
        return value
    }
}
