import Checkpoint
import Counter
import Graph
import ONNX
import QRNNModel

/// An error a user caused (bad input, bad usage, a failed check): its `description` is one line that
/// names the file or option and the problem, and `exitCode` is what the process exits with.
/// The CLI prints these once at the top, so no call site needs to re-wrap them.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// 2 for bad input or usage (the default), 1 for a check that did not hold.
    var exitCode: Int32 { get }
}

extension UserFacingError {
    /// Bad input: exit 2.
    public var exitCode: Int32 { 2 }
}

// The readers' and models' typed errors are bad input: one place lists them, so a new reader
// (ONNX, a language-model loader) adds one line here.
extension CheckpointError: UserFacingError {}
extension GraphFileError: UserFacingError {}
extension QRNNError: UserFacingError {}
extension CorpusError: UserFacingError {}
extension BudgetFileError: UserFacingError {}
extension CountSettingsError: UserFacingError {}
extension ScoreInputError: UserFacingError {}
extension ONNXError: UserFacingError {}
