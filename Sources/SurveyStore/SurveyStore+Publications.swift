import Foundation
import GRDB
import GRDBSQLite
import SurveyModel

/// A period as last published.
public struct PublicationRecord: Sendable, Hashable {
    public var kind: PeriodKind
    public var period: String
    public var revision: Int
    public var digest: Data
    public var responses: Int
    public var dataThrough: String

    public init(kind: PeriodKind, period: String, revision: Int, digest: Data, responses: Int, dataThrough: String) {
        self.kind = kind
        self.period = period
        self.revision = revision
        self.digest = digest
        self.responses = responses
        self.dataThrough = dataThrough
    }
}

/// The reference rows that label summaries, in configuration order, with their database ids.
public struct SummaryDimensions: Sendable {
    public var units: [(id: Int64, unit: SurveyUnit)]
    public var topics: [(id: Int64, topic: Topic)]
    public var groups: [(id: Int64, group: RespondentGroup)]
    public var sentiments: [(id: Int64, sentiment: Sentiment)]

    public init(
        units: [(id: Int64, unit: SurveyUnit)], topics: [(id: Int64, topic: Topic)],
        groups: [(id: Int64, group: RespondentGroup)], sentiments: [(id: Int64, sentiment: Sentiment)]
    ) {
        self.units = units
        self.topics = topics
        self.groups = groups
        self.sentiments = sentiments
    }
}

/// Everything one publication reads, seen through one read transaction: the reference data, the
/// range of tally spans, the tallies, the previous publications and the batches awaiting approval
/// all describe the same state of the database, whatever ingest commits meanwhile.
///
/// Use it only inside ``SurveyStore/withPublicationSnapshot(_:)`` (its connection is lent for that call). (GRDB's
/// `DatabaseSnapshotPool`, which would let several readers share the view, needs SQLite's
/// `SQLITE_ENABLE_SNAPSHOT`, which GRDB turns off on Linux and Debian's libsqlite3 is built
/// without: the view is one connection's transaction.)
public struct PublicationSnapshot {
    let db: Database

    /// Active reference rows, plus inactive units and topics that still have tallies.
    public func summaryDimensions() throws(StoreError) -> SummaryDimensions {
        do {
            let used = "active = 1 OR id IN (SELECT DISTINCT %@ FROM span_tallies)"
            let units = try Row.fetchAll(db, sql: "SELECT id, code, name FROM units WHERE \(used.replacingOccurrences(of: "%@", with: "unit_id")) ORDER BY id")
                .map { (id: $0["id"] as Int64, unit: SurveyUnit(code: $0["code"], name: $0["name"])) }
            let topics = try Row.fetchAll(db, sql: "SELECT id, code, title FROM topics WHERE \(used.replacingOccurrences(of: "%@", with: "topic_id")) ORDER BY id")
                .map { (id: $0["id"] as Int64, topic: Topic(code: $0["code"], title: $0["title"])) }
            let groups = try Row.fetchAll(db, sql: "SELECT id, code, name FROM respondent_groups WHERE \(used.replacingOccurrences(of: "%@", with: "group_id")) ORDER BY id")
                .map { (id: $0["id"] as Int64, group: RespondentGroup(code: $0["code"], name: $0["name"])) }
            let sentiments = try Row.fetchAll(db, sql: "SELECT id, code, label, polarity FROM sentiments WHERE \(used.replacingOccurrences(of: "%@", with: "sentiment_id")) ORDER BY id")
                .map { (id: $0["id"] as Int64, sentiment: Sentiment(code: $0["code"], label: $0["label"], polarity: Polarity(rawValue: $0["polarity"]) ?? .neutral)) }
            return SummaryDimensions(units: units, topics: topics, groups: groups, sentiments: sentiments)
        } catch {
            throw SurveyStore.classify(error, "cannot read the reference data")
        }
    }

    /// Calls `body(unitID, spanStart, topicID, groupID, sentimentID, count)` for every span tally
    /// (see ``SpanCuts/spanStart(_:)``), as fast as SQLite can step.
    public func forEachSpanTally(_ body: (Int64, Int, Int64, Int64, Int64, Int) -> Void) throws(StoreError) {
        do {
            let statement = try db.makeStatement(sql: "SELECT unit_id, span_start, topic_id, group_id, sentiment_id, count FROM span_tallies")
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                body(
                    sqlite3_column_int64(handle, 0), Int(sqlite3_column_int64(handle, 1)), sqlite3_column_int64(handle, 2),
                    sqlite3_column_int64(handle, 3), sqlite3_column_int64(handle, 4), Int(sqlite3_column_int64(handle, 5))
                )
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read the tallies")
        }
    }

    /// The first and last span start that have tallies, or nil when there are none.
    public func spanRange() throws(StoreError) -> ClosedRange<Int>? {
        do {
            guard let row = try Row.fetchOne(db, sql: "SELECT MIN(span_start), MAX(span_start) FROM span_tallies"),
                  let low = row[0] as Int?, let high = row[1] as Int?, low <= high else { return nil }
            return low...high
        } catch {
            throw SurveyStore.classify(error, "cannot read the tallies")
        }
    }

    /// Every published period.
    public func publications() throws(StoreError) -> [PublicationRecord] {
        do {
            return try Row.fetchAll(db, sql: "SELECT kind, period, revision, digest, responses, data_through FROM publications").compactMap { row in
                guard let kind = PeriodKind(rawValue: row["kind"]) else { return nil }
                return PublicationRecord(kind: kind, period: row["period"], revision: row["revision"], digest: row["digest"], responses: row["responses"], dataThrough: row["data_through"])
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read publications")
        }
    }

    /// Batches (and their responses) held for an administrator's approval.
    public func awaitingApproval() throws(StoreError) -> (batches: Int, responses: Int) {
        do {
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(response_count), 0) FROM batches WHERE held = 1 AND state = 'accepted'")
            return (row?[0] ?? 0, row?[1] ?? 0)
        } catch {
            throw SurveyStore.classify(error, "cannot count the batches awaiting approval")
        }
    }
}

extension SurveyStore {
    /// Runs `body` with a view of the database that no concurrent commit changes (one read
    /// transaction). Everything a publication uses is read through it.
    public func withPublicationSnapshot<T>(_ body: (PublicationSnapshot) throws -> T) throws -> T {
        do {
            return try writer.read { db in try body(PublicationSnapshot(db: db)) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw SurveyStore.classify(error, "cannot read the database")
        }
    }

    /// Calls `body` for every span tally, in one read transaction (tests and tools; a publication
    /// reads through ``withPublicationSnapshot(_:)``).
    public func forEachSpanTally(_ body: (Int64, Int, Int64, Int64, Int64, Int) -> Void) throws {
        try withPublicationSnapshot { try $0.forEachSpanTally(body) }
    }

    /// Every published period.
    public func publications() throws -> [PublicationRecord] {
        try withPublicationSnapshot { try $0.publications() }
    }

    /// Records that these periods have been published (their files are written), in one
    /// transaction.
    public func recordPublications(_ records: [PublicationRecord]) throws(StoreError) {
        guard !records.isEmpty else { return }
        do {
            try writer.write { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO publications (kind, period, revision, digest, responses, data_through) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (kind, period) DO UPDATE SET revision = excluded.revision, digest = excluded.digest,
                        responses = excluded.responses, data_through = excluded.data_through
                    """)
                for record in records {
                    try statement.execute(arguments: [record.kind.rawValue, record.period, record.revision, record.digest, record.responses, record.dataThrough])
                }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot record the publication")
        }
    }
}
