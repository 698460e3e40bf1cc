import GRDB

extension SurveyStore {
    /// Pages of write-ahead log after which the writer itself copies the log into the database
    /// (SQLite's automatic checkpoint; its default is 1,000). Set high, about 40 MB, as a backstop:
    /// a long-running process calls ``runCheckpoints(every:)`` so that the writer never stops for
    /// a checkpoint; short-lived ones (surveyctl) leave it to SQLite when they close.
    static let writerCheckpointPages = 10_000

    /// Copies the write-ahead log into the database file from a connection of its own, every
    /// `interval`, until the task is cancelled.
    ///
    /// A checkpoint writes pages into the database file and flushes it; run by the writer after a
    /// commit (SQLite's default), it delayed the acknowledgement of every batch waiting for the
    /// next transaction. A passive checkpoint from another connection runs while the writer goes
    /// on; the writer starts the log again from its beginning once everything is copied.
    /// Failures (a busy database) are retried at the next interval.
    public func runCheckpoints(every interval: Duration = .milliseconds(200)) async {
        var configuration = GRDB.Configuration()
        configuration.label = "surveyd.checkpoints"
        configuration.busyMode = .timeout(1)
        let connection: DatabaseQueue
        do {
            connection = try DatabaseQueue(path: writer.path, configuration: configuration)
            try await connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            logger.warning("cannot open a connection for checkpoints; the writer makes them", metadata: ["error": "\(error)"])
            try? await writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
            try? await ingestConnection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
            return
        }
        var failing = false
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                break
            }
            do {
                try await connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
                failing = false
            } catch {
                if !failing { logger.debug("checkpoint failed; retrying", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }
}
