import ArgumentParser
import Foundation
import ModelImport

/// A failure the CLI itself finds (a missing budget file, a failed check), reported like any library error.
struct CLIError: UserFacingError {
    /// What went wrong, naming the file or option and the problem.
    let message: String
    /// 1: a check failed (a budget, a perplexity bar); 2: bad usage or bad input.
    let exitCode: Int32

    var description: String { message }

    /// Bad input or usage: exit 2.
    static func badInput(_ message: String) -> CLIError { CLIError(message: message, exitCode: 2) }

    /// A check that did not hold: exit 1.
    static func checkFailed(_ message: String) -> CLIError { CLIError(message: message, exitCode: 1) }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Runs a command line the way every micronet command reports errors: exit 0 on success,
/// 1 when a check fails, 2 on bad usage or bad input, one line on stderr.
func runMain<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) -> Never {
    do {
        var command = try Root.parseAsRoot(arguments)
        try command.run()
        exit(0)
    } catch let error as any UserFacingError {
        // Library errors (readers, import, models) and the CLI's own: one line, their exit code.
        printError("micronet: error: \(error.description)")
        exit(error.exitCode)
    } catch let error as ExitCode {
        exit(error.rawValue)
    } catch {
        let code = Root.exitCode(for: error)
        if code == .success { Root.exit(withError: error) }    // --help, --version
        if code == .validationFailure {
            printError("micronet: error: " + Root.message(for: error).replacingOccurrences(of: "\n", with: " "))
            exit(2)
        }
        printError("micronet: error: \(error)")
        exit(2)
    }
}
