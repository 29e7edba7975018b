/// A tensor stored in the model (an initializer or a tensor attribute): its name, element type and
/// shape are read eagerly, its values only when asked for (zeros, constants), straight from the
/// mapped file.
public struct ONNXTensor: Sendable {
    /// The tensor's name (the value name nodes refer to).
    public let name: String
    /// Element type.
    public let dataType: ONNXDataType
    /// Dimensions (empty for a scalar).
    public let shape: [Int]
    /// Number of elements (the product of `shape`, checked against overflow).
    public let count: Int
    /// The model file, for errors that come up when values are read.
    public let modelPath: String
    let data: TensorData

    /// The external-data file holding the values, or nil when they are inside the model file.
    public var externalFile: String? {
        if case .external(let path, _, _) = data { return path }
        return nil
    }

    /// Number of elements that are exactly zero (both signed zeros for floating-point types); reads
    /// every value, at memory speed for raw data.
    public func zeroCount() throws -> Int {
        try named { try zeroCountUnnamed() }
    }

    private func zeroCountUnnamed() throws -> Int {
        switch data {
        case .none: return 0
        case .raw(let file, let range): return RawValues.zeroCount(file.bytes(range), dataType, count)
        case .external(let path, let offset, let length):
            let file = try mapExternal(path, offset, length)
            return RawValues.zeroCount(file.all, dataType, count)
        case .typed:
            var zeros = 0
            try forEachValue { if $0 == 0 { zeros += 1 } }
            return zeros
        }
    }

    /// Fraction of elements exactly equal to zero (0 for an empty tensor).
    public func zeroFraction() throws -> Double {
        count == 0 ? 0 : Double(try zeroCount()) / Double(count)
    }

    /// Every value converted to Double, in row-major order (exact for all types but 64-bit
    /// integers beyond 2^53). Throws for element types without numeric values (strings, float8).
    public func values() throws -> [Double] {
        // The count was checked against the bytes holding the values when the tensor was read.
        var out: [Double] = []
        if RawValues.hasNumericValues(dataType) { out.reserveCapacity(count) }
        try named { try forEachValue { out.append($0) } }
        return out
    }

    /// Every value of an integer or boolean tensor as Int64, exactly (shape constants, axes).
    public func integerValues() throws -> [Int64] {
        var out: [Int64] = []
        if RawValues.hasNumericValues(dataType) { out.reserveCapacity(count) }
        try named { try forEachInteger { out.append($0) } }
        return out
    }

    /// Runs `body`, turning a low-level problem into an ONNXError naming the model file.
    private func named<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as WireError { throw ONNXError(path: modelPath, message: e.message) }
    }

    /// Calls `body` with every value as Double, in row-major order.
    func forEachValue(_ body: (Double) -> Void) throws {
        guard RawValues.hasNumericValues(dataType) else {
            throw WireError("tensor '\(name)' of type \(dataType.name) has no numeric values micronet can read")
        }
        var seen = 0
        switch data {
        case .none: break
        case .raw(let file, let range):
            seen = RawValues.forEach(file.bytes(range), dataType, count, body)
        case .external(let path, let offset, let length):
            let file = try mapExternal(path, offset, length)
            seen = RawValues.forEach(file.all, dataType, count, body)
        case .typed(let file, let field, let pieces):
            seen = try TypedValues.forEach(file, field, pieces, dataType, count: count) { body($0) }
        }
        guard seen == count else {
            throw WireError("tensor '\(name)' has \(seen) values for shape \(shape) (\(count) elements)")
        }
    }

    /// Calls `body` with every value of an integer or boolean tensor as Int64.
    func forEachInteger(_ body: (Int64) -> Void) throws {
        switch dataType {
        case .int64, .int32, .int16, .int8, .uint8, .uint16, .uint32, .bool, .int4, .uint4: break
        case .uint64:
            try forEachValue { body(Int64(exactly: $0) ?? Int64.max) }
            return
        default:
            try forEachValue { body(Int64(exactly: $0.rounded(.towardZero)) ?? 0) }
            return
        }
        var seen = 0
        switch data {
        case .none: break
        case .raw(let file, let range):
            seen = RawValues.forEachInteger(file.bytes(range), dataType, count, body)
        case .external(let path, let offset, let length):
            let file = try mapExternal(path, offset, length)
            seen = RawValues.forEachInteger(file.all, dataType, count, body)
        case .typed(let file, let field, let pieces):
            seen = try TypedValues.forEachInteger(file, field, pieces, dataType, count: count, body)
        }
        guard seen == count else {
            throw WireError("tensor '\(name)' has \(seen) values for shape \(shape) (\(count) elements)")
        }
    }

    private func mapExternal(_ path: String, _ offset: Int, _ length: Int) throws -> ModelFile {
        do { return try ModelFile(path: path, offset: offset, length: length) } catch let e as WireError {
            throw WireError("external data of '\(name)' (\(path)): \(e.message)")
        }
    }
}

/// Where a tensor's values are.
enum TensorData: Sendable {
    /// No values (an empty tensor, or a string tensor).
    case none
    /// Little-endian `raw_data` inside the model file.
    case raw(ModelFile, Range<Int>)
    /// One of the typed repeated fields (`float_data`, `int64_data`, ...), as the wire pieces it occupies.
    case typed(ModelFile, TypedField, [TypedPiece])
    /// Raw little-endian bytes in another file (already resolved, checked to exist and to be long enough).
    case external(path: String, offset: Int, length: Int)
}

/// The typed data fields of TensorProto, by field number.
enum TypedField: Int, Sendable {
    case floatData = 4, int32Data = 5, int64Data = 7, doubleData = 10, uint64Data = 11

    /// The wire type of one unpacked element.
    var elementWire: WireReader.WireType {
        switch self {
        case .floatData: return .fixed32
        case .doubleData: return .fixed64
        case .int32Data, .int64Data, .uint64Data: return .varint
        }
    }
}

/// One stretch of a typed field on the wire: a packed run of elements, or consecutive unpacked
/// key-value pairs of the same field.
struct TypedPiece: Sendable {
    var packed: Bool
    var range: Range<Int>
}
