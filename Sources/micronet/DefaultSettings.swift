import Counter
import Graph

/// One line per command saying how its default bits differ from the other commands', printed whenever
/// the defaults were used, so the same model giving different MB in `count` and `score` surprises no one.
/// The line says what the difference is for this model: none when its ops carry their own bits, none
/// when the freebie is refused.
enum DefaultSettings {
    /// Under a `count` table.
    static func countNote(_ effect: FreebieEffect) -> String {
        let head = "count uses 32 bits throughout unless told; score, report and diff default to the 16-bit freebie (--input-bits 16)"
        switch effect {
        case .changes: return head + ", so their MB and MFLOPS differ: give --input-bits 16 here for theirs"
        case .refused: return head + ", which this model is refused (quantized below 16 bits), so they give these figures too"
        case .nothing: return head + "; this model's ops carry the bits their file stores, so they give these figures too"
        }
    }

    /// Under a score.
    static func scoreNote(_ effect: FreebieEffect) -> String {
        switch effect {
        case .changes:
            return "score uses the 16-bit freebie (--input-bits 16: 16-bit params and mults, 32-bit adds) unless told; "
                + "count defaults to 32 bits throughout: give --input-bits 32 here for count's figures"
        case .refused:
            return "score uses the 16-bit freebie unless told, but this model is quantized below 16 bits: it is refused, "
                + "and count gives these figures too"
        case .nothing:
            return "score uses the 16-bit freebie unless told, count 32 bits; this model's ops carry the bits their file "
                + "stores, so count gives these figures too"
        }
    }

    /// In a report or a diff.
    static func reportNote(_ effect: FreebieEffect) -> String {
        switch effect {
        case .changes:
            return "report and diff use the 16-bit freebie (--input-bits 16), as score does; count defaults to 32 bits "
                + "throughout: give --input-bits 32 for count's figures"
        case .refused:
            return "report and diff use the 16-bit freebie unless told, as score does; it is refused for this model "
                + "(quantized below 16 bits), so count gives the same figures"
        case .nothing:
            return "report and diff use the 16-bit freebie unless told, as score does; this model's ops carry the bits "
                + "their file stores, so count gives the same figures"
        }
    }
}

extension CountingOptions {
    /// What the freebie does to `graph` under these options' convention and sparsity.
    func freebieEffect(on graph: OpGraph) -> FreebieEffect {
        FreebieEffect(graph: graph, plain: settings(defaultInputBits: 32), freebie: settings(defaultInputBits: 16))
    }
}
