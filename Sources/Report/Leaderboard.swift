import Counter

/// One final-leaderboard entry of the MicroNet Challenge.
public struct LeaderboardEntry: Equatable, Sendable {
    /// The team (with its distinction: S storage, C compute).
    public var entry: String
    public var affiliation: String
    public var score: Double

    /// Creates an entry.
    public init(_ entry: String, _ affiliation: String, _ score: Double) {
        self.entry = entry
        self.affiliation = affiliation
        self.score = score
    }
}

/// The challenge's final leaderboard (Dec 2019), per track, best first.
///
/// Source: micronet-challenge/micronet-challenge.github.io `leaderboard.md`, as transcribed in the
/// project's reference notes (shared/reference/counting.md §6). WikiText-103 lists every entry; ImageNet
/// and CIFAR-100 list their top entries only (20 and 30 entries in all).
public enum Leaderboard {
    /// Where the figures come from, for the page.
    public static let source = "MicroNet Challenge final leaderboard, Dec 2019 (micronet-challenge.github.io, leaderboard.md)"

    /// The entries of a track, best (lowest) score first.
    public static func entries(for track: Track) -> [LeaderboardEntry] {
        switch track {
        case .wikitext103:
            return [LeaderboardEntry("MIT-HAN-Lab (C)", "MIT", 0.0475),
                    LeaderboardEntry("MIT-HAN-Lab (S)", "MIT", 0.0482),
                    LeaderboardEntry("MIT-HAN-Lab", "MIT", 0.0485),
                    LeaderboardEntry("Clova AI", "Clova AI / Kyoto Univ.", 0.1657),
                    LeaderboardEntry("JNLP", "JAIST / ISM", 0.8232)]
        case .imagenet:
            return [LeaderboardEntry("RIAIR (S, C)", "CASIA", 0.1295),
                    LeaderboardEntry("Rocker (S, C)", "Beihang / CAS / ZJU", 0.1887),
                    LeaderboardEntry("Rocker", "Beihang / CAS / ZJU", 0.2053),
                    LeaderboardEntry("QualcommAI-MixNet", "Qualcomm AI Research", 0.2968),
                    LeaderboardEntry("dISTillers", "IST Austria", 0.3772),
                    LeaderboardEntry("QualcommAI-EfficientNet", "Qualcomm AI Research", 0.3789)]
        case .cifar100:
            return [LeaderboardEntry("RIAIR (S)", "CASIA", 0.0044),
                    LeaderboardEntry("KAIST AI (S, C)", "KAIST", 0.0054),
                    LeaderboardEntry("KAIST AI (C)", "KAIST", 0.0056),
                    LeaderboardEntry("OSI AI (C)", "KAIST", 0.0058),
                    LeaderboardEntry("MSUNet-V3 (S)", "", 0.0108)]
        }
    }

    /// Whether the list holds every entry of the track (else only its top entries).
    public static func isComplete(_ track: Track) -> Bool { track == .wikitext103 }

    /// 1-based place a score would take among the listed entries (ties go after the entry).
    public static func place(of score: Double, on track: Track) -> Int {
        entries(for: track).filter { $0.score <= score }.count + 1
    }
}
