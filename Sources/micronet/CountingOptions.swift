import ArgumentParser
import Counter
import Graph

extension CountingConvention: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}

/// Bit widths, sparsity and convention, shared by every command that counts.
struct CountingOptions: ParsableArguments {
    @Option(help: "Bits per stored parameter, 1 to 64 (default: the input bits when given, else 32).")
    var paramBits: Double?

    @Option(help: "Bits of a multiplication's inputs (1 to 64). '--input-bits 16' alone is the challenge's freebie: parameters follow, adds stay 32-bit.")
    var inputBits: Double?

    @Option(help: "Bits of an addition's accumulator, 1 to 64 (default 32).")
    var accumulatorBits: Double?

    @Option(help: "Bit width that counts as one addition (1 to 64).")
    var addBitsBase: Double = 32

    @Option(help: "Bit width that counts as one multiplication (1 to 64).")
    var mulBitsBase: Double = 32

    @Option(help: "Global weight sparsity in [0, 1) (an op's own or measured sparsity applies where this is not given).")
    var sparsity: Double?

    @Option(help: "seed: count as the JAIST entry did; full: also count the output-gate product, decoder-bias adds and softmax.")
    var convention: CountingConvention = .seed

    /// Bit widths are whole numbers of bits; 64 is the widest a number the challenge counts can be.
    static let bitRange = 1...64

    func validate() throws {
        for (name, value) in [("--param-bits", paramBits), ("--input-bits", inputBits), ("--accumulator-bits", accumulatorBits),
                              ("--add-bits-base", addBitsBase), ("--mul-bits-base", mulBitsBase)] {
            if let value, !(value.isFinite && value == value.rounded() && Double(Self.bitRange.lowerBound) <= value
                            && value <= Double(Self.bitRange.upperBound)) {
                throw ValidationError("\(name) must be an integer from 1 to 64, got \(Self.shown(value))")
            }
        }
        if let s = sparsity, !(s >= 0 && s < 1) { throw ValidationError("--sparsity must be a number in [0, 1), got \(Self.shown(s))") }
    }

    /// A flag's value as the user would write it (16, not 16.0).
    static func shown(_ x: Double) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    /// The settings, with `defaultInputBits` when --input-bits is not given (32 for count, 16 for score).
    func settings(defaultInputBits: Double = 32) -> CountSettings {
        let input = inputBits ?? defaultInputBits
        return CountSettings(paramBits: paramBits ?? input, inputBits: input, accumulatorBits: accumulatorBits ?? 32,
                             addBitsBase: addBitsBase, mulBitsBase: mulBitsBase, sparsity: sparsity ?? 0,
                             convention: convention)
    }
}
