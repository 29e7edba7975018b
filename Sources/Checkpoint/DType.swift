/// Every dtype torch writes.
public enum DType: String, Sendable, CaseIterable {
    case float32, float16, bfloat16, float64, int8, int16, int32, int64, uint8, bool
    /// torch.ao quantized integers (`QInt8Storage` ...); a tensor of these carries a `Quantization`.
    case qint8, quint8, qint32, quint4x2

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32, .qint32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool, .qint8, .quint8: return 1
        case .quint4x2: return 1  // storages count bytes; each byte holds two elements
        }
    }

    /// Bits one element occupies in the file (4 for quint4x2, whose storage packs two per byte).
    public var bits: Int { self == .quint4x2 ? 4 : byteSize * 8 }

    /// True for the torch.ao quantized integer types.
    public var isQuantized: Bool {
        switch self {
        case .qint8, .quint8, .qint32, .quint4x2: return true
        default: return false
        }
    }

    /// True for float16 and bfloat16, the half-precision types a checkpoint may store weights in.
    public var isHalf: Bool { self == .float16 || self == .bfloat16 }

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
        case "QInt8Storage": return .qint8
        case "QUInt8Storage": return .quint8
        case "QInt32Storage": return .qint32
        case "QUInt4x2Storage": return .quint4x2
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
        case "qint8": return .qint8
        case "quint8": return .quint8
        case "qint32": return .qint32
        case "quint4x2": return .quint4x2
        default: return nil
        }
    }
}
