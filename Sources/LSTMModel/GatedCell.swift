/// The recurrent cell of an awd-lstm-lm gated model (`--model LSTM` or `--model GRU`): what a layer's gate
/// blocks are and how they make the next state. Everything else about the two models is the same.
public enum GatedCell: String, Sendable, Equatable {
    /// torch.nn.LSTM: gates i, f, g, o; state (h, c).
    case lstm = "LSTM"
    /// torch.nn.GRU: gates r, z, n; state h.
    case gru = "GRU"

    /// Gate blocks of H rows each in weight_ih_l0 and weight_hh_l0.
    public var gates: Int { self == .lstm ? 4 : 3 }

    /// The gate names in storage order, for error messages ("i, f, g, o").
    public var gateNames: String { self == .lstm ? "i, f, g, o" : "r, z, n" }

    /// The prefix of its ops and rows in an op graph ("lstm" → ops `lstm_0`…, row `block_lstm`).
    public var opPrefix: String { self == .lstm ? "lstm" : "gru" }
}
