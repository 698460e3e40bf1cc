import Foundation
import GRDB
import GRDBSQLite
import Logging
import SurveyModel

/// What a verified backup holds.
public struct BackupReport: Sendable, Codable, Hashable {
    public var path: String
    public var bytes: Int
    public var batches: Int
    public var responses: Int
    public var migrations: [String]
}

/// The lock a running surveyd holds on its database (`DATABASE.lock`), so that a second daemon or
/// a restore cannot touch it meanwhile. Released when the process exits, however it exits.
public final class DatabaseLock: Sendable {
    private let fd: Int32

    /// Takes the lock; nil when another process holds it.
    public init?(databasePath: String) {
        let fd = open(databasePath + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit { close(fd) }
}

extension SurveyStore {
    /// Copies the live database to `path` with SQLite's online backup (a consistent snapshot, while
    /// surveyd goes on ingesting), flushes it, and verifies the copy: integrity check, and tallies
    /// equal to a recount of its responses. The copy is written beside `path` and renamed into place
    /// only when verified.
    public func backup(to path: String, actor: String = AuditActor.currentUser) throws(StoreError) -> BackupReport {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.internalError, "\(path) exists already; choose a new name")
        }
        let temporary = path + ".partial"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else { throw StoreError(.cannotOpen, "cannot create \(temporary): \(String(cString: strerror(errno)))") }
            close(descriptor)
            let destination = try DatabaseQueue(path: temporary)
            try writer.backup(to: destination)
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
            let report = try SurveyStore.verify(path: temporary)
            let descriptorForSync = open(temporary, O_RDONLY | O_CLOEXEC)
            if descriptorForSync >= 0 {
                fsync(descriptorForSync)
                close(descriptorForSync)
            }
            guard rename(temporary, path) == 0 else { throw StoreError(.cannotOpen, "cannot rename \(temporary) to \(path)") }
            try recordAudit(.backupMade, actor: actor, details: "\(path): \(report.batches) batches, \(report.responses) responses")
            return BackupReport(path: path, bytes: report.bytes, batches: report.batches, responses: report.responses, migrations: report.migrations)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SurveyStore.classify(error, "cannot back up the database")
        }
    }

    /// Checks a database file: integrity, known schema, tallies equal to a recount.
    public static func verify(path: String) throws(StoreError) -> BackupReport {
        do {
            var configuration = GRDB.Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard integrity == ["ok"] else {
                    throw StoreError(.cannotOpen, "\(path) is damaged: \(integrity.prefix(3).joined(separator: "; "))")
                }
                guard try db.tableExists("grdb_migrations") else { throw StoreError(.cannotOpen, "\(path) is not a surveyd database") }
                let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                let known = Set(Migrations.all.map(\.name))
                if let unknown = migrations.first(where: { !known.contains($0) }) {
                    throw StoreError(.schemaTooNew, "\(path) was written by a newer surveyd (migration \(unknown))")
                }
                var batches = 0, responses = 0
                if try db.tableExists("span_tallies") {
                    let mismatches = try SurveyStore.tallyMismatches(db)
                    guard mismatches == 0 else { throw StoreError(.cannotOpen, "\(path): the tallies do not match the responses") }
                }
                batches = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches") ?? 0
                responses = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM responses") ?? 0
                let bytes = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0
                return BackupReport(path: path, bytes: bytes, batches: batches, responses: responses, migrations: migrations)
            }
        } catch {
            throw SurveyStore.classify(error, "cannot verify \(path)")
        }
    }

    /// Replaces the database at `databasePath` with the verified copy at `backupPath`, keeping the
    /// old files aside (`DATABASE.before-restore-TIMESTAMP`, with its -wal). surveyd must be stopped:
    /// its lock is taken first. Returns the verified report and where the old database went.
    public static func restore(
        from backupPath: String, to databasePath: String, actor: String = AuditActor.currentUser, now: Date = Date(), logger: Logger
    ) throws(StoreError) -> (report: BackupReport, keptAside: String?) {
        guard let lock = DatabaseLock(databasePath: databasePath) else {
            throw StoreError(.unavailable, "surveyd is running on \(databasePath): stop it first (systemctl stop surveyd.socket surveyd)")
        }
        defer { withExtendedLifetime(lock) {} }
        let report = try verify(path: backupPath)
        let stamp = now.utcTimestamp.replacingOccurrences(of: ":", with: "")
        var aside: String?
        if FileManager.default.fileExists(atPath: databasePath) {
            let target = "\(databasePath).before-restore-\(stamp)"
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: databasePath + suffix) {
                guard rename(databasePath + suffix, target + suffix) == 0 else {
                    throw StoreError(.cannotOpen, "cannot move \(databasePath + suffix) aside: \(String(cString: strerror(errno)))")
                }
            }
            aside = target
        }
        let temporary = databasePath + ".restoring"
        do {
            try? FileManager.default.removeItem(atPath: temporary)
            try FileManager.default.copyItem(atPath: backupPath, toPath: temporary)
            chmod(temporary, 0o640)
            let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                fsync(descriptor)
                close(descriptor)
            }
            guard rename(temporary, databasePath) == 0 else { throw StoreError(.cannotOpen, "cannot put the copy in place") }
            let folder = open((databasePath as NSString).deletingLastPathComponent.isEmpty ? "." : (databasePath as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if folder >= 0 {
                fsync(folder)
                close(folder)
            }
        } catch {
            throw SurveyStore.classify(error, "cannot restore \(backupPath)")
        }
        let store = try SurveyStore(path: databasePath, logger: logger)
        try store.recordAudit(.databaseRestored, actor: actor, details: "from \(backupPath)\(aside.map { "; previous database kept as \($0)" } ?? "")")
        return (report, aside)
    }
}

extension SurveyStore {
    /// How many span tallies differ from a recount of the responses that count (of accepted
    /// batches not held for review), both ways: 0 when the tallies are right. `surveyctl backup`
    /// checks every copy with it; the tests check the live database after every kind of load.
    public static func tallyMismatches(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            WITH recount AS (
                SELECT b.unit_id, \(spanStartSQL("r.collected_on")) AS span_start,
                       r.topic_id, r.group_id, r.sentiment_id, COUNT(*) AS n
                FROM responses r JOIN batches b ON b.id = r.batch_id WHERE b.state = 'accepted' AND b.held = 0 GROUP BY 1, 2, 3, 4, 5)
            SELECT COUNT(*) FROM (
                SELECT unit_id, span_start, topic_id, group_id, sentiment_id, count FROM span_tallies WHERE count > 0
                EXCEPT SELECT * FROM recount
                UNION ALL
                SELECT * FROM recount EXCEPT SELECT unit_id, span_start, topic_id, group_id, sentiment_id, count FROM span_tallies)
            """) ?? -1
    }
}
