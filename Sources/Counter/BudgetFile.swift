import Foundation
import Graph
import Yams

/// Why a budget file was rejected; names the file, the line and the problem.
public struct BudgetFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let line: Int?
    public let problem: String

    public var description: String { line.map { "\(path):\($0): \(problem)" } ?? "\(path): \(problem)" }
}

/// Reads budget files (YAML, or JSON, which is YAML too); the schema is in the README.
///
/// ```yaml
/// models:
///   - name: seed
///     model: qrnn-wt103          # preset, graph file or checkpoint (relative to this file)
///     settings: {input_bits: 16} # param_bits, input_bits, accumulator_bits, add_bits_base,
///                                # mul_bits_base, sparsity, convention
///     limits:
///       params: 104905335
///       mflops: {max: 157, tolerance: 1%}
///       score: {max: 0.83, track: wikitext103}
///       perplexity: {max: 35, text: test.txt, vocab: vocab.txt}
/// ```
public enum BudgetFile {
    /// Reads and validates the budget file at `path`.
    public static func read(path: String) throws -> Budget {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BudgetFileError(path: path, line: nil, problem: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BudgetFileError(path: path, line: nil, problem: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Validates budget text; relative model paths are resolved against `path`'s folder.
    public static func parse(_ text: String, path: String) throws -> Budget {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw BudgetFileError(path: path, line: nil, problem: "empty budget file")
            }
            root = node
        } catch let error as BudgetFileError {
            throw error
        } catch let error as YamlError {
            throw BudgetFileError(path: path, line: Self.line(of: error), problem: "not valid YAML or JSON")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let top = try Fields(root, path: path, context: "the budget file")
        try top.allow(["models"])
        let items = try top.sequence("models")
        guard !items.isEmpty else { throw BudgetFileError(path: path, line: root.mark?.line, problem: "'models' is empty") }
        var names = Set<String>()
        var models: [BudgetModel] = []
        for item in items {
            let model = try parseModel(item, path: path, folder: folder)
            guard names.insert(model.name).inserted else {
                throw BudgetFileError(path: path, line: model.line, problem: "two models are named '\(model.name)'")
            }
            models.append(model)
        }
        return Budget(path: path, models: models)
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func parseModel(_ node: Node, path: String, folder: URL) throws -> BudgetModel {
        let f = try Fields(node, path: path, context: "a model")
        try f.allow(["name", "model", "graph", "settings", "limits"])
        let modelRef = try f.string("model")
        let name = try f.optionalString("name") ?? modelRef
        // Paths are relative to the budget file's folder; a bare word naming no file there is a preset.
        let resolve: (String) -> String = { ref in
            ref.hasPrefix("/") ? ref : folder.appendingPathComponent(ref).path
        }
        let resolveModel: (String) -> String = { ref in
            let isBareWord = !ref.contains("/") && !ref.contains(".")
            return isBareWord && !FileManager.default.fileExists(atPath: resolve(ref)) ? ref : resolve(ref)
        }
        var settings = CountSettings()
        if let s = f.node("settings") {
            let sf = try Fields(s, path: path, context: "settings of '\(name)'")
            try sf.allow(["param_bits", "input_bits", "accumulator_bits", "add_bits_base", "mul_bits_base", "sparsity", "convention"])
            let input = try sf.optionalNumber("input_bits", positive: true) ?? 32
            settings = CountSettings(
                paramBits: try sf.optionalNumber("param_bits", positive: true) ?? input, inputBits: input,
                accumulatorBits: try sf.optionalNumber("accumulator_bits", positive: true) ?? 32,
                addBitsBase: try sf.optionalNumber("add_bits_base", positive: true) ?? 32,
                mulBitsBase: try sf.optionalNumber("mul_bits_base", positive: true) ?? 32,
                sparsity: try sf.optionalNumber("sparsity") ?? 0, convention: .seed)
            guard settings.sparsity >= 0 && settings.sparsity < 1 else {
                throw sf.error("sparsity", "must be in [0, 1), got \(settings.sparsity)")
            }
            if let c = try sf.optionalString("convention") {
                guard let convention = CountingConvention(rawValue: c) else { throw sf.error("convention", "must be seed or full, got '\(c)'") }
                settings.convention = convention
            }
        }
        guard let limitsNode = f.node("limits") else { throw f.error("limits", "missing: a model needs at least one limit") }
        let lf = try Fields(limitsNode, path: path, context: "limits of '\(name)'")
        try lf.allow(Set(BudgetMetric.allCases.map(\.rawValue)))
        var limits: [BudgetLimit] = []
        for (key, value) in lf.pairs {
            guard let metric = BudgetMetric(rawValue: key) else { continue }
            limits.append(try parseLimit(metric, value, path: path, model: name, resolve: resolve))
        }
        guard !limits.isEmpty else { throw f.error("limits", "empty: give at least one limit") }
        return BudgetModel(name: name, model: resolveModel(modelRef), line: node.mark?.line ?? 0, settings: settings,
                           graph: try f.optionalString("graph").map(resolve), limits: limits)
    }

    private static func parseLimit(_ metric: BudgetMetric, _ node: Node, path: String, model: String,
                                   resolve: (String) -> String) throws -> BudgetLimit {
        let line = node.mark?.line ?? 0
        let context = "limit '\(metric.rawValue)' of '\(model)'"
        if node.scalar != nil {
            let value = try Fields.number(node, path: path, context: context)
            var limit = BudgetLimit(metric: metric, max: value, tolerance: nil, line: line)
            if metric == .score { limit.track = .wikitext103 }
            if metric == .perplexity {
                throw BudgetFileError(path: path, line: line, problem: "\(context): needs {max, text, vocab} to know what to evaluate")
            }
            return limit
        }
        let f = try Fields(node, path: path, context: context)
        var allowed: Set<String> = ["max", "tolerance"]
        if metric == .score { allowed.formUnion(["track", "baseline", "baseline_ops"]) }
        if metric == .perplexity { allowed.formUnion(["text", "vocab", "bptt", "batch_size", "precision"]) }
        try f.allow(allowed)
        guard let maxNode = f.node("max") else { throw f.error("max", "missing") }
        var limit = BudgetLimit(metric: metric, max: try Fields.number(maxNode, path: path, context: context),
                                tolerance: try f.tolerance("tolerance"), line: line)
        if metric == .score {
            if let t = try f.optionalString("track") {
                guard let track = Track(rawValue: t) else {
                    throw f.error("track", "unknown track '\(t)' (\(Track.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                limit.track = track
            }
            limit.baselineParams = try f.optionalNumber("baseline", positive: true)
            limit.baselineOps = try f.optionalNumber("baseline_ops", positive: true)
            if limit.track != nil && limit.baselineParams != nil { throw f.error("baseline", "give a track or a baseline, not both") }
            if limit.baselineParams != nil && limit.baselineOps == nil {
                throw f.error("baseline_ops", "a score needs the baseline's ops too")
            }
            if limit.baselineParams == nil { limit.track = limit.track ?? .wikitext103 }
        }
        if metric == .perplexity {
            let precision = try f.optionalString("precision") ?? "fp32"
            guard ["fp32", "fp16", "bf16"].contains(precision) else { throw f.error("precision", "must be fp32, fp16 or bf16") }
            limit.evaluation = EvaluationSpec(text: resolve(try f.string("text")), vocab: resolve(try f.string("vocab")),
                                              bptt: Int(try f.optionalNumber("bptt", positive: true) ?? 140),
                                              batchSize: Int(try f.optionalNumber("batch_size", positive: true) ?? 1),
                                              precision: precision)
        }
        return limit
    }
}

/// Typed access to one YAML mapping, with errors naming the file, line and field.
private struct Fields {
    let path: String
    let context: String
    let mark: Int?
    let pairs: [(String, Node)]

    init(_ node: Node, path: String, context: String) throws {
        self.path = path
        self.context = context
        self.mark = node.mark?.line
        guard let mapping = node.mapping else {
            throw BudgetFileError(path: path, line: node.mark?.line, problem: "\(context) must be a mapping of fields")
        }
        var pairs: [(String, Node)] = []
        for (key, value) in mapping {
            guard let k = key.scalar?.string else {
                throw BudgetFileError(path: path, line: key.mark?.line, problem: "\(context): field names must be plain strings")
            }
            if pairs.contains(where: { $0.0 == k }) {
                throw BudgetFileError(path: path, line: key.mark?.line, problem: "\(context): field '\(k)' appears twice")
            }
            pairs.append((k, value))
        }
        self.pairs = pairs
    }

    func error(_ field: String, _ problem: String) -> BudgetFileError {
        BudgetFileError(path: path, line: node(field)?.mark?.line ?? mark, problem: "\(context): '\(field)' \(problem)")
    }

    func node(_ key: String) -> Node? { pairs.first { $0.0 == key }?.1 }

    func allow(_ keys: Set<String>) throws {
        if let unknown = pairs.first(where: { !keys.contains($0.0) }) {
            throw BudgetFileError(path: path, line: unknown.1.mark?.line ?? mark,
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

    func optionalNumber(_ key: String, positive: Bool = false) throws -> Double? {
        guard let n = node(key) else { return nil }
        let value = try Fields.number(n, path: path, context: "\(context): '\(key)'")
        if positive && !(value > 0) { throw error(key, "must be positive, got \(num(value))") }
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
            throw BudgetFileError(path: path, line: node.mark?.line, problem: "\(context): must be a number, got '\(node.scalar?.string ?? "a structure")'")
        }
        return value
    }
}
