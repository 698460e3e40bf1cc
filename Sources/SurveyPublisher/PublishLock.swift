import Foundation

/// Only one publication at a time on a summaries folder, across processes: the daemon's and
/// `surveyctl publish` (or `batch retract`) take an exclusive `flock` on the folder itself before
/// anything else, including the removal of leftover temporary files (which would otherwise be the
/// other publication's files in progress). Locking the folder leaves no file behind in what is
/// published, and the lock goes with its descriptor, also at a crash: a dead publisher never
/// blocks the next one.
final class PublishLock {
    private let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    /// Takes the lock on `directory`, waiting at most `timeout` for another publication to end.
    static func acquire(directory: String, timeout: Duration) throws -> PublishLock {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PublishError(path: directory, operation: "open", errno: errno) }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(fd)
                throw PublishError(path: directory, operation: "lock", errno: code)
            }
            guard clock.now < deadline else {
                let holder = holderProcess(fd)
                close(fd)
                throw PublishBusyError(directory: directory, holder: holder, waited: timeout)
            }
            usleep(20_000)
        }
        return PublishLock(fd: fd)
    }

    /// The process holding the folder's lock, from `/proc/locks` (best effort: nil when it
    /// cannot be read, as inside the service's sandbox).
    static func holderProcess(_ fd: Int32) -> Int32? {
        var status = stat()
        guard fstat(fd, &status) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        // `1: FLOCK  ADVISORY  WRITE 1234 08:01:567 0 EOF`: holder, then device:inode (matched
        // by inode only: a message, not a decision). Waiting processes' lines read `1: -> FLOCK`.
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", fields[4].split(separator: ":").last == "\(status.st_ino)" else { continue }
            return Int32(fields[3])
        }
        return nil
    }

    deinit {
        close(fd)
    }
}

/// Another publication held the summaries folder for longer than a publication waits.
public struct PublishBusyError: Error, Sendable, CustomStringConvertible {
    public var directory: String
    /// The process that holds the folder, as it wrote itself in the lock file.
    public var holder: Int32?
    public var waited: Duration

    public var description: String {
        let who = holder.map { "process \($0)" } ?? "another process"
        return "another publication (\(who)) has been writing to \(directory) for more than \(waited.components.seconds) s; nothing was written, try again later"
    }
}
