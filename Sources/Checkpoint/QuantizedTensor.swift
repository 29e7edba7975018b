/// How a torch.ao quantized tensor maps its stored integers to reals: `x = (q - zero_point) * scale`, with one
/// scale and zero point for the tensor or one per channel along `axis`.
public struct Quantization: Sendable {
    /// torch's quantization schemes that `torch.save` writes.
    public enum Scheme: String, Sendable {
        case perTensorAffine = "per_tensor_affine"
        case perChannelAffine = "per_channel_affine"
        /// Per channel with float zero points (torch pickles it as per_channel_affine; the float zero points say it).
        case perChannelAffineFloatQParams = "per_channel_affine_float_qparams"
    }

    /// Literal values from the pickle, or a tensor whose bytes are read once the file is loaded.
    indirect enum Values: Sendable {
        case literal([Double])
        case tensor(Tensor)

        var count: Int {
            switch self {
            case .literal(let v): return v.count
            case .tensor(let t): return t.count
            }
        }
        var values: [Double] {
            switch self {
            case .literal(let v): return v
            case .tensor(let t): return t.toFloat64()
            }
        }
    }

    /// The scheme.
    public let scheme: Scheme
    /// The channel dimension of a per-channel scheme.
    public let axis: Int?
    let scaleValues: Values
    let zeroPointValues: Values
    /// What is wrong with this quantizer (unknown scheme, scales not matching the channels), reported with the
    /// tensor's name once flattening knows it.
    let problem: String?

    /// One scale per channel (one for per-tensor).
    public var scales: [Double] { scaleValues.values }
    /// One zero point per channel (one for per-tensor); integers unless `floatZeroPoints`.
    public var zeroPoints: [Double] { zeroPointValues.values }
    /// Number of scales (1 per tensor, the channel count per channel).
    public var channels: Int { scaleValues.count }
    /// True when the zero points are stored as floats (quint4x2 / float-qparams embeddings).
    public var floatZeroPoints: Bool { scheme == .perChannelAffineFloatQParams }

    /// Bits of the stored scales and zero points: each scale at 32 (the kernels use float32, though torch pickles
    /// per-channel scales as float64), each zero point at the weight's width, a float zero point at 32.
    public func quantizerBits(weightBits: Int) -> Double {
        Double(channels) * Double(32 + (floatZeroPoints ? 32 : weightBits))
    }

    /// Elements whose stored integer equals their channel's zero point, i.e. that dequantize to exactly 0.
    /// Streams over the elements (an expanded view may name far more elements than its storage holds).
    func zeroCount(_ t: Tensor) -> Int {
        let zps = zeroPoints
        guard !zps.isEmpty else { return 0 }
        var inner = 1, size = 1
        if let axis, axis < t.shape.count {
            size = t.shape[axis]
            for d in t.shape[(axis + 1)...] { inner = inner.multipliedReportingOverflow(by: d).partialValue }
        }
        let raw = t.bytes
        var zeros = 0, i = 0
        t.forEachIndex { index in
            let c = size <= 1 || inner <= 0 ? 0 : (i / inner) % size
            if c < zps.count, t.elementDouble(raw, index) == zps[c] { zeros += 1 }
            i += 1
        }
        return zeros
    }
}

extension PickleContext {
    /// `torch._utils._rebuild_qtensor(storage, offset, size, stride, quantizer_params, requires_grad, hooks)`:
    /// quantizer_params is `(torch.per_tensor_affine, scale, zero_point)` or
    /// `(torch.per_channel_affine[_float_qparams], scales, zero_points, axis)` with tensors or lists.
    func rebuildQTensor(_ args: [PickleValue]) throws -> Tensor {
        guard args.count >= 5, let params = args[4].listItems, let first = params.first,
              case .global(_, let schemeName) = first else {
            throw FormatError("_rebuild_qtensor has no (qscheme, ...) quantizer parameters")
        }
        guard case .storage(let key, let dtype) = args[0] else { throw FormatError("_rebuild_qtensor does not start with a storage") }
        guard dtype.isQuantized else {
            throw FormatError("_rebuild_qtensor on storage '\(key)' of \(dtype.rawValue), not a quantized dtype")
        }
        guard let sizeItems = args[2].listItems else { throw FormatError("quantized tensor size is not a tuple") }
        let shape = sizeItems.compactMap(\.intValue)
        let q: Quantization
        switch schemeName {
        case "per_tensor_affine":
            guard params.count >= 3, let scale = params[1].doubleValue, let zp = params[2].doubleValue else {
                throw FormatError("per_tensor_affine quantizer parameters are not (scheme, scale, zero_point)")
            }
            q = Quantization(scheme: .perTensorAffine, axis: nil, scaleValues: .literal([scale]), zeroPointValues: .literal([zp]),
                             problem: scale.isFinite && scale > 0 ? nil : "per_tensor_affine scale \(scale) is not a positive finite number")
        case "per_channel_affine", "per_channel_affine_float_qparams":
            guard params.count >= 4, let axis = params[3].intValue else {
                throw FormatError("\(schemeName) quantizer parameters are not (scheme, scales, zero_points, axis)")
            }
            let scales = try Self.quantizerValues(params[1], what: "scales")
            let zps = try Self.quantizerValues(params[2], what: "zero points")
            var floatZP = schemeName == "per_channel_affine_float_qparams"
            if case .tensor(let t) = zps, [.float32, .float64, .float16, .bfloat16].contains(t.dtype) { floatZP = true }
            if case .literal = zps, params[2].listItems?.contains(where: { if case .float = $0 { return true }; return false }) == true { floatZP = true }
            var problem: String?
            if axis < 0 || axis >= shape.count {
                problem = "per-channel axis \(axis) is outside its \(shape.count) dimensions"
            } else if scales.count != shape[axis] {
                problem = "has \(scales.count) scales for \(shape[axis]) channels along axis \(axis)"
            } else if zps.count != scales.count {
                problem = "has \(zps.count) zero points for \(scales.count) scales"
            }
            q = Quantization(scheme: floatZP ? .perChannelAffineFloatQParams : .perChannelAffine, axis: axis,
                             scaleValues: scales, zeroPointValues: zps, problem: problem)
        default:
            q = Quantization(scheme: .perTensorAffine, axis: nil, scaleValues: .literal([]), zeroPointValues: .literal([]),
                             problem: "unknown quantization scheme torch.\(schemeName) (micronet reads per_tensor_affine, per_channel_affine and per_channel_affine_float_qparams)")
        }
        return try rebuildTensor(Array(args[0..<4]), v3: false, quantization: q)
    }

    private static func quantizerValues(_ v: PickleValue, what: String) throws -> Quantization.Values {
        if case .tensor(let t) = v {
            guard t.shape.count <= 1, !t.dtype.isQuantized else { throw FormatError("per-channel \(what) tensor has shape \(t.shape)") }
            // torch writes them contiguous; an expanded view could name more values than the file holds.
            guard t.count <= 1 || t.strides == [1] else { throw FormatError("per-channel \(what) tensor is not contiguous (strides \(t.strides))") }
            return .tensor(t)
        }
        guard let items = v.listItems else { throw FormatError("per-channel \(what) are a \(v.kindName), not a tensor or list") }
        var out = [Double]()
        for i in items {
            guard let d = i.doubleValue else { throw FormatError("per-channel \(what) hold a \(i.kindName)") }
            out.append(d)
        }
        return .literal(out)
    }
}
