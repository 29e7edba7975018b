import ArgumentParser
import Counter
import Graph

extension CountingConvention: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}

/// Bit widths, sparsity and convention, shared by every command that counts. Numeric options parse their
/// next argument unconditionally, so `--param-bits -1` reaches the range check ("must be an integer from 1
/// to 64, got -1") instead of reading as a missing value.
struct CountingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Bits per stored parameter (default: the input bits when given, else 32).")
    var paramBits: Double?

    @Option(parsing: .unconditional, help: "Bits of a multiplication's inputs. '--input-bits 16' alone is the challenge's freebie: parameters follow, adds stay 32-bit.")
    var inputBits: Double?

    @Option(parsing: .unconditional, help: "Bits of an addition's accumulator (default 32).")
    var accumulatorBits: Double?

    @Option(parsing: .unconditional, help: "Bit width that counts as one addition.")
    var addBitsBase: Double = 32

    @Option(parsing: .unconditional, help: "Bit width that counts as one multiplication.")
    var mulBitsBase: Double = 32

    @Option(parsing: .unconditional, help: "Global weight sparsity in [0, 1) (an op's own or measured sparsity applies where this is not given).")
    var sparsity: Double?

    @Option(help: "seed: count as the JAIST entry did; full: also count the output-gate product, decoder-bias adds and softmax.")
    var convention: CountingConvention = .seed

    func validate() throws {
        for (name, value) in [("--param-bits", paramBits), ("--input-bits", inputBits), ("--accumulator-bits", accumulatorBits),
                              ("--add-bits-base", addBitsBase), ("--mul-bits-base", mulBitsBase)] {
            if let value {
                do { try CountSettings.checkBits(value, name: name) } catch { throw ValidationError("\(error)") }
            }
        }
        if let s = sparsity, !(s >= 0 && s < 1) { throw ValidationError("--sparsity must be in [0, 1), got \(s)") }
    }

    /// Whether any bit width was given (else the command's defaults apply, and it says how they differ).
    var givesBits: Bool { paramBits != nil || inputBits != nil || accumulatorBits != nil }

    /// The settings, with `defaultInputBits` when --input-bits is not given (32 for count, 16 for score).
    func settings(defaultInputBits: Double = 32) -> CountSettings {
        let input = inputBits ?? defaultInputBits
        return CountSettings(paramBits: paramBits ?? input, inputBits: input, accumulatorBits: accumulatorBits ?? 32,
                             addBitsBase: addBitsBase, mulBitsBase: mulBitsBase, sparsity: sparsity ?? 0,
                             convention: convention)
    }
}
