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
/// to the log without flushing them. A group's batches are answered only after a flush that
/// started after their transaction committed has returned. `fdatasync` on the log makes every
/// frame written before the call durable, whichever descriptor wrote it, so one flush serves every
/// transaction committed before it.
///
/// A failed flush is final: Linux reports a write-back error once and then marks the pages clean,
/// so a later flush that succeeds proves nothing about the frames before it (and a power cut would
/// drop every later transaction with them, the log's checksums being chained). After one, every
/// flush fails at once and ``failure`` is set; the daemon stops and its restart copies the log into
/// the database file before it serves again (``SurveyStore/checkpointLeftoverLog()``).
final class LogFlusher: Sendable {
    typealias Completion = @Sendable (StoreError?) -> Void

    private struct State {
        var pending: [Completion] = []
        var running = false
        var flushes = 0
        var failure: StoreError?
        var failureWaiters: [UUID: CheckedContinuation<StoreError?, Never>] = [:]
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "surveyd.log-flush")
    private let descriptor: Int32
    private let inode: (device: UInt, number: UInt)
    private let sync: @Sendable (Int32) -> Int32
    /// The write-ahead log, as SQLite names it.
    let path: String

    /// Opens the log at `path` (it must exist: SQLite creates it when a connection opens a
    /// database in WAL mode) and flushes its folder, so that the file's name is as durable as its
    /// content. `sync` is `fdatasync`, or a stand-in in the tests.
    init(path: String, sync: @escaping @Sendable (Int32) -> Int32 = { fdatasync($0) }) throws(StoreError) {
        self.path = path
        self.sync = sync
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw StoreError(.cannotOpen, "cannot open the write-ahead log \(path)", cause: POSIXError.current)
        }
        var status = stat()
        fstat(fd, &status)
        let folderPath = (path as NSString).deletingLastPathComponent
        let folder = open(folderPath.isEmpty ? "." : folderPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let folderSynced = folder >= 0 && fsync(folder) == 0
        let folderError = POSIXError.current
        if folder >= 0 { close(folder) }
        guard folderSynced else {
            close(fd)
            throw StoreError(.cannotOpen, "cannot flush the folder of \(path)", cause: folderError)
        }
        descriptor = fd
        inode = (UInt(status.st_dev), UInt(status.st_ino))
    }

    deinit {
        close(descriptor)
    }

    /// Flushes that succeeded so far.
    var flushes: Int { state.withLock { $0.flushes } }

    /// Tasks waiting in ``waitForFailure()`` (for tests).
    var failureWaiterCount: Int { state.withLock { $0.failureWaiters.count } }

    /// The failed flush that stopped all others, if any.
    var failure: StoreError? { state.withLock { $0.failure } }

    /// Calls `completion` after the next flush that starts after this call, with nil once the log
    /// is on disk, or with the reason it may not be.
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
        if let failure = state.withLock({ $0.failure }) { throw failure }
        var status = stat()
        let failure: StoreError? = if stat(path, &status) != 0 || UInt(status.st_dev) != inode.device || UInt(status.st_ino) != inode.number {
            // SQLite removes the log only when its last connection closes, never under one.
            StoreError(.unavailable, "the write-ahead log \(path) was removed or replaced under surveyd")
        } else if sync(descriptor) != 0 {
            StoreError(.unavailable, "the write-ahead log could not be flushed to disk", cause: POSIXError.current)
        } else {
            nil
        }
        let waiters = state.withLock { state -> [CheckedContinuation<StoreError?, Never>] in
            guard let failure else {
                state.flushes += 1
                return []
            }
            if state.failure == nil { state.failure = failure }
            defer { state.failureWaiters = [:] }
            return Array(state.failureWaiters.values)
        }
        if let failure {
            for waiter in waiters { waiter.resume(returning: failure) }
            throw failure
        }
    }

    /// Returns the failure once a flush has failed, or nil when the task is cancelled first.
    func waitForFailure() async -> StoreError? {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> StoreError?? in
                    if let failure = state.failure { return .some(failure) }
                    if Task.isCancelled { return .some(nil) }
                    state.failureWaiters[id] = continuation
                    return .none
                }
                if case let .some(result) = now { continuation.resume(returning: result) }
            }
        } onCancel: {
            state.withLock { $0.failureWaiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
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
}

extension POSIXError {
    /// The error in `errno`.
    static var current: POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
