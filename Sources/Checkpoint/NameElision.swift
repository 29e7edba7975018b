/// Names from a file are printed whole up to 4 KiB; longer ones (a hostile file can repeat one long
/// key under a thousand items) are elided to their start, their length and a hash, so that output
/// stays proportional to the input and two different long names still print differently.
public enum NameElision {
    /// Longest name printed whole, in UTF-8 bytes.
    public static let limit = 4096

    /// `name` itself, or "<first 64 characters>…[N bytes, fnv1a64 H]" when longer than `limit` bytes.
    public static func display(_ name: String, limit: Int = NameElision.limit) -> String {
        let n = name.utf8.count
        guard n > limit else { return name }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(name.prefix(64)) + "…[\(n) bytes, fnv1a64 " + String(repeating: "0", count: 16 - hex.count) + hex + "]"
    }
}
