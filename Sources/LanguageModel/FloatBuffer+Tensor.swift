import Checkpoint

/// Keeps a loaded checkpoint (its memory map) alive while weights borrow from it.
public final class CheckpointOwner {
    /// The checkpoint whose bytes are borrowed.
    public let checkpoint: LoadedCheckpoint
    /// Wraps `checkpoint`.
    public init(_ checkpoint: LoadedCheckpoint) { self.checkpoint = checkpoint }
}

extension FloatBuffer {
    /// The tensor's values: a view into the mapped file for contiguous, aligned float32, else a converted
    /// copy made now (so only tensors a model uses are ever copied).
    public init(_ tensor: Tensor, owner: AnyObject) {
        if tensor.dtype == .float32, tensor.isContiguous {
            // withFloat32 hands out the mapped bytes or, when they are misaligned, a temporary copy.
            // A nested call tells them apart: two live copies never share an address, the mapping always does.
            let view: FloatBuffer? = tensor.withFloat32 { outer in
                tensor.withFloat32 { inner in
                    guard let o = outer.baseAddress, o == inner.baseAddress else { return nil }
                    return FloatBuffer(borrowing: o, count: outer.count, owner: owner)
                }
            }
            if let view { self = view; return }
        }
        self.init(tensor.toFloat32())
    }
}
