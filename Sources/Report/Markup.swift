/// Escapes text for XML 1.0 and HTML content and attributes; characters XML 1.0 cannot carry (C0 controls
/// other than tab, LF and CR, and U+FFFE/U+FFFF) become U+FFFD, so the page always parses.
func escaped(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
            out.unicodeScalars.append("\u{FFFD}")
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// A number as Swift prints a Double (shortest round-trip), for machine-readable attributes.
func exact(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 9.0e15 { return String(Int(x)) }
    return "\(x)"
}

/// Names longer than this are shortened in chart labels (the full name stays in a tooltip).
let chartLabelLength = 28

/// `name` cut to `length` characters with an ellipsis.
func shortened(_ name: String, _ length: Int = chartLabelLength) -> String {
    name.count <= length ? name : String(name.prefix(length - 1)) + "…"
}
