/// The recurrent layers of a language model, between the embedding and the softmax head.
///
/// A stack reads E features per token and writes F features per token; whatever it carries from one
/// chunk of steps to the next (cell states, hidden states, previous inputs) lives in its `State`,
/// together with the work areas its forward pass needs.
public protocol RecurrentStack: Sendable {
    /// The stack's own architecture description (sizes, windows, ...).
    associatedtype Config: Equatable & Sendable
    /// Carried state and work areas of one run over `batch` streams.
    associatedtype State: AnyObject

    /// The architecture.
    var config: Config { get }
    /// Features read per token (the embedding width E).
    var inputSize: Int { get }
    /// Features written per token (what the decoder reads).
    var outputSize: Int { get }

    /// Zero state for `batch` streams (awd-lstm-lm's init_hidden and reset()). `workArea` is lent for the
    /// length of each `forward` call only: between calls the caller reuses it (for the softmax logits), so
    /// the two largest work areas share one allocation and nothing may be kept in it from call to call.
    func makeState(batch: Int, workArea: Scratch) -> State

    /// Runs `steps` steps of `batch` streams from `input` (time-major rows t·B + b, `inputSize` wide),
    /// updating `state`; returns the output rows (`outputSize` wide), valid until the next call with `state`.
    func forward(input: UnsafePointer<Float>, steps: Int, batch: Int, state: State,
                 precision: Precision) -> UnsafePointer<Float>

    /// The same stack with every weight rounded to `precision`.
    func rounded(to precision: Precision) -> Self

    /// The first NaN or infinite weight, named as the checkpoint names it, or nil.
    func firstNonFiniteWeight() -> String?
}
