// libFuzzer entry for graph files (Sources/Graph): JSON parsing, field validation, op construction.
import Foundation
import Graph

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGraph(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let d = Data(bytes: data, count: size)
    if let g = try? GraphFile.decode(d, path: "fuzz-input.json") { _ = GraphFile.encode(g) }
    return 0
}
