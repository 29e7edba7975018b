/// A storage class named like a quantized one that micronet does not know (`QInt2Storage`: a dtype a later torch
/// may add, or a damaged file). Its element size is unknown, so the file cannot be read; but the error should
/// name the tensor, and the pickle reaches the storage before the key that names it. So the first pass stops
/// at the storage (`FormatError.unknownQuantizedStorage`), and a second pass (`LoadedCheckpoint.parse`) reads the
/// object pickle alone with a one-byte stand-in dtype for such storages, binds no storage bytes, flattens, and
/// names the first tensor on one.
enum UnknownQuantizedStorage {
    /// The dtype a stand-in storage pretends to have: a quantized one, so `_rebuild_qtensor` accepts it.
    static let standIn = DType.qint8

    /// The one-line problem, without the tensor.
    static func problem(_ qualified: String) -> String {
        "unknown quantized dtype: storage type \(qualified) (micronet reads QInt8, QUInt8, QInt32 and QUInt4x2 storages)"
    }

    /// The error of the first pass, which cannot name the tensor yet.
    static func error(_ qualified: String) -> FormatError {
        var e = FormatError(problem(qualified))
        e.unknownQuantizedStorage = qualified
        return e
    }

    /// The second pass's error: the first flattened tensor on an unknown storage, by name.
    static func namedError(_ named: [(name: String, tensor: Tensor, optimizer: Bool, declared: TensorRole?)],
                           unknown: [String: String]) -> FormatError? {
        for t in named {
            if let qualified = unknown[t.tensor.storageKey] {
                return FormatError("quantized tensor '\(t.name)': \(problem(qualified))")
            }
        }
        return nil
    }
}
