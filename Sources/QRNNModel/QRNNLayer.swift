import Dispatch
import LanguageModel

/// One QRNN layer (torchqrnn QRNNLayer in eval mode) run over a chunk of T steps for B streams.
///
/// Rows are time-major (row t·B + b). Per step: source s_t = x_t (window 1) or [x_t ; x_{t-1}]
/// (window 2, current input first), gates y = W s + b split into Z, F, O blocks,
/// z = tanh Z, f = σ F, o = σ O, c_t = f·z + (1 − f)·c_{t−1}, h_t = o·c_t.
/// The carried state is the cell c and, for window 2, the last input x_T.
struct QRNNLayer {
    let inputSize: Int
    let hiddenSize: Int
    let window: Int
    let outputGate: Bool
    let weights: QRNNLayerWeights

    /// Gate rows of the projection.
    var gateRows: Int { (outputGate ? 3 : 2) * hiddenSize }

    /// Runs `steps` steps of `batch` streams from `input` (rows × inputSize) into `output` (rows × hiddenSize),
    /// updating `cell` (batch × hidden) and `previousInput` (batch × input, window 2 only).
    func forward(input: UnsafePointer<Float>, steps: Int, batch: Int,
                 output: UnsafeMutablePointer<Float>,
                 cell: UnsafeMutablePointer<Float>, previousInput: UnsafeMutablePointer<Float>,
                 source: Scratch, gates: Scratch, precision: Precision) {
        let rows = steps * batch, n = inputSize, h = hiddenSize, k = window * n
        var src = input
        if window == 2 {
            // The window concat: row (t, b) = [x_t ; x_{t-1}], x_{-1} being the carried previous input.
            let s = source.reserve(rows * k)
            let dsts = SendablePointer(s), prevs = SendablePointer(previousInput)
            Kernels.parallelItems(rows, grain: 64) { r in
                let dst = dsts.p + r * k
                dst.update(from: input + r * n, count: n)
                let prev: UnsafePointer<Float> = r < batch ? UnsafePointer(prevs.p + r * n) : input + (r - batch) * n
                (dst + n).update(from: prev, count: n)
            }
            previousInput.update(from: input + (rows - batch) * n, count: batch * n)
            src = UnsafePointer(s)
        } else if window != 1 {
            preconditionFailure("window \(window) is rejected when the model is built")
        }
        let g = gateRows
        let y = gates.reserve(rows * g)
        Kernels.gemmTransB(m: rows, n: g, k: k, a: src, lda: k, b: weights.weight.base, ldb: k, c: y, ldc: g)
        // The recurrence runs along time independently per unit, so units are split across threads.
        // At least 128 units a part keeps the per-part overhead small beside the work; every core may join.
        let parts = max(1, min(Kernels.threads, h / 128))
        if parts == 1 {
            recur(gates: y, rows: rows, batch: batch, units: 0..<h, output: output, cell: cell, precision: precision)
        } else {
            let out = SendablePointer(output), yy = SendablePointer(y), cc = SendablePointer(cell)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let lo = h * part / parts, hi = h * (part + 1) / parts
                recur(gates: yy.p, rows: rows, batch: batch, units: lo..<hi, output: out.p, cell: cc.p, precision: precision)
            }
        }
    }

    /// Gates → activations → forget-mult → output gate, for the units in `units` of every row.
    private func recur(gates y: UnsafeMutablePointer<Float>, rows: Int, batch: Int, units: Range<Int>,
                       output: UnsafeMutablePointer<Float>, cell: UnsafeMutablePointer<Float>, precision: Precision) {
        let h = hiddenSize, g = gateRows, bias = weights.bias.base
        let lo = units.lowerBound, n = units.count
        if precision == .fp32 {
            for r in 0..<rows {
                let yz = y + r * g + lo, yf = yz + h, c = cell + (r % batch) * h + lo, out = output + r * h + lo
                let bz = bias + lo, bf = bz + h
                if outputGate {
                    let yo = yf + h, bo = bf + h
                    for j in 0..<n {
                        let z = Kernels.tanh(yz[j] + bz[j])
                        let f = Kernels.sigmoid(yf[j] + bf[j])
                        let o = Kernels.sigmoid(yo[j] + bo[j])
                        let cj = f * z + (1 - f) * c[j]
                        c[j] = cj
                        out[j] = o * cj
                    }
                } else {
                    for j in 0..<n {
                        let z = Kernels.tanh(yz[j] + bz[j])
                        let f = Kernels.sigmoid(yf[j] + bf[j])
                        let cj = f * z + (1 - f) * c[j]
                        c[j] = cj
                        out[j] = cj
                    }
                }
            }
        } else {
            // Same recurrence, every op's result rounded to the 16-bit format.
            let p = precision
            for r in 0..<rows {
                let yr = y + r * g, c = cell + (r % batch) * h, out = output + r * h
                for j in units {
                    let z = p.round(Kernels.tanh(p.round(yr[j] + bias[j])))
                    let f = p.round(Kernels.sigmoid(p.round(yr[h + j] + bias[h + j])))
                    let fz = p.round(f * z)
                    let cj = p.round(fz + p.round(p.round(1 - f) * c[j]))
                    c[j] = cj
                    out[j] = outputGate ? p.round(p.round(Kernels.sigmoid(p.round(yr[2 * h + j] + bias[2 * h + j]))) * cj) : cj
                }
            }
        }
    }
}
