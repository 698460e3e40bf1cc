#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization

/// Flushes the write-ahead log to disk on a thread of its own, so that the ingest connection
/// writes the next group of batches while the previous group's flush is in flight.
///
/// The ingest connection commits with `synchronous=NORMAL`: SQLite writes a transaction's frames
/// to the log without flushing them. A group's batches are acknowledged only after a flush that
/// started after their transaction committed has returned. `fdatasync` on the log makes every
/// frame written before the call durable, whichever descriptor wrote it, so one flush serves every
/// transaction committed before it; the acknowledgements promise exactly what
/// `synchronous=FULL` (a flush inside every commit) promised.
final class LogFlusher: Sendable {
    typealias Completion = @Sendable (StoreError?) -> Void

    private struct State {
        var pending: [Completion] = []
        var running = false
        var flushes = 0
    }

    private let state = Mutex(State())
    /// The open log file, reopened if the file at ``path`` is no longer the same one.
    private let file = Mutex<Int32>(-1)
    private let queue = DispatchQueue(label: "surveyd.log-flush")
    private let sync: @Sendable (Int32) -> Int32
    /// The write-ahead log (`<database>-wal`).
    let path: String

    /// `sync` is `fdatasync`, or a stand-in in the tests.
    init(databasePath: String, sync: @escaping @Sendable (Int32) -> Int32 = { fdatasync($0) }) {
        path = databasePath + "-wal"
        self.sync = sync
    }

    deinit {
        file.withLock { descriptor in
            if descriptor >= 0 { close(descriptor) }
        }
    }

    /// Flushes that succeeded so far.
    var flushes: Int { state.withLock { $0.flushes } }

    /// Calls `completion` after the next flush that starts after this call, with nil once the log
    /// is on disk or the reason it may not be.
    func afterNextFlush(_ completion: @escaping Completion) {
        let start = state.withLock { state in
            state.pending.append(completion)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if start {
            queue.async { self.drain() }
        }
    }

    /// Flushes the log now, on the caller's thread.
    func flushNow() throws(StoreError) {
        let failure = file.withLock { descriptor -> StoreError? in
            if let error = LogFlusher.reopenIfReplaced(&descriptor, path: path) { return error }
            guard sync(descriptor) == 0 else {
                return StoreError(.unavailable, "the database file cannot be read or written", cause: POSIXError.current)
            }
            return nil
        }
        if let failure { throw failure }
        state.withLock { $0.flushes += 1 }
    }

    /// Takes every waiting completion, flushes, calls them; until none wait.
    private func drain() {
        while true {
            let waiting = state.withLock { state -> [Completion] in
                let waiting = state.pending
                state.pending.removeAll(keepingCapacity: true)
                if waiting.isEmpty { state.running = false }
                return waiting
            }
            guard !waiting.isEmpty else { return }
            var failure: StoreError?
            do {
                try flushNow()
            } catch {
                failure = error
            }
            for completion in waiting {
                completion(failure)
            }
        }
    }

    /// Opens the log if it is not open or the open one is no longer at `path` (SQLite deletes the
    /// log when its last connection closes). A newly opened log's directory is flushed too, so
    /// that the file's name is durable along with its content.
    private static func reopenIfReplaced(_ descriptor: inout Int32, path: String) -> StoreError? {
        var current = stat(), opened = stat()
        if descriptor >= 0, stat(path, &current) == 0, fstat(descriptor, &opened) == 0,
           current.st_ino == opened.st_ino, current.st_dev == opened.st_dev {
            return nil
        }
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return StoreError(.unavailable, "the database file cannot be read or written", cause: POSIXError.current)
        }
        descriptor = fd
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return nil
    }
}

extension POSIXError {
    /// The error in `errno`.
    static var current: POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
