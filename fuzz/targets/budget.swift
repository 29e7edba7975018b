// libFuzzer entry for budget files (Sources/Counter's BudgetFile over Yams): YAML parsing (anchors,
// aliases, merge keys), field validation and range checks.
import Counter

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBudget(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? BudgetFile.parse(text, path: "fuzz-input.yml")
    return 0
}
