import GRDB
import SurveyModel

/// Overall counts of the store.
public struct StoreTotals: Sendable, Hashable, Codable {
    public var collaborators: Int
    public var batches: Int
    public var responses: Int
}

extension SurveyStore {
    /// Responses per unit and day, summed over topics, groups and sentiments, from the tallies.
    public func dailyCounts() throws(StoreError) -> [(unit: String, day: LocalDate, count: Int)] {
        do {
            return try writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT u.code AS unit, t.day AS day, SUM(t.count) AS count
                    FROM daily_tallies t JOIN units u ON u.id = t.unit_id
                    GROUP BY t.unit_id, t.day
                    """).map { ($0["unit"], LocalDate(dayNumber: $0["day"]), $0["count"]) }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read tallies")
        }
    }

    /// Responses per unit and period of `kind`.
    public func periodCounts(_ kind: PeriodKind) throws(StoreError) -> [PeriodCount] {
        rollUp(try dailyCounts(), to: kind)
    }

    /// Totals of collaborators, accepted batches and responses.
    public func totals() throws(StoreError) -> StoreTotals {
        do {
            return try writer.read { db in
                StoreTotals(
                    collaborators: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM collaborators") ?? 0,
                    batches: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches WHERE state = 'accepted'") ?? 0,
                    responses: try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(count), 0) FROM daily_tallies") ?? 0
                )
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read totals")
        }
    }
}
