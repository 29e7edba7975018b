/// Every dtype torch writes.
public enum DType: String, Sendable, CaseIterable {
    case float32, float16, bfloat16, float64, int8, int16, int32, int64, uint8, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// The dtype of a legacy storage class name (`FloatStorage`, `torch.cuda.HalfStorage`, ...);
    /// torch matches these by class name only, so the module is ignored.
    static func fromStorageClass(_ name: String) -> DType? {
        switch name {
        case "FloatStorage": return .float32
        case "HalfStorage": return .float16
        case "BFloat16Storage": return .bfloat16
        case "DoubleStorage": return .float64
        case "CharStorage": return .int8
        case "ShortStorage": return .int16
        case "IntStorage": return .int32
        case "LongStorage": return .int64
        case "ByteStorage": return .uint8
        case "BoolStorage": return .bool
        default: return nil
        }
    }

    /// The dtype named by a `torch <name>` global such as `torch float32` or `torch half`.
    static func fromTorchName(_ name: String) -> DType? {
        switch name {
        case "float32", "float": return .float32
        case "float16", "half": return .float16
        case "bfloat16": return .bfloat16
        case "float64", "double": return .float64
        case "int8": return .int8
        case "int16", "short": return .int16
        case "int32", "int": return .int32
        case "int64", "long": return .int64
        case "uint8": return .uint8
        case "bool": return .bool
        default: return nil
        }
    }
}
