import LanguageModel

/// One LSTM or GRU layer (torch.nn.LSTM / torch.nn.GRU, one layer, eval mode) run over a chunk of T steps for
/// B streams.
///
/// Rows are time-major (row t·B + b). Per step, with x = W_ih x_t + b_ih and y = W_hh h_{t−1} + b_hh split into
/// gate blocks:
///   LSTM (i, f, g, o): i = σ(x_i + y_i), f = σ(x_f + y_f), g = tanh(x_g + y_g), o = σ(x_o + y_o),
///                      c_t = f·c_{t−1} + i·g,   h_t = o·tanh(c_t)          (state h, c)
///   GRU (r, z, n):     r = σ(x_r + y_r), z = σ(x_z + y_z), n = tanh(x_n + r·y_n),
///                      h_t = n + z·(h_{t−1} − n)  (PyTorch's form of (1 − z)·n + z·h_{t−1}; state h)
/// The input projection of every step is one GEMM over the chunk; the recurrent product is one GEMV per step
/// (GEMM when B > 1).
struct LSTMLayer {
    let inputSize: Int
    let hiddenSize: Int
    let cell: GatedCell
    let weights: LSTMLayerWeights

    /// Runs `steps` steps of `batch` streams from `input` (rows × I) into `output` (rows × H), updating
    /// `hidden` and `cell` (batch × H each; a GRU has no cell and leaves it alone).
    func forward(input: UnsafePointer<Float>, steps: Int, batch: Int, output: UnsafeMutablePointer<Float>,
                 hidden: UnsafeMutablePointer<Float>, cell cellState: UnsafeMutablePointer<Float>,
                 inputGates: Scratch, hiddenGates: Scratch, precision: Precision) {
        let rows = steps * batch, h = hiddenSize, gh = cell.gates * h
        let xg = inputGates.reserve(rows * gh)
        Kernels.gemmTransB(m: rows, n: gh, k: inputSize, a: input, lda: inputSize,
                           b: weights.inputWeight.base, ldb: inputSize, c: xg, ldc: gh)
        let hg = hiddenGates.reserve(batch * gh)
        let whh = weights.hiddenWeight.base
        for t in 0..<steps {
            // h_{t−1}: the carried state for the first step, else the previous step's output rows.
            let previous: UnsafePointer<Float> = t == 0 ? UnsafePointer(hidden) : UnsafePointer(output + (t - 1) * batch * h)
            if precision != .fp32 { precision.round(xg + t * batch * gh, count: batch * gh) }
            let o = SendablePointer(output + t * batch * h), x = SendablePointer(xg + t * batch * gh), y = SendablePointer(hg)
            let c = SendablePointer(cellState), p = SendablePointer(UnsafeMutablePointer(mutating: previous))
            func step(_ b: Int, _ units: Range<Int>) {
                cellStep(inputGates: x.p + b * gh, hiddenGates: y.p + b * gh, previous: p.p + b * h, cell: c.p + b * h,
                         out: o.p + b * h, units: units, precision: precision)
            }
            if batch == 1 {
                // One dispatch a step: each thread owns a slice of the hidden units, computes their gate rows of
                // W_hh·h_{t−1} and updates their state. Every row is summed in the kernel's fixed order, so the
                // split never changes a result. At least 2^16 weights a part, so a part outweighs its dispatch.
                let parts = Swift.max(1, Swift.min(Kernels.threads, (gh * h) >> 16))
                Kernels.parallelItems(parts, grain: 1) { part in
                    let units = (h * part / parts)..<(h * (part + 1) / parts)
                    for k in 0..<cell.gates {
                        let rows = (k * h + units.lowerBound)..<(k * h + units.upperBound)
                        GEMVKernel.best.run(rows: rows, n: h, a: whh, lda: h, x: p.p, y: y.p + rows.lowerBound)
                    }
                    step(0, units)
                }
                continue
            }
            Kernels.gemmTransB(m: batch, n: gh, k: h, a: previous, lda: h, b: whh, ldb: h, c: hg, ldc: gh)
            if batch >= 8 {
                Kernels.parallelRows(batch) { b in step(b, 0..<h) }
            } else {
                // Few streams: split the hidden units instead (at least 512 a part, so a part outweighs its dispatch).
                let parts = max(1, min(Kernels.threads, h / 512))
                Kernels.parallelItems(parts, grain: 1) { part in
                    for b in 0..<batch { step(b, (h * part / parts)..<(h * (part + 1) / parts)) }
                }
            }
        }
        hidden.update(from: output + (rows - batch) * h, count: batch * h)
    }

    /// Gates → activations → new state, for the hidden units `units` of one stream. `x` and `y` hold the
    /// stream's input and recurrent gate products without their biases.
    @inline(__always)
    private func cellStep(inputGates x: UnsafeMutablePointer<Float>, hiddenGates y: UnsafeMutablePointer<Float>,
                          previous: UnsafePointer<Float>, cell c: UnsafeMutablePointer<Float>,
                          out: UnsafeMutablePointer<Float>, units: Range<Int>, precision: Precision) {
        let h = hiddenSize
        let bi = weights.inputBias.base, bh = weights.hiddenBias.base
        if precision == .fp32 {
            // Gate k of unit j, both products with their biases.
            func gate(_ k: Int, _ j: Int) -> Float { (x[k * h + j] + bi[k * h + j]) + (y[k * h + j] + bh[k * h + j]) }
            switch cell {
            case .lstm:
                for j in units {
                    let i = Kernels.sigmoid(gate(0, j)), f = Kernels.sigmoid(gate(1, j))
                    let g = Kernels.tanh(gate(2, j)), o = Kernels.sigmoid(gate(3, j))
                    let cj = f * c[j] + i * g
                    c[j] = cj
                    out[j] = o * Kernels.tanh(cj)
                }
            case .gru:
                for j in units {
                    let r = Kernels.sigmoid(gate(0, j)), z = Kernels.sigmoid(gate(1, j))
                    let n = Kernels.tanh((x[2 * h + j] + bi[2 * h + j]) + r * (y[2 * h + j] + bh[2 * h + j]))
                    out[j] = n + z * (previous[j] - n)
                }
            }
        } else {
            // Same cell, every op's result rounded to the 16-bit format.
            let p = precision
            for k in 0..<cell.gates { precision.round(y + k * h + units.lowerBound, count: units.count) }
            func input(_ k: Int, _ j: Int) -> Float { p.round(x[k * h + j] + bi[k * h + j]) }
            func recurrent(_ k: Int, _ j: Int) -> Float { p.round(y[k * h + j] + bh[k * h + j]) }
            func gate(_ k: Int, _ j: Int) -> Float { p.round(input(k, j) + recurrent(k, j)) }
            switch cell {
            case .lstm:
                for j in units {
                    let i = p.round(Kernels.sigmoid(gate(0, j)))
                    let f = p.round(Kernels.sigmoid(gate(1, j)))
                    let g = p.round(Kernels.tanh(gate(2, j)))
                    let o = p.round(Kernels.sigmoid(gate(3, j)))
                    let cj = p.round(p.round(f * c[j]) + p.round(i * g))
                    c[j] = cj
                    out[j] = p.round(o * p.round(Kernels.tanh(cj)))
                }
            case .gru:
                for j in units {
                    let r = p.round(Kernels.sigmoid(gate(0, j)))
                    let z = p.round(Kernels.sigmoid(gate(1, j)))
                    let n = p.round(Kernels.tanh(p.round(input(2, j) + p.round(r * recurrent(2, j)))))
                    out[j] = p.round(n + p.round(z * p.round(previous[j] - n)))
                }
            }
        }
    }
}
