import Foundation

/// A one-line progress display on stderr, redrawn with \r; silent unless stderr is a terminal and CI is unset.
final class ProgressBar {
    private let enabled: Bool
    private var lastDraw = 0.0
    private let start = Date()

    init() {
        enabled = isatty(2) != 0 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    /// Redraws at most ten times a second (and always at 100 %).
    func update(done: Int, total: Int, unit: String, extra: String) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        guard done >= total || elapsed - lastDraw >= 0.1 else { return }
        lastDraw = elapsed
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 24, filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        let line = "[\(bar)] \(done)/\(total) \(unit)  \(Int(rate)) \(unit)/s  \(extra)  left \(Self.clock(left))"
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
    }

    /// Clears the line so the final report starts clean.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
