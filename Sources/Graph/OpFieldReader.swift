/// Typed, range-checked access to one JSON object's fields, with errors naming the file, op and field.
public struct OpFieldReader {
    /// The largest size a graph file may give one dimension (sizes multiply, so each is bounded).
    public static let maxSize = Int(Int32.max)

    let path: String
    let op: String?
    let pairs: [(String, JSONValue)]

    init(path: String, op: String?, pairs: [(String, JSONValue)]) {
        self.path = path
        self.op = op
        self.pairs = pairs
    }

    /// An error at `field` of this object.
    public func error(_ field: String, _ problem: String) -> GraphFileError {
        GraphFileError(path: path, op: op, field: field, problem: problem)
    }

    /// Whether the field is present (even as null).
    public func has(_ key: String) -> Bool { pairs.contains { $0.0 == key } }

    func allow(_ keys: Set<String>) throws {
        if let unknown = pairs.first(where: { !keys.contains($0.0) }) {
            throw error(unknown.0, "unknown field (allowed: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    /// The field's value; throws when it is missing.
    public func value(_ key: String) throws -> JSONValue {
        guard let v = pairs.first(where: { $0.0 == key })?.1 else { throw error(key, "missing") }
        return v
    }

    /// A string field.
    public func string(_ key: String) throws -> String {
        guard case .string(let s) = try value(key) else { throw error(key, "must be a string") }
        return s
    }

    /// A string field that may be absent or null.
    public func optionalString(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        if case .null = try value(key) { return nil }
        return try string(key)
    }

    /// A boolean field.
    public func bool(_ key: String) throws -> Bool {
        guard case .bool(let b) = try value(key) else { throw error(key, "must be true or false") }
        return b
    }

    /// A boolean field that may be absent or null.
    public func optionalBool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        if case .null = try value(key) { return nil }
        return try bool(key)
    }

    /// A finite number that may be absent or null.
    public func optionalNumber(_ key: String) throws -> Double? {
        guard has(key) else { return nil }
        let v = try value(key)
        if case .null = v { return nil }
        guard let d = v.doubleValue, d.isFinite else { throw error(key, "must be a number") }
        return d
    }

    /// An array field.
    public func array(_ key: String) throws -> [JSONValue] {
        guard case .array(let items) = try value(key) else { throw error(key, "must be an array") }
        return items
    }

    /// An integer in `range`; the message gives the range.
    public func int(_ value: JSONValue, _ key: String, in range: ClosedRange<Int>) throws -> Int {
        guard case .int(let i) = value, range.contains(i) else {
            let got: String
            switch value {
            case .int(let i): got = String(i)
            case .double(let d): got = "\(d)"
            default: got = value.serialized(pretty: false)
            }
            throw error(key, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \(got)")
        }
        return i
    }

    /// A size: an integer from 1 to `maxSize`.
    public func size(_ key: String) throws -> Int {
        try int(try value(key), key, in: 1...Self.maxSize)
    }

    /// An integer in `range` that may be absent or null.
    public func optionalInt(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard has(key) else { return nil }
        let v = try value(key)
        if case .null = v { return nil }
        return try int(v, key, in: range)
    }

    /// An optional size, `defaultValue` when absent.
    public func size(_ key: String, default defaultValue: Int) throws -> Int {
        try optionalInt(key, in: 1...Self.maxSize) ?? defaultValue
    }

    /// Exactly `count` integers, each in `range`.
    public func ints(_ key: String, count: Int, in range: ClosedRange<Int> = 1...maxSize) throws -> [Int] {
        let items = try array(key)
        guard items.count == count else { throw error(key, "must have \(count) integers, got \(items.count)") }
        return try items.map { try int($0, key, in: range) }
    }

    /// One or more sizes (a tensor shape).
    public func shape(_ key: String) throws -> [Int] {
        let items = try array(key)
        guard !items.isEmpty, items.count <= 8 else { throw error(key, "must have 1 to 8 sizes, got \(items.count)") }
        return try items.map { try int($0, key, in: 1...Self.maxSize) }
    }

    /// The product of `factors`, or an error naming `key` when it passes Int64.
    public func product(_ factors: [Int], _ key: String) throws -> Int {
        var result = 1
        for f in factors {
            let (p, overflow) = result.multipliedReportingOverflow(by: f)
            guard !overflow else { throw error(key, "sizes multiply past the 64-bit integer range (\(factors.map(String.init).joined(separator: " × ")))") }
            result = p
        }
        return result
    }

    /// A string from `names`, listed in the message when it is not one.
    public func choice<T>(_ key: String, _ names: [String: T]) throws -> T {
        let s = try string(key)
        guard let v = names[s] else { throw error(key, "unknown value \"\(s)\" (known: \(names.keys.sorted().joined(separator: ", ")))") }
        return v
    }

    /// An activation: absent, null or "" mean none.
    public func activation(_ key: String) throws -> Activation? {
        guard has(key) else { return nil }
        switch try value(key) {
        case .null: return nil
        case .string(let s):
            if s.isEmpty { return nil }
            guard let a = Activation(rawValue: s) else {
                throw error(key, "unknown activation \"\(s)\" (known: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), or null)")
            }
            return a
        default: throw error(key, "must be a string or null")
        }
    }

    /// Input height and width: the reference's square `input_size`, or `input_shape: [H, W]`.
    public func spatialInput() throws -> (height: Int, width: Int) {
        if has("input_shape") {
            guard !has("input_size") else { throw error("input_shape", "give input_size or input_shape, not both") }
            let hw = try ints("input_shape", count: 2)
            return (hw[0], hw[1])
        }
        let n = try size("input_size")
        return (n, n)
    }

    /// A sliding window: input, kernel (from `kernel`), `strides`, optional `dilations`, `padding` or `pads`.
    public func window(kernel: (height: Int, width: Int)) throws -> SpatialWindow {
        let input = try spatialInput()
        let strides = try ints("strides", count: 2)
        let dilations = has("dilations") ? try ints("dilations", count: 2) : [1, 1]
        let padding: Padding
        if has("pads") {
            guard !has("padding") else { throw error("pads", "give padding or pads, not both") }
            let p = try ints("pads", count: 4, in: 0...Self.maxSize)
            padding = .explicit(top: p[0], left: p[1], bottom: p[2], right: p[3])
        } else {
            padding = try choice("padding", Padding.named)
            guard dilations == [1, 1] else {
                throw error("dilations", "dilations other than 1 need explicit pads [top, left, bottom, right], not padding \"\(padding.name ?? "")\"")
            }
        }
        let w = SpatialWindow(inputHeight: input.height, inputWidth: input.width, kernelHeight: kernel.height,
                              kernelWidth: kernel.width, strideHeight: strides[0], strideWidth: strides[1],
                              dilationHeight: dilations[0], dilationWidth: dilations[1], padding: padding)
        // Dilated extents and padded inputs stay far inside Int64 with every size below 2^31.
        guard w.outputHeight >= 1, w.outputWidth >= 1 else {
            throw error("kernel_shape", "the kernel does not fit the padded \(input.height)×\(input.width) input")
        }
        return w
    }
}

extension SpatialWindow {
    /// The window's graph-file fields (input, strides, dilations when not 1, padding or pads); the kernel is the kind's.
    func fields() -> (input: [(String, JSONValue)], rest: [(String, JSONValue)]) {
        let input: [(String, JSONValue)] = inputHeight == inputWidth ? [("input_size", .int(inputHeight))]
            : [("input_shape", .ints([inputHeight, inputWidth]))]
        var rest: [(String, JSONValue)] = [("strides", .ints([strideHeight, strideWidth]))]
        if dilationHeight != 1 || dilationWidth != 1 { rest.append(("dilations", .ints([dilationHeight, dilationWidth]))) }
        switch padding {
        case .same, .valid: rest.append(("padding", .string(padding.name ?? "")))
        case .explicit(let t, let l, let b, let r): rest.append(("pads", .ints([t, l, b, r])))
        }
        return (input, rest)
    }

    /// The graph-file names of a window's fields.
    static let fieldNames = ["input_size", "input_shape", "strides", "dilations", "padding", "pads"]
}

extension JSONValue {
    /// An array of integers.
    public static func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }
}
