/// Every op kind the counter knows, in the order help texts and errors list them.
public enum OpRegistry {
    /// The kinds: the reference counter's six, the seed's extensions, then the project's.
    public static let kinds: [any OpKind.Type] = [
        Conv2D.self, DepthWiseConv2D.self, FullyConnected.self, GlobalAvg.self, Scale.self, Add.self,
        GlobalMax.self, Embedding.self, QRNN.self, LSTM.self, GRU.self,
        MaxPool.self, AvgPool.self, ActivationLayer.self, Elementwise.self, MatMul.self, LayerNormalization.self, Parameters.self,
    ]

    /// The kind graph files call `typeName`.
    public static func kind(named typeName: String) -> (any OpKind.Type)? {
        kinds.first { $0.typeName == typeName }
    }

    /// The known type names, comma-separated, for error messages.
    public static var knownNames: String { kinds.map { $0.typeName }.joined(separator: ", ") }
}
