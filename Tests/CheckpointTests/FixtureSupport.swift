import Foundation
@testable import Checkpoint

/// Paths of the committed fixtures, found from this file's location (no bundle resources needed).
enum Fixtures {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let dir = repoRoot.appendingPathComponent("fixtures")
    static let bad = dir.appendingPathComponent("bad")
    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    static func badPath(_ name: String) -> String { bad.appendingPathComponent(name).path }

    /// Every fixture that has an `.expected.json` sidecar.
    static var withExpectations: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".expected.json") }.map { String($0.dropLast(".expected.json".count)) }.sorted()
    }

    /// Files under `folder` (relative to the repo root), sorted.
    static func files(in folder: String) -> [String] {
        let d = repoRoot.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { d.appendingPathComponent($0).path }
    }

    /// A scratch file holding `bytes`, removed by the caller.
    static func scratch(_ bytes: [UInt8], name: String = "scratch.pt") -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("micronet-ckpt-\(getpid())-\(name)").path
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }
}

/// The sidecar's 64-bit FNV-1a of a tensor's values as float64 little-endian, row-major.
func fnv64(_ t: Tensor) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for v in t.toFloat64() {
        var bits = v.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { for b in $0 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
    }
    let s = String(h, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}
