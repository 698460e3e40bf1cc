import Foundation
import GRDB
import GRDBSQLite
import SurveyModel
import Synchronization

/// The active rounds' date windows by topic id, used to classify responses at ingest: a short
/// list scanned per response (a deployment has a few rounds), cheaper than hashing.
struct RoundIndex: Sendable {
    struct Window: Sendable {
        var topic: Int64
        var from: Int
        var to: Int
        var round: Int64
    }

    var windows: [Window] = []
    /// The days tally spans are cut on besides Mondays and months' first days (``SpanCuts``).
    var cuts = SpanCuts()

    /// The round a response on `topic` collected on day number `day` belongs to, if any.
    @inline(__always)
    func round(topic: Int64, day: Int) -> Int64? {
        for window in windows where window.topic == topic && day >= window.from && day <= window.to {
            return window.round
        }
        return nil
    }
}

/// The active rounds' windows, with a generation that changes whenever they are replaced.
///
/// A batch is classified when it is prepared, outside the write lock; if a reload replaced the
/// windows before the batch is stored, ``SurveyStore/store(_:in:)`` classifies it again. The
/// windows are replaced inside the transaction that rebuilds the counts, while it holds the write
/// lock: a batch stored after that transaction sees the new generation, and one stored before it
/// is recounted by it.
final class RoundClassifier: Sendable {
    private let state = Mutex<(generation: Int, index: RoundIndex)>((0, RoundIndex()))

    var current: (generation: Int, index: RoundIndex) { state.withLock { $0 } }

    func replace(_ index: RoundIndex) {
        state.withLock { $0 = ($0.generation + 1, index) }
    }
}

/// One round-count cell of a batch: round, topic, respondent group.
struct RoundCountKey: Hashable, Comparable, Sendable {
    var round: Int64
    var topic: Int64
    var group: Int64

    static func < (lhs: RoundCountKey, rhs: RoundCountKey) -> Bool {
        (lhs.round, lhs.topic, lhs.group) < (rhs.round, rhs.topic, rhs.group)
    }
}

/// A round as stored: its definition, whether it is still configured, and its row id.
public struct StoredRound: Sendable {
    public var id: Int64
    public var round: SurveyRound
    public var active: Bool
}

/// What a round's progress is computed from (see ``RoundProgress/compute(round:units:activeCollaborators:counts:now:timeZone:)``).
public struct RoundInputs: Sendable {
    public var stored: StoredRound
    public var units: [SurveyUnit]
    public var activeCollaborators: [String: Int]
    public var counts: [RoundCount]

    /// The progress as of `now`.
    public func progress(now: Date, timeZone: TimeZone) -> RoundProgress {
        RoundProgress.compute(round: stored.round, units: units, activeCollaborators: activeCollaborators, counts: counts, now: now, timeZone: timeZone)
    }
}

extension SurveyStore {
    /// Makes the `rounds` rows match the configuration (after ``synchronize(_:)``, whose topics
    /// they name): rows are inserted or updated, rounds no longer configured are deactivated (their
    /// counts kept). A round that is new, or whose topics or dates changed, has its counts rebuilt
    /// from the responses: the one time they are scanned.
    ///
    /// Returns the codes of the rounds whose counts were rebuilt.
    @discardableResult
    public func synchronizeRounds(_ rounds: [SurveyRound]) throws(StoreError) -> [String] {
        do {
            let rebuilt = try writer.write { db -> [String] in
                try db.execute(sql: "UPDATE rounds SET active = 0")
                var rebuilt: [String] = []
                for round in rounds {
                    let definition = String(decoding: try JSONEncoder().encode(round), as: UTF8.self)
                    let old = try String.fetchOne(db, sql: "SELECT membership FROM rounds WHERE code = ?", arguments: [round.code])
                    try db.execute(sql: """
                        INSERT INTO rounds (code, title, definition, membership, active) VALUES (?, ?, ?, ?, 1)
                        ON CONFLICT (code) DO UPDATE SET title = excluded.title, definition = excluded.definition,
                            membership = excluded.membership, active = 1
                        """, arguments: [round.code, round.title, definition, round.membershipKey])
                    guard old != round.membershipKey,
                          let id = try Int64.fetchOne(db, sql: "SELECT id FROM rounds WHERE code = ?", arguments: [round.code])
                    else { continue }
                    try SurveyStore.rebuildRoundCounts(id, round, in: db)
                    rebuilt.append(round.code)
                }
                let uncut = try SurveyStore.cutSpans(for: rounds, in: db)
                // Replaced while this transaction holds the write lock (see RoundClassifier).
                roundIndex.replace(try SurveyStore.makeRoundIndex(db))
                for code in uncut {
                    logger.warning("round results withheld", metadata: ["round": "\(code)", "reason": "its window splits a week already released whole"])
                }
                return rebuilt
            }
            return rebuilt
        } catch {
            // The index was replaced inside the transaction: take back what the database holds.
            try? loadRoundIndex()
            throw SurveyStore.classify(error, "cannot synchronise the rounds into the database")
        }
    }

    /// Cuts the tally spans at the rounds' first days and the days after their last
    /// (``SpanCuts``), recounting each span cut from the responses. A cut inside a span already
    /// released is not made: the released versions are kept whole, and that round's results are
    /// withheld. Returns the codes of the rounds newly left uncut (each refused day is reported once).
    static func cutSpans(for rounds: [SurveyRound], in db: Database) throws -> [String] {
        var cuts = try spanCuts(db)
        var uncut: [String] = []
        var stretches = Set<Int>()
        for round in rounds {
            for day in SpanCuts.needed(from: round.from, to: round.to) where !cuts.isSpanStart(day) {
                let start = cuts.spanStart(day)
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM span_versions WHERE span_start = ?)", arguments: [start]) == true {
                    // Said once per refused day, not at every start and reload.
                    try db.execute(sql: "INSERT OR IGNORE INTO refused_cuts (day) VALUES (?)", arguments: [day])
                    if db.changesCount > 0, !uncut.contains(round.code) { uncut.append(round.code) }
                    continue
                }
                try db.execute(sql: "INSERT INTO span_cuts (day) VALUES (?)", arguments: [day])
                cuts = SpanCuts(cuts.days + [day])
                // The whole week-and-month stretch holding the cut is counted again.
                stretches.insert(LocalDate(dayNumber: day).tallySpanStart.dayNumber)
            }
        }
        guard !stretches.isEmpty else { return uncut }
        // Every stretch in one pass over the responses (collected_on has no index: an index would
        // cost every ingest, a cut is made once per round).
        let ranges = stretches.sorted().map { (from: $0, to: SpanCuts.naturalEnd(after: $0)) }
        for range in ranges {
            try db.execute(sql: "DELETE FROM span_tallies WHERE span_start >= ? AND span_start < ?", arguments: [range.from, range.to])
        }
        let condition = ranges.map { "(r.collected_on >= \($0.from) AND r.collected_on < \($0.to))" }.joined(separator: " OR ")
        try db.execute(sql: """
            INSERT INTO span_tallies (unit_id, span_start, topic_id, group_id, sentiment_id, count)
            SELECT b.unit_id, \(spanStartSQL("r.collected_on")), r.topic_id, r.group_id, r.sentiment_id, COUNT(*)
            FROM responses r JOIN batches b ON b.id = r.batch_id
            WHERE b.state = 'accepted' AND b.held = 0 AND (\(condition))
            GROUP BY 1, 2, 3, 4, 5
            """)
        return uncut
    }

    /// The span cuts as stored.
    static func spanCuts(_ db: Database) throws -> SpanCuts {
        SpanCuts(try Int.fetchAll(db.cachedStatement(sql: "SELECT day FROM span_cuts")))
    }

    /// The first day of the tally span holding the day number `column`, in SQL
    /// (``SpanCuts/spanStart(_:)``): the latest of its ISO week's Monday, its month's first day and
    /// the cuts before it.
    static func spanStartSQL(_ column: String) -> String {
        """
        max(\(column) - (\(column) + 3) % 7, CAST(julianday(\(column) * 86400, 'unixepoch', 'start of month') - 2440587.5 AS INTEGER), \
        COALESCE((SELECT MAX(day) FROM span_cuts WHERE day <= \(column)), 0))
        """
    }

    /// Recounts one round's counts from the responses.
    static func rebuildRoundCounts(_ id: Int64, _ round: SurveyRound, in db: Database) throws {
        try db.execute(sql: "DELETE FROM round_counts WHERE round_id = ?", arguments: [id])
        let placeholders = Array(repeating: "?", count: round.topics.count).joined(separator: ", ")
        var arguments: [(any DatabaseValueConvertible)?] = [id]
        arguments += round.topics.map { $0 }
        arguments += [round.from.dayNumber, round.to.dayNumber]
        try db.execute(sql: """
            INSERT INTO round_counts (round_id, batch_id, topic_id, group_id, count)
            SELECT ?, batch_id, topic_id, group_id, COUNT(*) FROM responses
            WHERE topic_id IN (SELECT id FROM topics WHERE code IN (\(placeholders))) AND collected_on BETWEEN ? AND ?
            GROUP BY batch_id, topic_id, group_id
            """, arguments: StatementArguments(arguments))
    }

    /// Loads the ingest's index of the active rounds' windows (at open).
    func loadRoundIndex() throws {
        roundIndex.replace(try writer.read { db in try SurveyStore.makeRoundIndex(db) })
    }

    static func makeRoundIndex(_ db: Database) throws -> RoundIndex {
        var index = RoundIndex()
        index.cuts = try spanCuts(db)
        for stored in try SurveyStore.storedRounds(db) where stored.active {
            for code in stored.round.topics {
                guard let topic = try Int64.fetchOne(db, sql: "SELECT id FROM topics WHERE code = ?", arguments: [code]) else { continue }
                index.windows.append(.init(topic: topic, from: stored.round.from.dayNumber, to: stored.round.to.dayNumber, round: stored.id))
            }
        }
        return index
    }

    static func storedRounds(_ db: Database) throws -> [StoredRound] {
        try Row.fetchAll(db, sql: "SELECT id, definition, active FROM rounds ORDER BY id").map { row in
            let text: String = row["definition"]
            do {
                return StoredRound(id: row["id"], round: try JSONDecoder().decode(SurveyRound.self, from: Data(text.utf8)), active: row["active"])
            } catch {
                throw StoreError(.internalError, "the stored definition of round \(row["id"] as Int64) cannot be read", cause: error)
            }
        }
    }

    /// Every round stored, configured ones (active) and past ones, in the order first configured.
    public func rounds() throws(StoreError) -> [StoredRound] {
        do {
            return try writer.read { db in try SurveyStore.storedRounds(db) }
        } catch {
            throw SurveyStore.classify(error, "cannot read the rounds")
        }
    }

    /// What the progress of the round `code` (any case) is computed from; nil when no such round.
    public func roundInputs(_ code: String) throws(StoreError) -> RoundInputs? {
        do {
            return try writer.read { db in
                try SurveyStore.storedRounds(db).first { Catalog.key($0.round.code) == Catalog.key(code) }
                    .map { try SurveyStore.roundInputs($0, in: db) }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read the progress of round \(code)")
        }
    }

    /// The inputs of every stored round, in one read transaction.
    public func allRoundInputs() throws(StoreError) -> [RoundInputs] {
        do {
            return try writer.read { db in try SurveyStore.storedRounds(db).map { try SurveyStore.roundInputs($0, in: db) } }
        } catch {
            throw SurveyStore.classify(error, "cannot read the rounds' progress")
        }
    }

    /// Reads a round's counts: a few rows a batch, never the responses.
    static func roundInputs(_ stored: StoredRound, in db: Database) throws -> RoundInputs {
        var units: [SurveyUnit] = []
        var unitCodes: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, code, name, active FROM units ORDER BY id") {
            unitCodes[row["id"]] = row["code"]
            if row["active"] as Bool { units.append(SurveyUnit(code: row["code"], name: row["name"])) }
        }
        var topics: [Int64: String] = [:], groups: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, code FROM topics") { topics[row["id"]] = row["code"] }
        for row in try Row.fetchAll(db, sql: "SELECT id, code FROM respondent_groups") { groups[row["id"]] = row["code"] }
        var collaborators: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT unit_id, COUNT(*) FROM collaborators WHERE revoked_at IS NULL GROUP BY unit_id") {
            if let code = unitCodes[row[0]] { collaborators[code] = row[1] }
        }
        var counts: [RoundCount] = []
        let statement = try db.makeStatement(sql: """
            SELECT rc.batch_id, b.unit_id, b.collaborator_id, b.received_at, b.held, rc.topic_id, rc.group_id, rc.count
            FROM round_counts rc JOIN batches b ON b.id = rc.batch_id
            WHERE rc.round_id = ? AND b.state = 'accepted'
            ORDER BY rc.batch_id
            """)
        statement.arguments = [stored.id]
        // Stepped through SQLite's C interface: GRDB's Row decoding costs more than the read.
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        var lastBatch: Int64 = -1
        var receivedAt = Date(timeIntervalSince1970: 0)
        var unit = "", topic = "", group = ""
        var unitID: Int64 = -1, topicID: Int64 = -1, groupID: Int64 = -1
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let batch = sqlite3_column_int64(handle, 0)
            if batch != lastBatch {
                let text = sqlite3_column_text(handle, 3).map { String(cString: $0) } ?? ""
                guard let date = Date(utcTimestamp: text) else {
                    throw StoreError(.internalError, "batch \(batch) has a malformed receipt time '\(text)'")
                }
                receivedAt = date
                lastBatch = batch
            }
            // Codes looked up only when the id changes (the rows come batch by batch).
            let ids = (sqlite3_column_int64(handle, 1), sqlite3_column_int64(handle, 5), sqlite3_column_int64(handle, 6))
            if ids.0 != unitID { unit = unitCodes[ids.0] ?? ""; unitID = ids.0 }
            if ids.1 != topicID { topic = topics[ids.1] ?? ""; topicID = ids.1 }
            if ids.2 != groupID { group = groups[ids.2] ?? ""; groupID = ids.2 }
            guard !unit.isEmpty, !topic.isEmpty, !group.isEmpty else {
                throw StoreError(.internalError, "round counts of batch \(batch) refer to missing reference rows")
            }
            counts.append(RoundCount(
                batch: batch, unit: unit, collaborator: sqlite3_column_int64(handle, 2), receivedAt: receivedAt,
                held: sqlite3_column_int64(handle, 4) != 0, topic: topic, group: group, count: Int(sqlite3_column_int64(handle, 7))
            ))
        }
        return RoundInputs(stored: stored, units: units, activeCollaborators: collaborators, counts: counts)
    }

    /// What the journal last said about a round (see ``RoundAlerts``).
    public func roundJournalState(round id: Int64) throws(StoreError) -> RoundJournalState {
        do {
            return try writer.read { db in
                var state = RoundJournalState()
                state.phase = try String.fetchOne(db, sql: "SELECT announced_phase FROM rounds WHERE id = ?", arguments: [id]).flatMap(RoundPhase.init(rawValue:))
                state.resultsAnnounced = try Bool.fetchOne(db, sql: "SELECT results_announced FROM rounds WHERE id = ?", arguments: [id]) ?? false
                for row in try Row.fetchAll(db, sql: """
                    SELECT u.code, s.status FROM round_unit_states s JOIN units u ON u.id = s.unit_id WHERE s.round_id = ?
                    """, arguments: [id]) {
                    if let status = RoundStatus(rawValue: row[1]) { state.units[row[0]] = status }
                }
                return state
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read the journal state of a round")
        }
    }

    /// Remembers what the journal has now said about a round.
    public func recordRoundJournalState(round id: Int64, _ state: RoundJournalState) throws(StoreError) {
        do {
            try writer.write { db in
                try db.execute(sql: "UPDATE rounds SET announced_phase = ?, results_announced = ? WHERE id = ?", arguments: [state.phase?.rawValue, state.resultsAnnounced, id])
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO round_unit_states (round_id, unit_id, status) SELECT ?, id, ? FROM units WHERE code = ?
                    ON CONFLICT (round_id, unit_id) DO UPDATE SET status = excluded.status
                    """)
                for (unit, status) in state.units {
                    try statement.execute(arguments: [id, status.rawValue, unit])
                }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot record the journal state of a round")
        }
    }

    static let roundCountInsert = MultiRowInsert(
        head: "INSERT INTO round_counts (round_id, batch_id, topic_id, group_id, count) VALUES", columns: 5
    )
}

extension SurveyStore {
    /// The batch's responses that belong to an active round, summed per round, topic and group
    /// (at prepare time, outside the write lock; nothing to do when no round is configured).
    static func roundCounts(_ rows: [PreparedBatch.Row], _ index: RoundIndex) -> [(RoundCountKey, Int)] {
        guard !index.windows.isEmpty else { return [] }
        var keys: [RoundCountKey] = []
        for row in rows {
            if let round = index.round(topic: row.topic, day: row.day) {
                keys.append(RoundCountKey(round: round, topic: row.topic, group: row.group))
            }
        }
        guard !keys.isEmpty else { return [] }
        keys.sort()
        var counts: [(RoundCountKey, Int)] = []
        for key in keys {
            if let last = counts.last, last.0 == key {
                counts[counts.count - 1].1 += 1
            } else {
                counts.append((key, 1))
            }
        }
        return counts
    }

    /// Writes a stored batch's round counts (held batches too: progress shows them apart),
    /// classified again if the rounds changed since the batch was prepared.
    static func storeRoundCounts(_ batch: PreparedBatch, batchID: Int64, in db: Database) throws {
        var counts = batch.roundCounts
        if let classifier = batch.rounds {
            let current = classifier.current
            if current.generation != batch.roundGeneration { counts = roundCounts(batch.rows, current.index) }
        }
        guard !counts.isEmpty else { return }
        try roundCountInsert.run(db, rows: counts.count) { index, column in
            let (key, count) = counts[index]
            return switch column {
            case 0: key.round
            case 1: batchID
            case 2: key.topic
            case 3: key.group
            default: Int64(count)
            }
        }
    }
}

extension PublicationSnapshot {
    /// The days tally spans are cut on besides Mondays and months' first days.
    public func spanCuts() throws(StoreError) -> SpanCuts {
        do {
            return try SurveyStore.spanCuts(db)
        } catch {
            throw SurveyStore.classify(error, "cannot read the tally spans' cuts")
        }
    }

    /// The inputs of every stored round (configured or past), seen in the publication's view.
    public func roundInputs() throws(StoreError) -> [RoundInputs] {
        do {
            return try SurveyStore.storedRounds(db).map { try SurveyStore.roundInputs($0, in: db) }
        } catch {
            throw SurveyStore.classify(error, "cannot read the rounds' progress")
        }
    }
}
