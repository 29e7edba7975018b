/// Kernel, strides, dilations and resolved pads of a Conv or pooling node over its spatial axes,
/// and the output size they give (ONNX semantics, including `auto_pad` and `ceil_mode`).
public struct WindowGeometry: Equatable, Sendable {
    /// Kernel size per spatial axis.
    public var kernel: [Int]
    /// Stride per spatial axis.
    public var strides: [Int]
    /// Dilation per spatial axis.
    public var dilations: [Int]
    /// Padding before each spatial axis (top, left).
    public var padsBegin: [Int]
    /// Padding after each spatial axis (bottom, right).
    public var padsEnd: [Int]
    /// Output size per spatial axis.
    public var output: [Int]

    /// Resolves the window of `node` over an input with spatial sizes `input` and the given kernel
    /// (from the weight for Conv, from `kernel_shape` for pools). Attribute values are range-checked.
    public init(node: ONNXNode, input: [Int], kernel: [Int], ceilMode: Bool = false) throws {
        let n = input.count
        func list(_ name: String, _ count: Int, _ fallback: Int, min: Int) throws -> [Int] {
            guard let a = node.attribute(name) else { return Array(repeating: fallback, count: count) }
            guard let v = a.ints, v.count == count else {
                throw ShapeError("attribute \(name) should list \(count) integers")
            }
            return try v.map { x in
                guard x >= Int64(min), x <= 1 << 24 else { throw ShapeError("attribute \(name) has out-of-range value \(x)") }
                return Int(x)
            }
        }
        guard kernel.count == n else { throw ShapeError("kernel \(kernel) does not match the input's \(n) spatial axes") }
        for k in kernel where k < 1 || k > 1 << 24 { throw ShapeError("kernel size \(k) is out of range") }
        self.kernel = kernel
        strides = try list("strides", n, 1, min: 1)
        dilations = try list("dilations", n, 1, min: 1)
        let pads = try list("pads", 2 * n, 0, min: 0)
        padsBegin = Array(pads[0..<n])
        padsEnd = Array(pads[n...])
        let autoPad = node.attribute("auto_pad")?.string ?? "NOTSET"
        output = []
        for i in 0..<n {
            let extent = (kernel[i] - 1) * dilations[i] + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                let out = (input[i] + strides[i] - 1) / strides[i]
                let total = max(0, (out - 1) * strides[i] + extent - input[i])
                padsBegin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                padsEnd[i] = total - padsBegin[i]
                output.append(out)
                continue
            case "VALID":
                padsBegin[i] = 0; padsEnd[i] = 0
            case "NOTSET", "":
                break
            default:
                throw ShapeError("auto_pad '\(autoPad)' is not one ONNX defines")
            }
            let span = input[i] + padsBegin[i] + padsEnd[i] - extent
            guard span >= 0 else {
                throw ShapeError("window \(extent) is larger than the padded input \(input[i] + padsBegin[i] + padsEnd[i]) on spatial axis \(i)")
            }
            var out = (ceilMode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
            // A last window that would start in the end padding is dropped (as PyTorch and onnxruntime do).
            if ceilMode && (out - 1) * strides[i] >= input[i] + padsBegin[i] { out -= 1 }
            output.append(out)
        }
    }
}

/// A shape that does not infer, before the node and file are attached.
struct ShapeError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
