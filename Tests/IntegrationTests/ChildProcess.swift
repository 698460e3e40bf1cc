import Foundation
import TestSupport

/// A child process started with posix_spawn and reaped with wait4 (which also gives its peak memory). Foundation's `Process` was
/// seen to miss child exits when many run at once on Linux, hanging tests; this does not.
final class ChildProcess: @unchecked Sendable {
    let processIdentifier: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?
    private var peakResidentKB: Int?

    /// Starts `path` with `arguments`; standard output and error go to the given files (appended),
    /// or /dev/null.
    init(_ path: String, _ arguments: [String], environment: [String: String], stdout: String? = nil, stderr: String? = nil, directory: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        _ = directory // posix_spawn_file_actions_addchdir_np is not exposed here; children start in the test's folder
        // The child must not inherit the test process's sockets and files (a client connection
        // kept open by a daemon spawned meanwhile would never close): close every fd above 2.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        // A binary just copied can be briefly "busy" while a child forked meanwhile by another
        // thread still holds the copy's write descriptor.
        if result == ETXTBSY {
            _ = Wait.blockingUntil(within: .seconds(5)) {
                result = posix_spawn(&pid, path, &actions, nil, argv, envp)
                return result != ETXTBSY
            }
        }
        guard result == 0 else { throw DaemonError("cannot start \(path): \(String(cString: strerror(result)))") }
        processIdentifier = pid
    }

    /// Whether the child still runs (reaps it when it has exited).
    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        var usage = rusage()
        let result = wait4(processIdentifier, &status, WNOHANG, &usage)
        if result == processIdentifier {
            // Exit code, or 128 + signal for a child killed by a signal.
            exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            // The kernel's own high-water mark (kB): exact, however few samples a loaded machine took.
            peakResidentKB = usage.ru_maxrss
            return false
        }
        return result == 0
    }

    /// The child's peak resident memory in kB (`ru_maxrss`), once it has been reaped.
    var peakResident: Int? { lock.withLock { peakResidentKB } }

    /// The exit status (128 + signal if killed), once it has exited.
    var terminationStatus: Int32 {
        _ = isRunning
        return lock.withLock { exitStatus ?? -1 }
    }

    func signal(_ number: Int32) {
        if isRunning { kill(processIdentifier, number) }
    }

    /// Waits (without blocking a thread) up to `timeout` seconds; kills it after that. Returns the
    /// exit status.
    func exit(timeout: TimeInterval) async -> Int32 {
        _ = await Wait.until(within: .seconds(timeout)) { !isRunning }  // then killed if still running
        return wait(timeout: 0)
    }

    /// Waits up to `timeout` seconds; kills it after that. Returns the exit status.
    @discardableResult
    func wait(timeout: TimeInterval) -> Int32 {
        _ = Wait.blockingUntil(within: .seconds(timeout)) { !isRunning }
        if isRunning {
            kill(processIdentifier, SIGKILL)
            _ = Wait.blockingUntil(within: .seconds(3_600)) { !isRunning }  // SIGKILL cannot be refused
        }
        return terminationStatus
    }
}
