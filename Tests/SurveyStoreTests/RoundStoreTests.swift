import Foundation
import GRDB
import SurveyModel
import SurveyStore
import Testing
import TestSupport

@Suite struct RoundStoreTests {
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text) ?? LocalDate(dayNumber: 0) }

    static let spring = SurveyRound(
        code: "R-SPRING", title: "Mùa xuân", topics: ["CDS", "YTE"], from: date("2026-03-01"), to: date("2026-04-30"),
        defaultTarget: 500, unitTargets: ["U02": 800]
    )
    static let year = SurveyRound(code: "R-GD", title: "Giáo dục", topics: ["GD"], from: date("2026-01-01"), to: date("2026-12-31"), defaultTarget: 100)

    /// Every stored round's counts equal a recount from the responses (whatever the batch's state).
    static func countsMatchRecount(_ store: SurveyStore) throws -> Bool {
        let rounds = try store.rounds()
        return try store.writer.read { db in
            for stored in rounds {
                let round = stored.round
                let topics = round.topics.map { "'\($0)'" }.joined(separator: ",")
                let recount = try Row.fetchAll(db, sql: """
                    SELECT batch_id, topic_id, group_id, COUNT(*) FROM responses
                    WHERE topic_id IN (SELECT id FROM topics WHERE code IN (\(topics))) AND collected_on BETWEEN ? AND ?
                    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                    """, arguments: [round.from.dayNumber, round.to.dayNumber]).map { "\($0[0] as Int64) \($0[1] as Int64) \($0[2] as Int64) \($0[3] as Int)" }
                let stored = try Row.fetchAll(db, sql: """
                    SELECT batch_id, topic_id, group_id, count FROM round_counts WHERE round_id = ? ORDER BY 1, 2, 3
                    """, arguments: [stored.id]).map { "\($0[0] as Int64) \($0[1] as Int64) \($0[2] as Int64) \($0[3] as Int)" }
                guard recount == stored, !recount.isEmpty else { return false }
            }
            return true
        }
    }

    static func received(_ store: SurveyStore, _ code: String) throws -> (received: Int, held: Int) {
        let inputs = try #require(try store.roundInputs(code))
        let progress = inputs.progress(now: Date(timeIntervalSince1970: 1_780_000_000), timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt)
        return (progress.province.received, progress.province.held)
    }

    @Test func countsFollowIngestRetractionAndRedefinition() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        #expect(try store.synchronizeRounds([Self.spring, Self.year]) == ["R-SPRING", "R-GD"])
        let (a, _) = try store.addCollaborator(unit: "U01", name: "A")
        let (b, _) = try store.addCollaborator(unit: "U02", name: "B")
        var generator = SeededGenerator.forTest()
        for index in 0..<20 {
            _ = try await store.ingest(BatchSubmission(
                collaboratorID: index % 2 == 0 ? a.id : b.id, clientBatchID: "b\(index)", responses: randomResponses(100, using: &generator)
            ))
        }
        #expect(try Self.countsMatchRecount(store))
        #expect(try IngestTests.talliesMatchRecount(store))

        // Progress counts accepted batches only, read through the join with batches.
        func recount(_ round: SurveyRound) throws -> Int {
            try store.writer.read { db in
                let topics = round.topics.map { "'\($0)'" }.joined(separator: ",")
                return try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM responses r JOIN batches b ON b.id = r.batch_id
                    WHERE b.state = 'accepted' AND b.held = 0 AND r.topic_id IN (SELECT id FROM topics WHERE code IN (\(topics)))
                      AND r.collected_on BETWEEN ? AND ?
                    """, arguments: [round.from.dayNumber, round.to.dayNumber]) ?? -1
            }
        }
        let before = try recount(Self.spring)
        #expect(try Self.received(store, "r-spring").received == before && before > 0)
        let batchID = try #require(try await store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM batches WHERE client_batch_id = 'b3'") })
        #expect(try store.retractBatch(id: batchID, reason: "test"))
        #expect(try Self.received(store, "R-SPRING").received == recount(Self.spring))
        #expect(try recount(Self.spring) < before)
        #expect(try store.restoreBatch(id: batchID))
        #expect(try Self.received(store, "R-SPRING").received == before)

        // Same definition: nothing rebuilt. Changed dates: rebuilt once, and ingest follows the
        // new window.
        #expect(try store.synchronizeRounds([Self.spring, Self.year]).isEmpty)
        var longer = Self.spring
        longer.to = Self.date("2026-06-30")
        longer.defaultTarget = 50
        #expect(try store.synchronizeRounds([longer]) == ["R-SPRING"])
        for index in 20..<30 {
            _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "b\(index)", responses: randomResponses(100, using: &generator)))
        }
        #expect(try Self.countsMatchRecount(store) == false, "R-GD is kept as it was, no longer configured")
        let rounds = try store.rounds()
        #expect(rounds.map(\.round.code) == ["R-SPRING", "R-GD"] && rounds.map(\.active) == [true, false])
        #expect(rounds.first?.round.defaultTarget == 50)
        #expect(try Self.received(store, "R-SPRING").received == recount(longer))
        // The past round keeps the counts of the batches before it left the configuration.
        let gd = try Self.received(store, "R-GD").received
        #expect(try gd > 0 && gd < recount(Self.year))
        #expect(try store.roundInputs("nope") == nil)
        // Back in the configuration: rebuilt from the responses, all batches again.
        #expect(try store.synchronizeRounds([longer, Self.year]).isEmpty, "same membership: the counts are not rebuilt")
        var gdLonger = Self.year
        gdLonger.to = Self.date("2027-01-31")
        #expect(try store.synchronizeRounds([longer, gdLonger]) == ["R-GD"])
        #expect(try Self.countsMatchRecount(store))
        #expect(try Self.received(store, "R-GD").received == recount(gdLonger))
    }

    @Test func heldBatchesAreShownApart() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.synchronizeRounds([Self.year])
        store.setHold(.units(["U02"]))
        let (b, _) = try store.addCollaborator(unit: "U02", name: "B")
        let day = Self.date("2026-05-05")
        _ = try await store.ingest(BatchSubmission(collaboratorID: b.id, clientBatchID: "h", responses: (0..<7).map { _ in
            Response(collectedOn: day, topic: "GD", group: "ND", sentiment: "DT")
        } + [Response(collectedOn: day, topic: "CDS", group: "ND", sentiment: "DT")]))
        #expect(try Self.received(store, "R-GD") == (0, 7))
        let id = try #require(try await store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM batches") })
        #expect(try store.approveBatch(id: id))
        #expect(try Self.received(store, "R-GD") == (7, 0))
    }

    @Test func theJournalStateIsRemembered() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.synchronizeRounds([Self.year])
        let id = try #require(try store.rounds().first?.id)
        #expect(try store.roundJournalState(round: id) == RoundJournalState())
        let state = RoundJournalState(phase: .open, units: ["U01": .silent, "U02": .onTrack])
        try store.recordRoundJournalState(round: id, state)
        #expect(try store.roundJournalState(round: id) == state)
        try store.recordRoundJournalState(round: id, RoundJournalState(phase: .closed, units: ["U01": .missed]))
        #expect(try store.roundJournalState(round: id) == RoundJournalState(phase: .closed, units: ["U01": .missed, "U02": .onTrack]))
    }
}
