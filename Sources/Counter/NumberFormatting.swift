import Foundation

/// `%.3f`, as the reference formats every figure.
public func f3(_ x: Double) -> String { String(format: "%.3f", x) }

/// A number without a spurious ".0", full precision otherwise.
func num(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 9.0e15 { return String(Int(x)) }
    return "\(x)"
}

/// 104905335 as "104,905,335"; a fraction keeps `decimals` digits (52,452,667.5).
public func grouped(_ x: Double, decimals: Int = 1) -> String {
    guard x.isFinite, abs(x) < 9.0e15 else { return "\(x)" }
    let whole = Int(x.rounded(.towardZero))
    let digits = String(abs(whole))
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(ch)
    }
    out = (x < 0 ? "-" : "") + out
    let fraction = abs(x - Double(whole))
    return fraction > 1e-9 ? out + String(String(format: "%.\(decimals)f", fraction).dropFirst()) : out
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
func lpad(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
