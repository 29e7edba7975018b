/// An elementwise activation, fused into an op or standing alone (see `ActivationLayer`).
public enum Activation: String, Sendable, CaseIterable {
    case relu, swish, sigmoid, tanh, hswish, hardsigmoid, softmax, gelu, erf

    /// (mults, adds) per element. Comparisons and transcendentals are booked as multiplications, as the
    /// reference books relu and sigmoid's exp.
    ///
    /// relu, swish and sigmoid are the reference counter's; tanh is the seed's (3, 2). The rest are the
    /// project's convention: hswish = x · relu6(x + 3) / 6 (one add, a clamp, two products); a lone hard
    /// sigmoid at sigmoid's cost; softmax one exp, one divide and one add into the normaliser; gelu =
    /// 0.5·x·(1 + erf(x/√2)) (scale, erf, product, half; one add); erf alone one op.
    public var cost: (mults: Double, adds: Double) {
        switch self {
        case .relu: return (1, 0)
        case .swish: return (3, 1)
        case .sigmoid: return (2, 1)
        case .tanh: return (3, 2)
        case .hswish: return (3, 1)
        case .hardsigmoid: return (2, 1)
        case .softmax: return (2, 1)
        case .gelu: return (4, 1)
        case .erf: return (1, 0)
        }
    }
}

/// (mults, adds) per output element of an activation (see `Activation.cost`).
public func activationCost(_ activation: Activation) -> (mults: Double, adds: Double) { activation.cost }

extension OpCost {
    /// Adds an optional activation's cost over `outputs` elements.
    mutating func addActivation(_ activation: Activation?, outputs: Double) {
        guard let activation else { return }
        mults += activation.cost.mults * outputs
        adds += activation.cost.adds * outputs
    }
}
