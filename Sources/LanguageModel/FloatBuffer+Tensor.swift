import Checkpoint

/// Keeps a loaded checkpoint (its memory map) alive while weights borrow from it.
public final class CheckpointOwner {
    /// The checkpoint whose bytes are borrowed.
    public let checkpoint: LoadedCheckpoint
    /// Wraps `checkpoint`.
    public init(_ checkpoint: LoadedCheckpoint) { self.checkpoint = checkpoint }
}

extension FloatBuffer {
    /// The tensor's values: a view into the mapped file for contiguous, aligned float32; else a converted copy
    /// made now into aligned memory, one tensor at a time and only for tensors a model uses (the source pages
    /// of a mapped file are released as they are copied, so a misaligned legacy checkpoint costs ~1× its weights).
    public init(_ tensor: Tensor, owner: AnyObject) {
        if let view = tensor.float32View, let base = view.baseAddress {
            self.init(borrowing: base, count: view.count, owner: owner)
            return
        }
        let owned = OwnedFloats(count: tensor.count, zeroed: false)
        tensor.copyFloat32(into: owned.pointer)
        self.init(owned: owned)
    }
}
