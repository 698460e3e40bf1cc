import Foundation
import GRDB
import SurveyModel
import SurveyStore
import Testing

/// What the provisional look reads and records (schema version 10): the days' counts as the
/// tallies count them (accepted, not held), from the recent batches only; the alarms shown, each once.
@Suite struct ProvisionalLookStoreTests {
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text) ?? LocalDate(dayNumber: 0) }

    @Test func theDaysAreCountedAsTheTalliesCountThem() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let (a, _) = try store.addCollaborator(unit: "U01", name: "A")
        let monday = Self.date("2026-11-23")
        func answers(_ day: LocalDate, _ sentiment: String, _ count: Int) -> [Response] {
            (0..<count).map { _ in Response(collectedOn: day, topic: "YTE", group: "ND", sentiment: sentiment) }
        }
        let received = Date(timeIntervalSince1970: Double(monday.dayNumber) * 86_400 + 3_600 * 30)
        // Monday: 3 negative, 2 positive; Tuesday: 4 negative; Sunday before: 5 (outside the days).
        _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "mon", responses: answers(monday, "KDT", 3) + answers(monday, "DT", 2)), receivedAt: received)
        _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "tue", responses: answers(monday.adding(days: 1), "KDT", 4)), receivedAt: received)
        _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "sun", responses: answers(monday.adding(days: -1), "KDT", 5)), receivedAt: received)
        // A retracted batch and a held one are not counted, as the tallies do not count them.
        _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "gone", responses: answers(monday, "KDT", 7)), receivedAt: received)
        let gone = try #require(try await store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM batches WHERE client_batch_id = 'gone'") })
        #expect(try store.retractBatch(id: gone, reason: "sai"))
        store.setHold(.all)
        _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "held", responses: answers(monday, "KDT", 11)), receivedAt: received)
        store.setHold(.none)

        func counts(since: String) throws -> [String: Int] {
            try store.withPublicationSnapshot { snapshot in
                var result: [String: Int] = [:]
                let sentiments = try snapshot.summaryDimensions().sentiments
                try snapshot.forEachDailyCount(days: monday.dayNumber...(monday.dayNumber + 1), receivedSince: since) { _, day, _, sentiment, count in
                    let code = sentiments.first { $0.id == sentiment }?.sentiment.code ?? "?"
                    result["\(LocalDate(dayNumber: day))/\(code)", default: 0] += count
                }
                return result
            }
        }
        #expect(try counts(since: "2026-11-20T00:00:00Z") == ["2026-11-23/KDT": 3, "2026-11-23/DT": 2, "2026-11-24/KDT": 4])
        // Batches received before the bound are not read (none can hold the days' answers).
        #expect(try counts(since: "2026-11-30T00:00:00Z").isEmpty)

        // The alarms shown: each (week, unit or province, topic) once, with its first time.
        let unit = try #require(try await store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM units WHERE code = 'U01'") })
        let topic = try #require(try await store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM topics WHERE code = 'YTE'") })
        let looks = [ProvisionalLook(weekStart: monday.dayNumber, unitID: unit, topicID: topic), ProvisionalLook(weekStart: monday.dayNumber, unitID: nil, topicID: topic)]
        try store.recordProvisionalLooks(looks, at: "2026-11-25T01:00:00Z")
        try store.recordProvisionalLooks([looks[0]], at: "2026-11-26T01:00:00Z")
        #expect(try store.withPublicationSnapshot { try $0.provisionalLooks() } == looks.sorted { ($0.unitID ?? 0) < ($1.unitID ?? 0) })
        #expect(try await store.writer.read { try String.fetchAll($0, sql: "SELECT DISTINCT shown_at FROM provisional_looks") } == ["2026-11-25T01:00:00Z"])
    }
}
