import Graph

/// What the 16-bit freebie does to one model, so that the commands' notes on their default bits never
/// promise a difference the model does not have.
public enum FreebieEffect: Equatable, Sendable {
    /// The freebie changes the figures (an unquantized model stored at 32 bits).
    case changes
    /// The freebie is refused: an op is quantized below 16 bits.
    case refused
    /// The freebie changes nothing: every op carries bits of its own (an fp16 or bf16 checkpoint, say).
    case nothing

    /// The effect on `graph` of claiming the freebie, `freebie` being the settings with --input-bits 16
    /// and `plain` the same settings at 32 bits.
    public init(graph: OpGraph, plain: CountSettings, freebie: CountSettings) {
        let (claimed, note) = freebie.applyingFreebieRule(to: graph)
        if note != nil {
            self = .refused
            return
        }
        let counter = MicroNetCounter(graph: graph)
        self = counter.count(settings: plain).totalScaled == counter.count(settings: claimed).totalScaled ? .nothing : .changes
    }
}
