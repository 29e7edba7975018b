/// Bits to store `elements` weights of `bits` each at `sparsity`, as the reference's get_sparse_size:
/// the surviving values, plus a one-bit mask per element only when the tensor is sparse at all.
public func sparseSizeBits(elements: Double, bits: Double, sparsity: Double) -> Double {
    var size = elements * bits * (1 - sparsity)
    if sparsity > 0 { size += elements }
    return size
}
