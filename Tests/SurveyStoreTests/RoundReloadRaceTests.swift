import Foundation
import SurveyModel
@testable import SurveyStore
import Testing

/// A batch prepared (classified) before a reload changes a round's dates, and stored after the
/// reload's rebuild: it is classified again with the new windows.
@Suite struct RoundReloadRaceTests {
    @Test func aBatchPreparedBeforeAReloadIsClassifiedWithTheNewWindows() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let march = SurveyRound(
            code: "R", title: "R", topics: ["CDS"], from: LocalDate(iso: "2026-03-01")!, to: LocalDate(iso: "2026-03-31")!, defaultTarget: 10
        )
        try store.synchronizeRounds([march])
        let (a, _) = try store.addCollaborator(unit: "U01", name: "A")
        let april = LocalDate(iso: "2026-04-10")!
        let submission = BatchSubmission(collaboratorID: a.id, clientBatchID: "race", responses: (0..<6).map { _ in
            Response(collectedOn: april, topic: "CDS", group: "ND", sentiment: "DT")
        })
        let prepared = try store.prepare(submission, receivedAt: Date())
        #expect(prepared.roundCounts.isEmpty, "April is outside the round when prepared")
        var longer = march
        longer.to = LocalDate(iso: "2026-04-30")!
        #expect(try store.synchronizeRounds([longer]) == ["R"])
        let outcome = try await store.ingestQueue.submit(prepared, connection: store.ingestConnection, flusher: store.logFlusher).get()
        guard case .accepted = outcome else { Issue.record("\(outcome)"); return }
        #expect(try RoundStoreTests.countsMatchRecount(store))
        #expect(try RoundStoreTests.received(store, "R").received == 6)
    }
}
