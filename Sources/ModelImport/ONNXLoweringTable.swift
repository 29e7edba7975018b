import Graph
import ONNX

/// The lowering of each ONNX op type micronet counts (see ONNXLowering). One entry per op type;
/// families share a factory.
extension ONNXLowering {
    static let table: [OpKey: Handler] = {
        var t: [OpKey: Handler] = [:]
        t[OpKey("", "Conv")] = conv
        t[OpKey("", "BatchNormalization")] = batchNorm
        t[OpKey("", "MaxPool")] = pool(max: true)
        t[OpKey("", "AveragePool")] = pool(max: false)
        t[OpKey("", "GlobalAveragePool")] = globalAverage
        t[OpKey("", "ReduceMean")] = globalAverage
        t[OpKey("", "GlobalMaxPool")] = globalMax
        t[OpKey("", "Gemm")] = gemm
        t[OpKey("", "MatMul")] = matMul
        t[OpKey("", "Gather")] = gather
        t[OpKey("", "LayerNormalization")] = layerNorm
        t[OpKey("", "Mul")] = mul
        t[OpKey("", "Add")] = add
        for (op, e) in [("Sub", Elementwise.Operator.sub), ("Div", .div), ("Pow", .pow), ("Sqrt", .sqrt), ("Exp", .exp),
                        ("Log", .log), ("Reciprocal", .reciprocal), ("Neg", .neg)] {
            t[OpKey("", op)] = elementwise(e)
        }
        for (op, a) in [("Relu", Activation.relu), ("Clip", .relu), ("Tanh", .tanh), ("HardSwish", .hswish),
                        ("Softmax", .softmax), ("Gelu", .gelu), ("Erf", .erf)] {
            t[OpKey("", op)] = activation(a)
        }
        t[OpKey("", "Sigmoid")] = gate(alone: .sigmoid, gated: .swish)
        t[OpKey("", "HardSigmoid")] = gate(alone: .hardsigmoid, gated: .hswish)
        return t
    }()

    // MARK: convolution family

    /// Conv: Conv2D or DepthWiseConv2D (groups = C_in = C_out), absorbing a following BatchNormalization
    /// (the conv gains a bias), or the per-channel Mul and Add that tf2onnx writes for a BatchNormalization
    /// it did not fold (the Mul folds into the weights, the Add into the bias), and a following activation.
    static let conv: Handler = { l, _, node in
        let x = try l.shape(node.inputs[0])
        let weight = try l.shape(node.inputs[1])
        _ = try spatial(x)
        let channels = x[1], outChannels = weight[0]
        let groups = Int(clamping: node.attribute("group")?.int ?? 1)
        let window = try spatialWindow(node, x, kernel: Array(weight[2...]), output: try l.shape(node.outputs[0]))
        var useBias = node.inputs.count > 2 && !node.inputs[2].isEmpty
        var out = node.outputs[0]
        if let (i, bn) = l.soleConsumer(out), bn.opType == "BatchNormalization", bn.inputs.first == out {
            l.absorb(i); useBias = true; out = bn.outputs[0]
        } else {
            // A scalar folds as well: it scales every weight, or shifts every output.
            if let (i, mul) = l.perChannelConstantOp("Mul", after: out, channels: outChannels, orScalar: true) {
                l.absorb(i); out = mul.outputs[0]
            }
            if let (i, add) = l.perChannelConstantOp("Add", after: out, channels: outChannels, orScalar: true) {
                l.absorb(i); useBias = true; out = add.outputs[0]
            }
        }
        let act = l.fuseActivation(after: out)
        let op: any OpKind = groups == channels && outChannels == channels && groups > 1
            ? DepthWiseConv2D(window: window, channels: channels, useBias: useBias, activation: act)
            : Conv2D(window: window, channelsIn: channels, channelsOut: outChannels, groups: groups, useBias: useBias, activation: act)
        l.emit(node, op, weight: l.info(node.inputs[1])?.tensor)
    }

    /// A BatchNormalization with no conv before it: a per-channel scale and shift, a 1×1 depthwise conv with bias.
    static let batchNorm: Handler = { l, _, node in
        let x = try l.shape(node.inputs[0])
        let (h, w) = try spatial(x, allowFlat: true)
        let window = SpatialWindow(inputHeight: h, inputWidth: w, kernelHeight: 1, kernelWidth: 1, padding: .valid)
        l.emit(node, DepthWiseConv2D(window: window, channels: x[1], useBias: true, activation: nil),
               weight: l.info(node.inputs[1])?.tensor)
    }

    static func pool(max: Bool) -> Handler {
        return { l, _, node in
            let x = try l.shape(node.inputs[0])
            guard let k = node.attribute("kernel_shape")?.ints else { throw LoweringError("kernel_shape is missing") }
            let window = try spatialWindow(node, x, kernel: k.map { Int($0) }, output: try l.shape(node.outputs[0]))
            // A 1×1 window at stride 1 without padding copies its input (the adaptive pool torchvision's VGG
            // and AlexNet apply to a map already the target size): no arithmetic, nothing to count.
            if k.allSatisfy({ $0 == 1 }), try l.shape(node.outputs[0]) == x { return }
            let pool = PoolWindow(window: window, channels: x[1])
            l.emit(node, max ? MaxPool(pool) as any OpKind : AvgPool(pool))
        }
    }

    /// GlobalAveragePool, and ReduceMean: R·1 mults and R·(N − 1) adds for N reduced elements per each of R results.
    static let globalAverage: Handler = { l, _, node in
        let x = try l.shape(node.inputs[0])
        let out = try l.shape(node.outputs[0])
        let results = out.reduce(1, *)
        let reduced = results == 0 ? 0 : x.reduce(1, *) / results
        if x.count == 4, out.count >= 2, results == x[0] * x[1] {
            l.emit(node, GlobalAvg(FeatureMap(height: x[2], width: x[3], channels: x[1])))
        } else {
            l.emit(node, GlobalAvg(FeatureMap(height: reduced, width: 1, channels: results)))
        }
    }

    static let globalMax: Handler = { l, _, node in
        let x = try l.shape(node.inputs[0])
        l.emit(node, GlobalMax(inputSize: x.dropFirst(2).reduce(1, *), nChannels: x[1]))
    }

    // MARK: dense family

    /// Gemm: FullyConnected with a constant B, else a MatMul of two activations (plus the bias adds).
    static let gemm: Handler = { l, _, node in
        let a = try l.shape(node.inputs[0]), b = try l.shape(node.inputs[1])
        let transA = node.attribute("transA")?.int ?? 0 != 0, transB = node.attribute("transB")?.int ?? 0 != 0
        let (m, k) = transA ? (a[1], a[0]) : (a[0], a[1])
        let n = transB ? b[0] : b[1]
        let hasBias = node.inputs.count > 2 && !node.inputs[2].isEmpty
        if l.isConstant(node.inputs[1]) {
            let act = l.fuseActivation(after: node.outputs[0])
            l.emit(node, FullyConnected(kernelShape: [k, n], useBias: hasBias, activation: act, rows: m),
                   weight: l.info(node.inputs[1])?.tensor)
        } else {
            l.emit(node, MatMul(batch: 1, m: m, k: k, n: n))
            if hasBias { l.emit(node, Elementwise(.add, shape: [m, n])) }
        }
    }

    /// MatMul with a constant 2-D weight: FullyConnected over the activation's rows, absorbing a
    /// following bias Add and activation. Between two activations: MatMul per batch and head.
    static let matMul: Handler = { l, _, node in
        let a = try l.shape(node.inputs[0]), b = try l.shape(node.inputs[1])
        guard a.count >= 1, b.count >= 1 else { throw LoweringError("MatMul of a scalar") }
        if l.isConstant(node.inputs[1]), b.count == 2 {
            let rows = a.dropLast().reduce(1, *)
            var out = node.outputs[0]
            var useBias = false
            if let (i, add) = l.soleConsumer(out), add.opType == "Add", ONNXNode.isDefaultDomain(add.domain),
               let other = add.inputs.first(where: { $0 != out }), l.isConstant(other),
               let bias = l.info(other), bias.count == b[1], bias.shape.last == b[1] {
                l.absorb(i); useBias = true; out = add.outputs[0]
            }
            let act = l.fuseActivation(after: out)
            l.emit(node, FullyConnected(kernelShape: [b[0], b[1]], useBias: useBias, activation: act, rows: rows),
                   weight: l.info(node.inputs[1])?.tensor)
            return
        }
        let out = try l.shape(node.outputs[0])
        let m = a.count >= 2 ? a[a.count - 2] : 1, k = a[a.count - 1], n = b.count >= 2 ? b[b.count - 1] : 1
        let batch = out.count > 2 ? out.dropLast(2).reduce(1, *) : 1
        l.emit(node, MatMul(batch: batch, m: m, k: k, n: n))
    }

    /// Gather from a constant 2-D table by activation indices: an embedding lookup. Other Gathers are free.
    static let gather: Handler = { l, _, node in
        guard l.isConstant(node.inputs[0]), !l.isConstant(node.inputs[1]), (node.attribute("axis")?.int ?? 0) == 0,
              let table = l.info(node.inputs[0]), table.shape.count == 2 else { return }
        l.emit(node, Embedding(inputSize: table.shape[0], nChannels: table.shape[1]), weight: table.tensor)
    }

    static let layerNorm: Handler = { l, _, node in
        let x = try l.shape(node.inputs[0])
        var axis = Int(node.attribute("axis")?.int ?? -1)
        if axis < 0 { axis += x.count }
        guard axis >= 0, axis < x.count else { throw LoweringError("axis \(axis) is out of range for \(x)") }
        l.emit(node, LayerNormalization(rows: x[..<axis].reduce(1, *), size: x[axis...].reduce(1, *),
                                        useBias: node.inputs.count > 2 && !node.inputs[2].isEmpty))
    }

    // MARK: elementwise family

    /// Mul: a feature map times a constant per-channel vector is a BatchNormalization that an exporter wrote
    /// out (tf2onnx), with the per-channel Add after it when there is one: a 1×1 depthwise conv, as a
    /// standalone BatchNormalization is. A feature map times a computed per-channel vector is Scale
    /// (squeeze-excite); anything else one mult per element.
    static let mul: Handler = { l, _, node in
        let out = try l.shape(node.outputs[0])
        if out.count == 4, let (map, scale) = l.perChannelConstantOperands(node, channels: out[1], orScalar: false),
           try l.shape(map) == out {
            var useBias = false
            if let (i, _) = l.perChannelConstantOp("Add", after: node.outputs[0], channels: out[1], orScalar: false) {
                l.absorb(i); useBias = true
            }
            let window = SpatialWindow(inputHeight: out[2], inputWidth: out[3], kernelHeight: 1, kernelWidth: 1, padding: .valid)
            l.emit(node, DepthWiseConv2D(window: window, channels: out[1], useBias: useBias, activation: nil),
                   weight: l.info(scale)?.tensor)
            return
        }
        let shapes = try node.inputs.map { try l.shape($0) }
        if out.count == 4, shapes.count == 2 {
            for (map, vector) in [(shapes[0], shapes[1]), (shapes[1], shapes[0])] where map == out {
                let v = Array(repeating: 1, count: 4 - vector.count) + vector
                if v == [1, out[1], 1, 1] {
                    l.emit(node, Scale(FeatureMap(height: out[2], width: out[3], channels: out[1])))
                    return
                }
            }
        }
        l.emit(node, Elementwise(.mul, shape: out))
    }

    /// Add: two feature maps is Add (a residual); a constant shift or other shapes one add per element.
    static let add: Handler = { l, _, node in
        let out = try l.shape(node.outputs[0])
        if out.count == 4, !node.inputs.contains(where: { l.isConstant($0) }) {
            l.emit(node, Add(FeatureMap(height: out[2], width: out[3], channels: out[1])))
        } else {
            l.emit(node, Elementwise(.add, shape: out))
        }
    }

    static func elementwise(_ op: Elementwise.Operator) -> Handler {
        return { l, _, node in l.emit(node, Elementwise(op, shape: try l.shape(node.outputs[0]))) }
    }

    /// An activation standing alone (not after a Conv or Gemm it could fuse into).
    static func activation(_ a: Activation) -> Handler {
        return { l, _, node in l.emit(node, ActivationLayer(a, shape: try l.shape(node.outputs[0]))) }
    }

    /// Sigmoid / HardSigmoid: followed by a Mul with its own input, the pair is swish / hswish.
    static func gate(alone: Activation, gated: Activation) -> Handler {
        return { l, _, node in
            let shape = try l.shape(node.outputs[0])
            if let (i, _) = l.gatedProduct(of: node.inputs[0], gate: node) {
                l.absorb(i)
                l.emit(node, ActivationLayer(gated, shape: shape))
            } else {
                l.emit(node, ActivationLayer(alone, shape: shape))
            }
        }
    }

    // MARK: geometry

    /// H and W of an N×C×H×W tensor (N×C×L reads as 1×L; with `allowFlat`, N×C as 1×1).
    static func spatial(_ x: [Int], allowFlat: Bool = false) throws -> (Int, Int) {
        switch x.count {
        case 4: return (x[2], x[3])
        case 3: return (1, x[2])
        case 2 where allowFlat: return (1, 1)
        default: throw LoweringError("input of shape \(x) is not N×C×H×W")
        }
    }

    /// The node's window as micronet's SpatialWindow with explicit pads. `ceil_mode` becomes the extra end
    /// padding that gives the same output size, so the count follows the real output.
    static func spatialWindow(_ node: ONNXNode, _ x: [Int], kernel: [Int], output: [Int]) throws -> SpatialWindow {
        let input = Array(x.dropFirst(2))
        let g = try WindowGeometry(node: node, input: input, kernel: kernel,
                                   ceilMode: (node.attribute("ceil_mode")?.int ?? 0) != 0)
        guard input.count == 2 || input.count == 1 else { throw LoweringError("only 1-D and 2-D windows are supported, got input \(x)") }
        // 1-D windows run over a 1×L map.
        func two(_ v: [Int], _ one: Int) -> [Int] { v.count == 2 ? v : [one] + v }
        let n = two(input, 1), k = two(g.kernel, 1), s = two(g.strides, 1), d = two(g.dilations, 1)
        let before = two(g.padsBegin, 0)
        var after = two(g.padsEnd, 0)
        let out = two(g.output, 1)
        for i in 0..<2 {
            let needed = (out[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1 - n[i] - before[i]
            after[i] = Swift.max(after[i], needed)
        }
        let window = SpatialWindow(inputHeight: n[0], inputWidth: n[1], kernelHeight: k[0], kernelWidth: k[1],
                                   strideHeight: s[0], strideWidth: s[1], dilationHeight: d[0], dilationWidth: d[1],
                                   padding: .explicit(top: before[0], left: before[1], bottom: after[0], right: after[1]))
        guard [window.outputHeight, window.outputWidth] == two(Array(output.dropFirst(2)), 1) else {
            throw LoweringError("window output \(window.outputHeight)×\(window.outputWidth) disagrees with the inferred \(output)")
        }
        return window
    }
}
