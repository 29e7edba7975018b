// libFuzzer entry for ONNX models (Sources/ONNX): the ModelProto wire walk, SwiftProtobuf decoding of
// nodes and value infos, typed and raw tensor data, and shape inference over whatever graph decodes.
import ONNX

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = ONNXModel.looksLikeONNX(prefix: bytes.prefix(16))
    // No folder: external data must fail cleanly, never touch the file system.
    guard let model = try? ONNXModel(bytes: bytes, name: "fuzz.onnx") else { return 0 }
    for t in model.graph.initializers { _ = try? t.zeroCount(); _ = try? t.values() }
    _ = try? ShapeInference.infer(model)
    _ = try? ShapeInference.infer(model, inputShape: [1, 3, 8, 8])
    return 0
}
