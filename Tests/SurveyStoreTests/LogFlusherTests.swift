import Dispatch
import Foundation
import GRDB
import Logging
import SurveyModel
@testable import SurveyStore
import Synchronization
import Testing
import TestSupport

/// A door that `sync` stand-ins wait at until the test opens it.
private final class Door: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func wait() { semaphore.wait() }
    func open(_ times: Int = 1) { for _ in 0..<times { semaphore.signal() } }
}

/// A value shared with closures.
private final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func update(_ body: @Sendable (inout Value) -> Void) { value.withLock { body(&$0) } }
    var current: Value { value.withLock { $0 } }
}

@Suite struct LogFlusherTests {
    /// A folder holding an empty `db-wal` file for the flusher to open.
    private static func logFile() throws -> (directory: URL, log: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-flush-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("db-wal").path
        #expect(FileManager.default.createFile(atPath: log, contents: Data()))
        return (directory, log)
    }

    @Test func aCompletionWaitsForAFlushThatStartedAfterIt() async throws {
        let (directory, log) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let door = Door()
        let started = Shared(0)
        let flusher = try LogFlusher(path: log) { _ in
            started.update { $0 += 1 }
            door.wait()
            return 0
        }
        let first = Shared<[Int]>([]), second = Shared<[Int]>([])
        flusher.afterNextFlush { error in let flushes = flusher.flushes; first.update { $0.append(error == nil ? flushes : -1) } }
        #expect(await Wait.until { started.current == 1 })
        // Committed while the first flush runs: that flush may not cover it.
        flusher.afterNextFlush { error in let flushes = flusher.flushes; second.update { $0.append(error == nil ? flushes : -1) } }
        door.open()
        #expect(await Wait.until { !first.current.isEmpty })
        #expect(first.current == [1])
        #expect(second.current.isEmpty, "answered by a flush that started before it")
        door.open()
        #expect(await Wait.until { !second.current.isEmpty })
        #expect(second.current == [2])
        #expect(started.current == 2)
    }

    @Test func oneFlushServesEveryCompletionWaitingForIt() async throws {
        let (directory, log) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let door = Door()
        let flusher = try LogFlusher(path: log) { _ in
            door.wait()
            return 0
        }
        let answered = Shared(0)
        flusher.afterNextFlush { _ in answered.update { $0 += 1 } }
        for _ in 0..<50 {
            flusher.afterNextFlush { _ in answered.update { $0 += 1 } }
        }
        door.open(2)
        #expect(await Wait.until { answered.current == 51 })
        #expect(flusher.flushes <= 2)
    }

    /// Linux reports a write-back error once: a flush that fails is final, even if the next
    /// `fdatasync` would succeed.
    @Test func aFailedFlushIsFinal() async throws {
        let (directory, log) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let calls = Shared(0)
        let flusher = try LogFlusher(path: log) { _ in
            calls.update { $0 += 1 }
            guard calls.current == 1 else { return 0 }
            errno = EIO
            return -1
        }
        let failed = Task { await flusher.waitForFailure() }
        let errors = Shared<[StoreError?]>([])
        for _ in 0..<3 {
            flusher.afterNextFlush { error in errors.update { $0.append(error) } }
        }
        #expect(await Wait.until { errors.current.count == 3 })
        for error in errors.current {
            #expect(error?.code == .unavailable)
            #expect(error?.message == "the write-ahead log could not be flushed to disk")
        }
        #expect(await failed.value?.message == "the write-ahead log could not be flushed to disk")
        #expect(flusher.failure != nil)
        flusher.afterNextFlush { error in errors.update { $0.append(error) } }
        #expect(await Wait.until { errors.current.count == 4 })
        #expect(errors.current.last??.code == .unavailable, "no flush succeeds after a failed one")
        #expect(throws: StoreError.self) { try flusher.flushNow() }
        #expect(calls.current == 1, "fdatasync is not called again")
        #expect(flusher.flushes == 0)
    }

    @Test func waitingForAFailureEndsWithTheTask() async throws {
        let (directory, log) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let flusher = try LogFlusher(path: log) { _ in 0 }
        let waiting = Task { await flusher.waitForFailure() }
        #expect(await Wait.until { flusher.failureWaiterCount == 1 })
        waiting.cancel()
        #expect(await waiting.value == nil)
    }

    @Test func aRemovedLogStopsTheFlushes() async throws {
        let (directory, log) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let flusher = try LogFlusher(path: log) { fdatasync($0) }
        try flusher.flushNow()
        #expect(flusher.flushes == 1)
        try FileManager.default.removeItem(atPath: log)
        #expect(FileManager.default.createFile(atPath: log, contents: Data("x".utf8)))
        #expect {
            try flusher.flushNow()
        } throws: { error in
            (error as? StoreError)?.message == "the write-ahead log \(log) was removed or replaced under surveyd"
        }
        #expect(throws: StoreError.self) { try LogFlusher(path: log + ".missing") }
    }

    /// Through the store: a batch is committed (a reader sees it) but not answered until the log
    /// flush that follows its transaction returns.
    @Test func aBatchIsAnsweredOnlyAfterTheLogFlush() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        let door = Door()
        let reader = try DatabaseQueue(path: fixture.path)
        let visibleAtFlush = Shared<[Int]>([])
        let flusher = try LogFlusher(path: fixture.path + "-wal") { descriptor in
            // The flush must start after the commit: the batch is already there for a reader.
            let batches = (try? reader.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM batches") }) ?? -1
            visibleAtFlush.update { $0.append(batches) }
            door.wait()
            return fdatasync(descriptor)
        }
        var generator = SeededGenerator(state: 3)
        let batch = BatchSubmission(collaboratorID: a.id, clientBatchID: "b", responses: randomResponses(20, using: &generator))
        let prepared = try fixture.store.prepare(batch, receivedAt: Date())
        let answered = Shared(false)
        let store = fixture.store
        let task = Task {
            let result = await store.ingestQueue.submit(prepared, connection: store.ingestConnection, flusher: flusher)
            answered.update { $0 = true }
            return result
        }
        #expect(await Wait.until { (try? IngestTests.count(store, "batches")) == 1 })
        #expect(await Wait.until { !visibleAtFlush.current.isEmpty }, "the flush starts")
        #expect(await Wait.holds(throughout: .milliseconds(100)) { !answered.current }, "answered before the log was flushed")
        door.open()
        guard case .success(.accepted) = await task.value else {
            Issue.record("the batch should be accepted once flushed")
            return
        }
        #expect(flusher.flushes == 1)
        #expect(visibleAtFlush.current == [1])
    }

    /// A retry of a batch whose first copy is committed but not yet flushed waits for that flush.
    @Test func aDuplicateWaitsForTheFlushOfItsOriginal() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        let door = Door()
        let flusher = try LogFlusher(path: fixture.path + "-wal") { descriptor in
            door.wait()
            return fdatasync(descriptor)
        }
        var generator = SeededGenerator(state: 5)
        let batch = BatchSubmission(collaboratorID: a.id, clientBatchID: "b", responses: randomResponses(20, using: &generator))
        let store = fixture.store
        let answers = Shared<[String]>([])
        let prepared = try store.prepare(batch, receivedAt: Date())
        let first = Task {
            let result = await store.ingestQueue.submit(prepared, connection: store.ingestConnection, flusher: flusher)
            answers.update { $0.append("first") }
            return result
        }
        #expect(await Wait.until { (try? IngestTests.count(store, "batches")) == 1 })
        let again = try store.prepare(batch, receivedAt: Date())
        let second = Task {
            let result = await store.ingestQueue.submit(again, connection: store.ingestConnection, flusher: flusher)
            answers.update { $0.append("second") }
            return result
        }
        // Once the retry has been taken into a group of its own, nothing may answer it before the flush.
        #expect(await Wait.until { store.ingestQueue.counts.batches == 2 })
        #expect(await Wait.holds(throughout: .milliseconds(200)) { answers.current.isEmpty }, "a retry was answered before its original was flushed")
        door.open(3)
        guard case .success(.accepted) = await first.value, case .success(.duplicate) = await second.value else {
            Issue.record("expected the first copy accepted and the retry answered as a duplicate")
            return
        }
        #expect(try IngestTests.count(store, "batches") == 1)
    }

    /// Through the store: after a failed flush nothing more is acknowledged; a restart copies the
    /// log into the database and the refused batch, sent again, is a duplicate.
    @Test func aStoreWhoseFlushFailedRefusesEverythingUntilReopened() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-flushfail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("surveyd.sqlite").path
        let failing = Shared(false)
        let store = try SurveyStore(path: path, logger: Logger(label: "test")) { descriptor in
            guard failing.current else { return fdatasync(descriptor) }
            errno = EIO
            return -1
        }
        try store.synchronize(StoreFixture.catalog)
        let (a, _) = try store.addCollaborator(unit: "U01", name: "A")
        var generator = SeededGenerator(state: 6)
        let stored = BatchSubmission(collaboratorID: a.id, clientBatchID: "ok", responses: randomResponses(10, using: &generator))
        guard case .accepted = try await store.ingest(stored) else {
            Issue.record("the first batch should be accepted")
            return
        }
        try await store.probeWriters()
        failing.update { $0 = true }
        let failure = Task { await store.logFlushFailure() }
        let refused = BatchSubmission(collaboratorID: a.id, clientBatchID: "refused", responses: randomResponses(10, using: &generator))
        await #expect(throws: StoreError.self) { try await store.ingest(refused) }
        #expect(await failure.value?.code == .unavailable)
        failing.update { $0 = false }
        let later = BatchSubmission(collaboratorID: a.id, clientBatchID: "later", responses: randomResponses(10, using: &generator))
        await #expect(throws: StoreError.self) { try await store.ingest(later) }
        await #expect(throws: StoreError.self) { try await store.probeWriters() }
        // "Restarted": the committed but unflushed batch is in the log, copied into the database.
        let reopened = try SurveyStore(path: path, logger: Logger(label: "test"))
        #expect(try reopened.checkpointLeftoverLog() > 0)
        guard case .duplicate = try await reopened.ingest(refused) else {
            Issue.record("the refused batch was committed before the flush failed: a retry is a duplicate")
            return
        }
        guard case .accepted = try await reopened.ingest(later) else {
            Issue.record("a batch refused before its transaction is stored on retry")
            return
        }
        #expect(try IngestTests.talliesMatchRecount(reopened))
    }

    /// SQLite follows a symbolic link to the database and names the log beside the real file.
    @Test func theLogOfASymlinkedDatabaseIsTheRealOne() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-link-\(UUID().uuidString)")
        let real = directory.appendingPathComponent("real")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = real.appendingPathComponent("x.sqlite").path
        #expect(FileManager.default.createFile(atPath: target, contents: Data()))
        let link = directory.appendingPathComponent("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let store = try SurveyStore(path: link, logger: Logger(label: "test"))
        #expect(store.logFlusher.path == target + "-wal")
        #expect(FileManager.default.fileExists(atPath: target + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: link + "-wal"))
    }

    @Test func theIngestConnectionLeavesFlushingToTheFlusher() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        #expect(try fixture.store.synchronousLevels() == (writer: 2, ingest: 1))
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        var generator = SeededGenerator(state: 4)
        for index in 0..<3 {
            let batch = BatchSubmission(collaboratorID: a.id, clientBatchID: "b\(index)", responses: randomResponses(10, using: &generator))
            let before = fixture.store.logFlusher.flushes
            _ = try await fixture.store.ingest(batch)
            #expect(fixture.store.logFlusher.flushes > before)
        }
        let before = fixture.store.logFlusher.flushes
        let batch = BatchSubmission(collaboratorID: a.id, clientBatchID: "alone", responses: randomResponses(10, using: &generator))
        _ = try await fixture.store.ingestAlone(batch)
        #expect(fixture.store.logFlusher.flushes == before + 1)
    }
}
