/// One line per command saying how its default bits differ from the other commands', printed whenever
/// the defaults were used, so the same model giving different MB in `count` and `score` surprises no one.
enum DefaultSettings {
    /// Under a `count` table.
    static let countNote = "count uses 32 bits throughout unless told; score, report and diff default to the 16-bit freebie "
        + "(--input-bits 16), so their MB and MFLOPS differ: give --input-bits 16 here for theirs"
    /// Under a score.
    static let scoreNote = "score uses the 16-bit freebie (--input-bits 16: 16-bit params and mults, 32-bit adds) unless told; "
        + "count defaults to 32 bits throughout: give --input-bits 32 here for count's figures"
    /// In a report or a diff.
    static let reportNote = "report and diff use the 16-bit freebie (--input-bits 16), as score does; count defaults to 32 bits "
        + "throughout: give --input-bits 32 for count's figures"
}
