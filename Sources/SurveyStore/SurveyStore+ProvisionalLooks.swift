import GRDB

/// A unit's (or the province's) topic on whose current-week days a provisional alarm was shown
/// (schema version 10): the plans of every later publication keep the counts of that week's spans
/// from moving toward what the alarm told.
public struct ProvisionalLook: Hashable, Sendable {
    /// Day number of the week's Monday.
    public var weekStart: Int
    /// The unit's id; nil for the province.
    public var unitID: Int64?
    public var topicID: Int64

    public init(weekStart: Int, unitID: Int64?, topicID: Int64) {
        self.weekStart = weekStart
        self.unitID = unitID
        self.topicID = topicID
    }
}

extension PublicationSnapshot {
    /// Calls `body(unitID, day, topicID, sentimentID, count)` for the responses the tallies count
    /// (accepted, not held) collected on `days`, read through the batches received at or after
    /// `receivedSince` (UTC, `2026-11-22T10:00:00Z`): a response cannot be received before its
    /// collection day less the future tolerance, so an early enough bound misses none, and the
    /// read touches only the recent batches (the responses have no index by collection day): unit
    /// by unit (`CROSS JOIN` keeps that order), a range of `batches_by_unit`, then each batch's
    /// responses by `responses_by_batch`.
    public func forEachDailyCount(days: ClosedRange<Int>, receivedSince: String, _ body: (Int64, Int, Int64, Int64, Int) -> Void) throws(StoreError) {
        do {
            let rows = try Row.fetchCursor(db, sql: """
                SELECT b.unit_id, r.collected_on, r.topic_id, r.sentiment_id, COUNT(*)
                FROM units u
                CROSS JOIN batches b ON b.unit_id = u.id AND b.received_at >= ?
                JOIN responses r ON r.batch_id = b.id
                WHERE b.state = 'accepted' AND b.held = 0 AND r.collected_on BETWEEN ? AND ?
                GROUP BY 1, 2, 3, 4
                """, arguments: [receivedSince, days.lowerBound, days.upperBound])
            while let row = try rows.next() {
                body(row[0], row[1], row[2], row[3], row[4])
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read the current week's responses")
        }
    }

    /// Every provisional alarm's week, unit and topic shown so far.
    public func provisionalLooks() throws(StoreError) -> [ProvisionalLook] {
        do {
            return try Row.fetchAll(db, sql: "SELECT week_start, unit_id, topic_id FROM provisional_looks ORDER BY 1, 2, 3").map { row in
                let unit: Int64 = row[1]
                return ProvisionalLook(weekStart: row[0], unitID: unit == 0 ? nil : unit, topicID: row[2])
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read the provisional alarms shown")
        }
    }
}

extension SurveyStore {
    /// Records provisional alarms about to be shown (those recorded before stay, with their first
    /// time): before the files that show them are written.
    public func recordProvisionalLooks(_ looks: [ProvisionalLook], at timestamp: String) throws(StoreError) {
        guard !looks.isEmpty else { return }
        do {
            try writer.write { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO provisional_looks (week_start, unit_id, topic_id, shown_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (week_start, unit_id, topic_id) DO NOTHING
                    """)
                for look in looks {
                    try statement.execute(arguments: [look.weekStart, look.unitID ?? 0, look.topicID, timestamp])
                }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot record the provisional alarms shown")
        }
    }
}
