import LanguageModel

/// One LSTM layer (torch.nn.LSTM, one layer, eval mode) run over a chunk of T steps for B streams.
///
/// Rows are time-major (row t·B + b). Per step, with W_ih, W_hh split into gate blocks i, f, g, o:
///   gates = (W_ih x_t + b_ih) + (W_hh h_{t−1} + b_hh)
///   i = σ(gates_i), f = σ(gates_f), g = tanh(gates_g), o = σ(gates_o)
///   c_t = f·c_{t−1} + i·g,   h_t = o·tanh(c_t)
/// The carried state is (h, c). The input projection of every step is one GEMM over the chunk; the
/// recurrent product is one GEMV per step (GEMM when B > 1).
struct LSTMLayer {
    let inputSize: Int
    let hiddenSize: Int
    let weights: LSTMLayerWeights

    /// Runs `steps` steps of `batch` streams from `input` (rows × I) into `output` (rows × H), updating
    /// `hidden` and `cell` (batch × H each).
    func forward(input: UnsafePointer<Float>, steps: Int, batch: Int, output: UnsafeMutablePointer<Float>,
                 hidden: UnsafeMutablePointer<Float>, cell: UnsafeMutablePointer<Float>,
                 inputGates: Scratch, hiddenGates: Scratch, precision: Precision) {
        let rows = steps * batch, h = hiddenSize, g4 = 4 * h
        let xg = inputGates.reserve(rows * g4)
        Kernels.gemmTransB(m: rows, n: g4, k: inputSize, a: input, lda: inputSize,
                           b: weights.inputWeight.base, ldb: inputSize, c: xg, ldc: g4)
        let hg = hiddenGates.reserve(batch * g4)
        let whh = weights.hiddenWeight.base
        for t in 0..<steps {
            // h_{t−1}: the carried state for the first step, else the previous step's output rows.
            let previous: UnsafePointer<Float> = t == 0 ? UnsafePointer(hidden) : UnsafePointer(output + (t - 1) * batch * h)
            if precision != .fp32 { precision.round(xg + t * batch * g4, count: batch * g4) }
            let out = output + t * batch * h
            let o = SendablePointer(out), x = SendablePointer(xg + t * batch * g4), y = SendablePointer(hg)
            let c = SendablePointer(cell), hPrevious = SendablePointer(UnsafeMutablePointer(mutating: previous))
            if batch == 1 {
                // One dispatch a step: each thread owns a slice of the hidden units, computes their four gate
                // rows of W_hh·h_{t−1} and updates their cell. Every row is summed in the kernel's fixed order,
                // so the split never changes a result. At least 2^16 weights a part, so a part outweighs its dispatch.
                let parts = Swift.max(1, Swift.min(Kernels.threads, (g4 * h) >> 16))
                Kernels.parallelItems(parts, grain: 1) { part in
                    let units = (h * part / parts)..<(h * (part + 1) / parts)
                    for k in 0..<4 {
                        let rows = (k * h + units.lowerBound)..<(k * h + units.upperBound)
                        GEMVKernel.best.run(rows: rows, n: h, a: whh, lda: h, x: hPrevious.p, y: y.p + rows.lowerBound)
                    }
                    cellStep(inputGates: x.p, hiddenGates: y.p, cell: c.p, out: o.p, units: units, precision: precision)
                }
                continue
            }
            Kernels.gemmTransB(m: batch, n: g4, k: h, a: previous, lda: h, b: whh, ldb: h, c: hg, ldc: g4)
            if batch >= 8 {
                Kernels.parallelRows(batch) { b in
                    cellStep(inputGates: x.p + b * g4, hiddenGates: y.p + b * g4, cell: c.p + b * h, out: o.p + b * h,
                             units: 0..<h, precision: precision)
                }
            } else {
                // Few streams: split the hidden units instead (at least 512 a part, so a part outweighs its dispatch).
                let parts = max(1, min(Kernels.threads, h / 512))
                Kernels.parallelItems(parts, grain: 1) { part in
                    let units = (h * part / parts)..<(h * (part + 1) / parts)
                    for b in 0..<batch {
                        cellStep(inputGates: x.p + b * g4, hiddenGates: y.p + b * g4, cell: c.p + b * h,
                                 out: o.p + b * h, units: units, precision: precision)
                    }
                }
            }
        }
        hidden.update(from: output + (rows - batch) * h, count: batch * h)
    }

    /// Gates → activations → new cell and hidden state for the hidden units `units` of one stream.
    @inline(__always)
    private func cellStep(inputGates x: UnsafeMutablePointer<Float>, hiddenGates y: UnsafeMutablePointer<Float>,
                          cell c: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, units: Range<Int>,
                          precision: Precision) {
        let h = hiddenSize
        let bi = weights.inputBias.base, bh = weights.hiddenBias.base
        if precision == .fp32 {
            for j in units {
                let i = Kernels.sigmoid((x[j] + bi[j]) + (y[j] + bh[j]))
                let f = Kernels.sigmoid((x[h + j] + bi[h + j]) + (y[h + j] + bh[h + j]))
                let g = Kernels.tanh((x[2 * h + j] + bi[2 * h + j]) + (y[2 * h + j] + bh[2 * h + j]))
                let o = Kernels.sigmoid((x[3 * h + j] + bi[3 * h + j]) + (y[3 * h + j] + bh[3 * h + j]))
                let cj = f * c[j] + i * g
                c[j] = cj
                out[j] = o * Kernels.tanh(cj)
            }
        } else {
            // Same cell, every op's result rounded to the 16-bit format.
            let p = precision
            for k in 0..<4 { precision.round(y + k * h + units.lowerBound, count: units.count) }
            func gate(_ k: Int, _ j: Int) -> Float {
                p.round(p.round(x[k * h + j] + bi[k * h + j]) + p.round(y[k * h + j] + bh[k * h + j]))
            }
            for j in units {
                let i = p.round(Kernels.sigmoid(gate(0, j)))
                let f = p.round(Kernels.sigmoid(gate(1, j)))
                let g = p.round(Kernels.tanh(gate(2, j)))
                let o = p.round(Kernels.sigmoid(gate(3, j)))
                let cj = p.round(p.round(f * c[j]) + p.round(i * g))
                c[j] = cj
                out[j] = p.round(o * p.round(Kernels.tanh(cj)))
            }
        }
    }
}
