/// A reusable float work area that grows on demand, so the per-chunk loop allocates nothing once warm.
public final class Scratch {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        pointer = .allocate(capacity: self.capacity)
    }

    /// Storage for at least `count` floats; earlier contents are not kept when it grows.
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
        }
        return pointer
    }

    deinit { pointer.deallocate() }
}
