import Foundation

/// `%.3f`, as the reference formats every figure.
public func f3(_ x: Double) -> String { String(format: "%.3f", x) }

/// A number without a spurious ".0", full precision otherwise.
func num(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 9.0e15 { return String(Int(x)) }
    return "\(x)"
}

/// 104905335 as "104,905,335"; a fraction keeps `decimals` digits, rounded (52,452,667.5); a value within 1e-9
/// of an integer prints as that integer.
public func grouped(_ x: Double, decimals: Int = 1) -> String {
    guard x.isFinite, abs(x) < 9.0e15 else { return "\(x)" }
    let integral = abs(x - x.rounded()) <= 1e-9
    // Round once, at the printed precision, so 510,839.99999 prints as 510,840 and never as 510,839.0.
    let text = integral ? String(format: "%.0f", abs(x)) : String(format: "%.\(max(0, decimals))f", abs(x))
    let parts = text.split(separator: ".", maxSplits: 1)
    let digits = String(parts[0])
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(ch)
    }
    let negative = x < 0 && text.contains(where: { $0 != "0" && $0 != "." })
    return (negative ? "-" : "") + out + (parts.count > 1 ? "." + parts[1] : "")
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
func lpad(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
