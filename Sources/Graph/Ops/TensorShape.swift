/// Reads a `shape` field: the dims of an op's output tensor (batch 1), at most 8, product within Int64.
func readShape(_ r: OpFieldReader) throws -> [Int] {
    let shape = try r.shape("shape")
    _ = try r.product(shape, "shape")
    return shape
}

/// The number of elements of a shape.
func elementCount(_ shape: [Int]) -> Double { shape.reduce(1.0) { $0 * Double($1) } }
