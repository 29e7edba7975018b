// libFuzzer entry for the pickle machine alone: raw pickle bytes, persistent ids bound to one small
// float32 storage (so tensor rebuilds run), then the safety check and flattening.
@testable import Checkpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let context = PickleContext()
    context.valueBudget = LoadedCheckpoint.budget(forFileBytes: size)
    context.byteBudget = context.valueBudget
    let storage = StorageRef(key: "0", dtype: .float32, numel: 16)
    let owned = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 64)
    owned.initializeMemory(as: UInt8.self, repeating: 0)
    storage.buffer = StorageBuffer(owned: owned)
    context.storages["0"] = storage
    context.persistentLoader = { _ in .storage(key: "0", dtype: .float32) }
    defer { context.persistentLoader = nil; context.tearDown(from: 0) }
    var vm = PickleMachine(bytes: bytes, context: context)
    guard let root = try? vm.run() else { return 0 }
    for t in context.tensors where (try? t.checkBounds()) != nil { _ = t.zeroCount() }
    var f = Flattener(nameBudget: context.valueBudget)
    _ = try? f.flatten(root)
    _ = context.refusedGlobals
    return 0
}
