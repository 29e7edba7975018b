/// Adds of a dot product of `n` non-zero terms (an average, with sparsity): the reference's n − 1, held at
/// zero below one term, where that formula goes negative (a weight pruned almost or wholly to zeros).
func dotProductAdds(_ n: Double) -> Double { max(n - 1, 0) }

/// Bits to store `elements` weights of `bits` each at `sparsity`, as the reference's get_sparse_size:
/// the surviving values, plus a one-bit mask per element only when the tensor is sparse at all.
public func sparseSizeBits(elements: Double, bits: Double, sparsity: Double) -> Double {
    var size = elements * bits * (1 - sparsity)
    if sparsity > 0 { size += elements }
    return size
}
