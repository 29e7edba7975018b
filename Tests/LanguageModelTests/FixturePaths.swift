import Foundation

/// Paths of the committed fixtures (made by the scripts in fixtures/ with real torch).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
