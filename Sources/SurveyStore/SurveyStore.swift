import Foundation
import GRDB
import GRDBSQLite
import Logging
import SurveyModel
import Synchronization

/// The SQLite store of surveyd: one `DatabasePool` per process, opened in WAL mode with
/// `synchronous=FULL` and migrated on open, plus the connection that writes ingested batches.
/// Each write method is one transaction that keeps the store's invariants (responses and their
/// tallies change together, or not at all), durable before it returns.
public final class SurveyStore: Sendable {
    /// The GRDB pool: one serialised writer, concurrent readers.
    public let writer: DatabasePool
    /// The connection that writes ingested batches (see ``openIngestConnection(path:)``).
    let ingestConnection: DatabaseQueue
    /// Makes the ingest connection's commits durable before they are acknowledged.
    let logFlusher: LogFlusher
    /// A connection that only reads, for the per-command revocation check
    /// (``isActive(collaboratorID:)``).
    let checkConnection: DatabaseQueue
    let logger: Logger
    let codes = Mutex(CodeIndex())
    /// Batches waiting for the next group commit.
    let ingestQueue = IngestQueue()
    /// The policy for holding new batches for review.
    let hold = Mutex(HoldPolicy.none)
    /// The active rounds' date windows per topic, to classify responses at ingest.
    let roundIndex = RoundClassifier()

    /// Opens (creating if needed) and migrates the database at `path`.
    ///
    /// - Throws: ``StoreError`` with ``StoreError/Code/schemaTooNew`` when the file was written by a
    ///   newer surveyd, ``StoreError/Code/cannotOpen`` when it cannot be opened or migrated.
    public convenience init(path: String, logger: Logger) throws(StoreError) {
        try self.init(path: path, logger: logger, logSync: { fdatasync($0) })
    }

    /// `logSync` flushes the write-ahead log (`fdatasync`; a stand-in in the tests).
    init(path: String, logger: Logger, logSync: @escaping @Sendable (Int32) -> Int32) throws(StoreError) {
        self.logger = logger
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        configuration.label = "surveyd"
        // A new database file is created 0640 (SQLite gives its -wal and -shm files the same
        // mode): it holds token hashes and every response, so never readable by others.
        let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        if created >= 0 {
            fchmod(created, 0o640)
            close(created)
        } else if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let mode = attributes[.posixPermissions] as? Int, mode & 0o007 != 0 {
            logger.warning("the database file is accessible to other users; restrict it with chmod o-rwx", metadata: [
                "path": "\(path)", "mode": "\(String(mode, radix: 8))",
            ])
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
        } catch {
            let reason = (error as? DatabaseError)?.resultCode == .SQLITE_READONLY ? ": the database file is read-only" : ""
            throw StoreError(.cannotOpen, "cannot open the database \(path)\(reason)", cause: error)
        }
        do {
            // GRDB's pool sets synchronous=NORMAL with WAL; an acknowledged batch must survive a
            // power cut, so the writer connection goes back to FULL.
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SurveyStore.writerCheckpointPages)")
            }
        } catch {
            throw StoreError(.cannotOpen, "cannot configure the database \(path)", cause: error)
        }
        do {
            ingestConnection = try SurveyStore.openIngestConnection(path: path)
        } catch {
            throw StoreError(.cannotOpen, "cannot open the ingest connection to \(path)", cause: error)
        }
        // The log's name as SQLite has it (it follows symbolic links to the database).
        let logPath = ingestConnection.inDatabase { db -> String? in
            guard let name = sqlite3_db_filename(db.sqliteConnection, "main"), let wal = sqlite3_filename_wal(name) else { return nil }
            return String(cString: wal)
        }
        guard let logPath else {
            throw StoreError(.cannotOpen, "cannot find the write-ahead log of \(path)")
        }
        logFlusher = try LogFlusher(path: logPath, sync: logSync)
        do {
            // Opened for writing but refusing writes (query_only). With a connection opened
            // read-only (SQLITE_OPEN_READONLY) beside the others, a large batch was stored on a
            // full disk where it is otherwise refused (DatabaseFailureTests.aFullDisk); why was
            // not found, so this connection is opened like the others.
            var configuration = GRDB.Configuration()
            // Runs on the sessions' threads, so it never waits for a lock: a busy database
            // (another process holding it exclusively, recovery after a crash) lets the command
            // through, and COMMIT checks again in its transaction.
            configuration.busyMode = .immediateError
            configuration.label = "surveyd.check"
            checkConnection = try DatabaseQueue(path: path, configuration: configuration)
            try checkConnection.inDatabase { db in try db.execute(sql: "PRAGMA query_only = 1") }
        } catch {
            throw StoreError(.cannotOpen, "cannot open the revocation-check connection to \(path)", cause: error)
        }
        let migrator = Migrations.migrator()
        let superseded: Bool
        do {
            superseded = try writer.read { db in try migrator.hasBeenSuperseded(db) }
        } catch {
            throw StoreError(.cannotOpen, "cannot read the schema version of \(path)", cause: error)
        }
        if superseded {
            throw StoreError(
                .schemaTooNew,
                "the database \(path) was written by a newer version of surveyd (its schema has migrations this version does not know); upgrade surveyd or restore a backup"
            )
        }
        do {
            let pending = try writer.read { db in try migrator.appliedIdentifiers(db) }
            try migrator.migrate(writer)
            let applied = Migrations.all.map(\.name).filter { !pending.contains($0) }
            if !applied.isEmpty {
                logger.info("migrations applied", metadata: ["migrations": "\(applied.joined(separator: ","))"])
            }
            try loadCodes()
            try loadRoundIndex()
        } catch {
            throw StoreError(.cannotOpen, "cannot migrate the database \(path)", cause: error)
        }
    }

    /// Opens the connection that writes ingested batches, beside the pool's writer (SQLite
    /// serialises the two; other writes are rare administrative ones).
    ///
    /// It is opened without foreign-key enforcement, which would cost a lookup in each parent
    /// table for every response row and tally cell (four each). The ingest writes only ids it
    /// just read from those tables in the same transaction or resolved from reference rows that
    /// are never deleted (only deactivated), so the references hold by construction;
    /// `PRAGMA foreign_key_check` in the tests confirms it after every load. The setting is the
    /// connection's for good: switching it per transaction made SQLite recompile every cached
    /// statement each time. Every other write goes through the pool's writer, with enforcement.
    ///
    /// `temp_store = MEMORY` keeps the per-batch savepoints' journals in memory: SQLite otherwise
    /// spills one past 64 KB to a temporary file, created, written and deleted in every group.
    ///
    /// It commits with `synchronous = NORMAL` (the log is written, not flushed): ``LogFlusher``
    /// flushes it before any batch of the transaction is acknowledged, while the connection
    /// already writes the next group.
    static func openIngestConnection(path: String) throws -> DatabaseQueue {
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = false
        configuration.label = "surveyd.ingest"
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SurveyStore.writerCheckpointPages)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return connection
    }

    /// The `PRAGMA synchronous` level of the writer and of the ingest connection (2 = FULL; the
    /// ingest connection's is 1 = NORMAL, its log flushed by ``LogFlusher``).
    public func synchronousLevels() throws -> (writer: Int, ingest: Int) {
        let writerLevel = try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
        let ingestLevel = try ingestConnection.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
        return (writerLevel, ingestLevel)
    }

    /// Returns once both writing connections have run a statement and the write-ahead log has been
    /// flushed: none of them is stuck (the watchdog's proof of life).
    public func probeWriters() async throws {
        try await writer.writeWithoutTransaction { db in try db.execute(sql: "SELECT 1") }
        try await ingestConnection.writeWithoutTransaction { db in try db.execute(sql: "SELECT 1") }
        let flusher = logFlusher
        let failure: StoreError? = await withCheckedContinuation { continuation in
            flusher.afterNextFlush { continuation.resume(returning: $0) }
        }
        if let failure { throw failure }
    }

    /// Returns the error once flushing the write-ahead log has failed, after which no batch is
    /// acknowledged any more (see ``LogFlusher``), or nil when the task is cancelled first.
    public func logFlushFailure() async -> StoreError? {
        await logFlusher.waitForFailure()
    }

    /// Copies whatever the write-ahead log holds into the database file and flushes it, at start-up
    /// before serving: after a crash (or a failed flush) the log may hold commits that reached only
    /// the page cache. Returns the number of log frames found. Empty after a clean stop.
    public func checkpointLeftoverLog() throws(StoreError) -> Int {
        do {
            return try writer.writeWithoutTransaction { db in try db.checkpoint(.full).walFrameCount }
        } catch {
            throw SurveyStore.classify(error, "cannot copy the write-ahead log into the database")
        }
    }

    /// Names of the migrations recorded in the database, in order.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Migrations.migrator().appliedMigrations(db) }
    }

    /// Refreshes the cache of active reference ids.
    func loadCodes() throws {
        let index = try writer.read { db in
            var index = CodeIndex()
            func load(_ table: String) throws -> [String: Int64] {
                var result: [String: Int64] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, code FROM \(table) WHERE active = 1") {
                    result[Catalog.key(row["code"] as String)] = row["id"]
                }
                return result
            }
            index.units = try load("units")
            index.topics = try load("topics")
            index.groups = try load("respondent_groups")
            index.sentiments = try load("sentiments")
            return index
        }
        codes.withLock { $0 = index }
    }

    /// Maps a GRDB or SQLite error to a ``StoreError``: temporary conditions (busy, locked, full,
    /// read-only, I/O) become ``StoreError/Code/unavailable``.
    static func classify(_ error: any Error, _ message: String, file: String = #fileID, line: Int = #line) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            let reason: String? = switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: "the database is locked by another process"
            case .SQLITE_FULL: "the disk holding the database is full"
            case .SQLITE_READONLY: "the database file is read-only"
            case .SQLITE_IOERR, .SQLITE_CANTOPEN: "the database file cannot be read or written"
            case .SQLITE_PROTOCOL, .SQLITE_NOMEM, .SQLITE_INTERRUPT: "the database is temporarily unavailable"
            default: nil
            }
            if let reason {
                return StoreError(.unavailable, reason, cause: error, file: file, line: line)
            }
        }
        return StoreError(.internalError, message, cause: error, file: file, line: line)
    }

    static func timestamp(_ date: Date) -> String {
        date.utcTimestamp
    }
}
