import GRDB
import SurveyModel

/// Overall counts of the store.
public struct StoreTotals: Sendable, Hashable, Codable {
    public var collaborators: Int
    public var batches: Int
    public var responses: Int
}

extension SurveyStore {
    /// Responses per unit and tally span (keyed by the span's first day), summed over topics,
    /// groups and sentiments. A span lies inside one week and one month: roll these up to periods.
    public func spanCounts() throws(StoreError) -> [(unit: String, day: LocalDate, count: Int)] {
        do {
            return try writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT u.code AS unit, t.span_start AS day, SUM(t.count) AS count
                    FROM span_tallies t JOIN units u ON u.id = t.unit_id
                    GROUP BY t.unit_id, t.span_start
                    """).map { ($0["unit"], LocalDate(dayNumber: $0["day"]), $0["count"]) }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read tallies")
        }
    }

    /// Responses per unit and period of `kind`.
    public func periodCounts(_ kind: PeriodKind) throws(StoreError) -> [PeriodCount] {
        rollUp(try spanCounts(), to: kind)
    }

    /// Totals of collaborators, accepted batches and responses.
    public func totals() throws(StoreError) -> StoreTotals {
        do {
            return try writer.read { db in
                StoreTotals(
                    collaborators: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM collaborators") ?? 0,
                    batches: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches WHERE state = 'accepted'") ?? 0,
                    responses: try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(count), 0) FROM span_tallies") ?? 0
                )
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read totals")
        }
    }
}
