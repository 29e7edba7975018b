#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGBUS on a mapped checkpoint (the file was truncated by someone else while micronet read
/// it) into a one-line error and exit 2 instead of a crash. Faults outside registered mappings go to
/// the handler that was there before. A process-wide table is unavoidable: a signal handler has no
/// other way to know which file a faulting address belongs to.
enum MappingGuard {
    private struct Slot {
        var start: UInt = 0
        var end: UInt = 0
        var message: UnsafeMutablePointer<CChar>?
        var length = 0
    }

    private static let capacity = 64
    nonisolated(unsafe) private static let table: UnsafeMutablePointer<Slot> = {
        let p = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        p.initialize(repeating: Slot(), count: capacity)
        return p
    }()
    nonisolated(unsafe) private static var lock = pthread_mutex_t()
    nonisolated(unsafe) private static var previous = sigaction()

    private static let installed: Bool = {
        _ = table
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_sigaction = onFault
        #else
        action.__sigaction_u.__sa_sigaction = onFault
        #endif
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        return sigaction(SIGBUS, &action, &previous) == 0
    }()

    private static let onFault: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = { _, info, _ in
        #if canImport(Glibc)
        let address = UInt(bitPattern: info?.pointee._sifields._sigfault.si_addr)
        #else
        let address = UInt(bitPattern: info?.pointee.si_addr)
        #endif
        for i in 0..<capacity {
            let s = table[i]
            if let m = s.message, address >= s.start, address < s.end {
                _ = write(2, m, s.length)
                _exit(2)
            }
        }
        // Not a checkpoint mapping: restore the previous disposition and let the fault recur.
        sigaction(SIGBUS, &previous, nil)
    }

    /// Registers a mapping of `path`; a SIGBUS inside it prints one line naming the file and exits 2.
    static func register(start: UnsafeRawPointer, count: Int, path: String) {
        guard installed else { return }
        let text = "micronet: error: \(path): the file shrank while it was being read (SIGBUS on a truncated mapping); it was not changed by micronet\n"
        let utf8 = Array(text.utf8CString)
        let message = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
        message.initialize(from: utf8, count: utf8.count)
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        for i in 0..<capacity where table[i].message == nil {
            // Fill the range before the message: the handler treats a slot as live once it has one.
            table[i].start = UInt(bitPattern: start)
            table[i].end = UInt(bitPattern: start) &+ UInt(count)
            table[i].length = utf8.count - 1
            table[i].message = message
            return
        }
        message.deallocate()  // more than 64 files mapped at once: unguarded, as before
    }

    /// Forgets the mapping starting at `start` (called before it is unmapped).
    static func unregister(start: UnsafeRawPointer) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        for i in 0..<capacity where table[i].message != nil && table[i].start == UInt(bitPattern: start) {
            let m = table[i].message
            table[i].message = nil
            m?.deallocate()
            table[i] = Slot()
            return
        }
    }
}
