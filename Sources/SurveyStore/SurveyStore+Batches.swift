import Foundation
import GRDB
import SurveyModel

/// A stored batch as administrators see it.
public struct BatchSummary: Sendable, Hashable, Codable {
    /// The database id (what `surveyctl batch` commands take).
    public var id: Int64
    public var clientBatchID: String
    public var unit: String
    public var collaboratorID: Int64
    public var receivedAt: String
    public var responses: Int
    /// `accepted`, `received` (held for review, not counted yet) or `retracted`.
    public var state: String
}

/// A batch with its responses and its history.
public struct BatchDetail: Sendable, Codable {
    public var batch: BatchSummary
    public var responses: [Response]
    public var history: [AuditEntry]
}

extension Response: Codable {
    enum CodingKeys: String, CodingKey { case collectedOn, topic, group, sentiment }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            collectedOn: try container.decode(LocalDate.self, forKey: .collectedOn), topic: try container.decode(String.self, forKey: .topic),
            group: try container.decode(String.self, forKey: .group), sentiment: try container.decode(String.self, forKey: .sentiment)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(collectedOn, forKey: .collectedOn)
        try container.encode(topic, forKey: .topic)
        try container.encode(group, forKey: .group)
        try container.encode(sentiment, forKey: .sentiment)
    }
}

extension SurveyStore {
    static let batchColumns = """
        SELECT b.id, b.client_batch_id, u.code AS unit, b.collaborator_id, b.received_at, b.response_count,
               CASE WHEN b.held = 1 AND b.state = 'accepted' THEN 'received' ELSE b.state END AS state
        FROM batches b JOIN units u ON u.id = b.unit_id
        """

    static func batchSummary(_ row: Row) -> BatchSummary {
        BatchSummary(
            id: row["id"], clientBatchID: row["client_batch_id"], unit: row["unit"], collaboratorID: row["collaborator_id"],
            receivedAt: row["received_at"], responses: row["response_count"], state: row["state"]
        )
    }

    /// Batches, newest first, filtered by unit, collaborator and first reception time (UTC
    /// timestamp or date prefix).
    public func batches(unit: String? = nil, collaborator: Int64? = nil, since: String? = nil, limit: Int = 1000) throws(StoreError) -> [BatchSummary] {
        do {
            return try writer.read { db in
                var conditions: [String] = []
                var arguments: StatementArguments = []
                if let unit { conditions.append("u.code = ? COLLATE NOCASE"); arguments += [unit] }
                if let collaborator { conditions.append("b.collaborator_id = ?"); arguments += [collaborator] }
                if let since { conditions.append("b.received_at >= ?"); arguments += [since] }
                let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
                arguments += [limit]
                return try Row.fetchAll(db, sql: SurveyStore.batchColumns + filter + " ORDER BY b.id DESC LIMIT ?", arguments: arguments)
                    .map(SurveyStore.batchSummary)
            }
        } catch {
            throw SurveyStore.classify(error, "cannot list batches")
        }
    }

    /// One batch with its responses and history, or nil.
    public func batchDetail(id: Int64) throws(StoreError) -> BatchDetail? {
        do {
            return try writer.read { db -> BatchDetail? in
                guard let row = try Row.fetchOne(db, sql: SurveyStore.batchColumns + " WHERE b.id = ?", arguments: [id]) else { return nil }
                let responses = try Row.fetchAll(db, sql: """
                    SELECT r.collected_on, t.code AS topic, g.code AS grp, s.code AS sentiment
                    FROM responses r JOIN topics t ON t.id = r.topic_id JOIN respondent_groups g ON g.id = r.group_id
                    JOIN sentiments s ON s.id = r.sentiment_id WHERE r.batch_id = ? ORDER BY r.id
                    """, arguments: [id]).map { row in
                    Response(collectedOn: LocalDate(dayNumber: row["collected_on"]), topic: row["topic"], group: row["grp"], sentiment: row["sentiment"])
                }
                return BatchDetail(batch: SurveyStore.batchSummary(row), responses: responses, history: [])
            }.map { detail in
                var detail = detail
                detail.history = try auditTrail(subject: "batch:\(id)")
                return detail
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw SurveyStore.classify(error, "cannot read the batch")
        }
    }

    /// Retracts a batch: its tally increments are removed and it is marked retracted (its
    /// responses are kept), in one transaction with its audit row. False when it was already
    /// retracted. A retracted batch re-sent by its collaborator is refused (``StoreError/Code/retracted``).
    public func retractBatch(id: Int64, reason: String, actor: String = AuditActor.currentUser, now: Date = Date()) throws(StoreError) -> Bool {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StoreError(.internalError, "give the reason for the retraction") }
        return try changeBatchState(id: id, from: "accepted", to: "retracted", change: .remove, action: .batchRetracted, details: reason, actor: actor, now: now)
    }

    /// Approves a batch held for review: it counts from now on. False when it was not waiting.
    public func approveBatch(id: Int64, actor: String = AuditActor.currentUser, now: Date = Date()) throws(StoreError) -> Bool {
        try changeBatchState(id: id, from: "accepted", to: "accepted", change: .add, action: .batchApproved, details: "", actor: actor, now: now, approving: true)
    }

    /// Undoes a retraction: the batch counts again. False when it was not retracted.
    public func restoreBatch(id: Int64, actor: String = AuditActor.currentUser, now: Date = Date()) throws(StoreError) -> Bool {
        try changeBatchState(id: id, from: "retracted", to: "accepted", change: .add, action: .batchRestored, details: "", actor: actor, now: now)
    }

    /// Moves a batch from state `from` to `to` and adds or removes its tally
    /// increments, unless it is held for review (it was never counted). `approving` instead clears
    /// the hold of an accepted batch and adds its increments.
    private func changeBatchState(
        id: Int64, from: String, to: String, change: TallyChange, action: AuditAction, details: String, actor: String, now: Date,
        approving: Bool = false
    ) throws(StoreError) -> Bool {
        do {
            return try writer.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT unit_id, state, held FROM batches WHERE id = ?", arguments: [id]) else {
                    throw StoreError(.notFound, "no batch has the id \(id) (see `surveyctl batches`)")
                }
                guard (row["state"] as String) == from else { return false }
                let held: Bool = row["held"]
                if approving {
                    guard held else { return false }
                    try db.execute(sql: "UPDATE batches SET held = 0 WHERE id = ?", arguments: [id])
                } else if held {
                    // Never counted: only the state changes.
                    try db.execute(sql: "UPDATE batches SET state = ? WHERE id = ?", arguments: [to, id])
                    try SurveyStore.audit(db, actor: actor, action: action, subject: "batch:\(id)", details: details, now: now)
                    return true
                }
                let unitID: Int64 = row["unit_id"]
                // Read in this transaction: the daemon may have cut spans since this process opened.
                let cuts = try SurveyStore.spanCuts(db)
                let keys = try Row.fetchAll(db, sql: "SELECT collected_on, topic_id, group_id, sentiment_id FROM responses WHERE batch_id = ?", arguments: [id]).map { response in
                    TallyIncrementKey(
                        span: cuts.spanStart(response["collected_on"]),
                        topic: response["topic_id"], group: response["group_id"], sentiment: response["sentiment_id"]
                    )
                }
                try SurveyStore.changeTallies(change, unitID: unitID, TallyIncrementKey.summed(keys), in: db)
                try db.execute(sql: "UPDATE batches SET state = ? WHERE id = ?", arguments: [to, id])
                try SurveyStore.audit(db, actor: actor, action: action, subject: "batch:\(id)", details: details, now: now)
                return true
            }
        } catch {
            throw SurveyStore.classify(error, "cannot change the batch")
        }
    }
}

/// One accepted response as exported.
public struct ExportedResponse: Sendable {
    public var collectedOn: LocalDate
    public var unit: String
    public var topic: String
    public var group: String
    public var sentiment: String
    public var batch: String
    public var receivedAt: String
}

extension SurveyStore {
    /// Calls `body` for each response of an accepted batch collected between `first` and `last`
    /// (optionally one unit's), in one read transaction, one row at a time; returns the count.
    @discardableResult
    public func forEachExportedResponse(
        from first: LocalDate, to last: LocalDate, unit: String? = nil, _ body: (ExportedResponse) -> Void
    ) throws(StoreError) -> Int {
        do {
            return try writer.read { db in
                let unitFilter = unit == nil ? "" : " AND u.code = ? COLLATE NOCASE"
                var arguments: StatementArguments = [first.dayNumber, last.dayNumber]
                if let unit { arguments += [unit] }
                // Codes are read once; rows carry ids.
                func codes(_ table: String) throws -> [Int64: String] {
                    Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, code FROM \(table)").map { ($0["id"] as Int64, $0["code"] as String) })
                }
                let topics = try codes("topics"), groups = try codes("respondent_groups"), sentiments = try codes("sentiments")
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT r.collected_on, u.code AS unit, r.topic_id, r.group_id, r.sentiment_id, b.client_batch_id, b.received_at
                    FROM responses r JOIN batches b ON b.id = r.batch_id JOIN units u ON u.id = b.unit_id
                    WHERE b.state = 'accepted' AND b.held = 0 AND r.collected_on BETWEEN ? AND ?\(unitFilter)
                    ORDER BY r.id
                    """, arguments: arguments)
                var count = 0
                while let row = try cursor.next() {
                    body(ExportedResponse(
                        collectedOn: LocalDate(dayNumber: row[0]), unit: row[1], topic: topics[row[2]] ?? "?", group: groups[row[3]] ?? "?",
                        sentiment: sentiments[row[4]] ?? "?", batch: row[5], receivedAt: row[6]
                    ))
                    count += 1
                }
                return count
            }
        } catch {
            throw SurveyStore.classify(error, "cannot export")
        }
    }
}
