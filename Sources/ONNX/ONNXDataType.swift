/// An ONNX element type (`TensorProto.DataType`), with the upstream numbering.
public enum ONNXDataType: Int, Sendable, CaseIterable {
    case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, string = 8, bool = 9
    case float16 = 10, double = 11, uint32 = 12, uint64 = 13, complex64 = 14, complex128 = 15, bfloat16 = 16
    case float8e4m3fn = 17, float8e4m3fnuz = 18, float8e5m2 = 19, float8e5m2fnuz = 20
    case uint4 = 21, int4 = 22, float4e2m1 = 23, float8e8m0 = 24, uint2 = 25, int2 = 26

    /// The name ONNX prints (`FLOAT`, `INT64`, ...), lower-cased as micronet's tables print dtypes.
    public var name: String {
        switch self {
        case .float: return "float32"
        case .double: return "float64"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        default: return String(describing: self)
        }
    }

    /// Bits per element as stored in `raw_data` (strings have none: nil).
    public var bitWidth: Int? {
        switch self {
        case .double, .int64, .uint64, .complex64: return 64
        case .complex128: return 128
        case .float, .int32, .uint32: return 32
        case .float16, .bfloat16, .int16, .uint16: return 16
        case .uint8, .int8, .bool, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0: return 8
        case .uint4, .int4, .float4e2m1: return 4
        case .uint2, .int2: return 2
        case .string: return nil
        }
    }

    /// Bytes `count` elements take in `raw_data` (sub-byte types are packed, rounded up), or nil on overflow.
    func rawByteCount(_ count: Int) -> Int? {
        guard let bits = bitWidth else { return nil }
        let (b, o) = count.multipliedReportingOverflow(by: bits)
        return o ? nil : (b + 7) / 8
    }

    /// True for the element types of weights and activations (not strings, not booleans).
    public var isFloatingPoint: Bool {
        switch self {
        case .float, .double, .float16, .bfloat16, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz,
             .float4e2m1, .float8e8m0: return true
        default: return false
        }
    }
}
