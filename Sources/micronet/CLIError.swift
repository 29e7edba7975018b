import ArgumentParser
import Checkpoint
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

/// Writes one line to standard error, bounded by `boundedLine`.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((boundedLine(line) + "\n").utf8))
}

/// Longest line `printError` writes, in UTF-8 bytes.
let maxErrorLineBytes = 16 << 10

/// `line` with every run of more than `NameElision.limit` bytes free of spaces, quotes and commas (a
/// name from the file) elided as inspect prints long names, then cut to `maxErrorLineBytes`: whatever
/// names a message spells out, it stays one short line, never a copy of a hostile file's keys.
func boundedLine(_ line: String) -> String {
    let bytes = Array(line.utf8)
    guard bytes.count > NameElision.limit else { return line }
    let separators: Set<UInt8> = [0x20, 0x09, 0x0A, 0x27, 0x22, 0x2C]  // space, tab, newline, ' " ,
    var out: [UInt8] = []
    out.reserveCapacity(min(bytes.count, maxErrorLineBytes + 64))
    var start = 0
    func flush(_ end: Int) {
        let run = bytes[start..<end]
        if run.count > NameElision.limit {
            out += Array(NameElision.display(String(decoding: run, as: UTF8.self)).utf8)
        } else {
            out += run
        }
    }
    for (i, b) in bytes.enumerated() where separators.contains(b) {
        flush(i)
        out.append(b)
        start = i + 1
    }
    flush(bytes.count)
    guard out.count > maxErrorLineBytes else { return String(decoding: out, as: UTF8.self) }
    // A message made of many shorter names: keep its start, say how long it was.
    return String(decoding: out.prefix(maxErrorLineBytes), as: UTF8.self) + "… [\(out.count) bytes in all, cut]"
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
