import Dispatch
import Foundation
import GRDB
import SurveyModel
@testable import SurveyStore
import Synchronization
import Testing

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
    private static func logFile() throws -> (directory: URL, database: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-flush-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("db").path
        #expect(FileManager.default.createFile(atPath: database + "-wal", contents: Data()))
        return (directory, database)
    }

    /// Polls `condition` for up to five seconds.
    private static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func aCompletionWaitsForAFlushThatStartedAfterIt() async throws {
        let (directory, database) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let door = Door()
        let started = Shared(0)
        let flusher = LogFlusher(databasePath: database) { _ in
            started.update { $0 += 1 }
            door.wait()
            return 0
        }
        let first = Shared<[Int]>([]), second = Shared<[Int]>([])
        flusher.afterNextFlush { error in let flushes = flusher.flushes; first.update { $0.append(error == nil ? flushes : -1) } }
        #expect(try await Self.eventually { started.current == 1 })
        // Committed while the first flush runs: that flush may not cover it.
        flusher.afterNextFlush { error in let flushes = flusher.flushes; second.update { $0.append(error == nil ? flushes : -1) } }
        door.open()
        #expect(try await Self.eventually { !first.current.isEmpty })
        #expect(first.current == [1])
        #expect(second.current.isEmpty, "answered by a flush that started before it")
        door.open()
        #expect(try await Self.eventually { !second.current.isEmpty })
        #expect(second.current == [2])
        #expect(started.current == 2)
    }

    @Test func oneFlushServesEveryCompletionWaitingForIt() async throws {
        let (directory, database) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let door = Door()
        let flusher = LogFlusher(databasePath: database) { _ in
            door.wait()
            return 0
        }
        let answered = Shared(0)
        flusher.afterNextFlush { _ in answered.update { $0 += 1 } }
        for _ in 0..<50 {
            flusher.afterNextFlush { _ in answered.update { $0 += 1 } }
        }
        door.open(2)
        #expect(try await Self.eventually { answered.current == 51 })
        #expect(flusher.flushes <= 2)
    }

    @Test func aFailedFlushIsReportedToEveryoneWaiting() async throws {
        let (directory, database) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let flusher = LogFlusher(databasePath: database) { _ in
            errno = EIO
            return -1
        }
        let errors = Shared<[StoreError?]>([])
        for _ in 0..<3 {
            flusher.afterNextFlush { error in errors.update { $0.append(error) } }
        }
        #expect(try await Self.eventually { errors.current.count == 3 })
        for error in errors.current {
            #expect(error?.code == .unavailable)
            #expect(error?.message == "the database file cannot be read or written")
        }
        #expect(flusher.flushes == 0)
        #expect(throws: StoreError.self) { try flusher.flushNow() }
    }

    @Test func aReplacedLogIsReopened() async throws {
        let (directory, database) = try Self.logFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let inodes = Shared<[UInt]>([])
        let flusher = LogFlusher(databasePath: database) { descriptor in
            var status = stat()
            fstat(descriptor, &status)
            let inode = UInt(status.st_ino); inodes.update { $0.append(inode) }
            return 0
        }
        try flusher.flushNow()
        try flusher.flushNow()
        try FileManager.default.removeItem(atPath: database + "-wal")
        #expect(throws: StoreError.self) { try flusher.flushNow() }
        #expect(FileManager.default.createFile(atPath: database + "-wal", contents: Data("x".utf8)))
        try flusher.flushNow()
        var status = stat()
        #expect(stat(database + "-wal", &status) == 0)
        let seen = inodes.current
        #expect(seen.count == 3)
        #expect(seen[0] == seen[1])
        #expect(seen[2] == UInt(status.st_ino), "the new file is the one flushed")
    }

    /// Through the store: a batch is committed (a reader sees it) but not answered until the log
    /// flush that follows its transaction returns.
    @Test func aBatchIsAnsweredOnlyAfterTheLogFlush() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        let door = Door()
        let flusher = LogFlusher(databasePath: fixture.path) { descriptor in
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
        #expect(try await Self.eventually { (try? IngestTests.count(store, "batches")) == 1 })
        try await Task.sleep(for: .milliseconds(100))
        #expect(!answered.current, "answered before the log was flushed")
        door.open()
        guard case .success(.accepted) = await task.value else {
            Issue.record("the batch should be accepted once flushed")
            return
        }
        #expect(flusher.flushes == 1)
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
