import Foundation
import GRDB
import Logging
import SurveyModel
import SurveyStore
import Testing
import TestSupport

@Suite struct IngestTests {
    /// Tallies recounted from the responses of accepted batches, compared with the stored ones.
    /// Also checks that every reference holds (the ingest connection runs with foreign keys
    /// unenforced) and that the writer, which makes every other write, enforces them.
    static func talliesMatchRecount(_ store: SurveyStore) throws -> Bool {
        let enforced = try store.writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") }
        guard enforced == 1 else { return false }
        return try store.writer.read { db in
            guard try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty else { return false }
            return try SurveyStore.tallyMismatches(db) == 0
        }
    }

    static func count(_ store: SurveyStore, _ table: String) throws -> Int {
        try store.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
    }

    /// The writer leaves checkpoints to `runCheckpoints`: the database file itself grows with
    /// the batches only while that runs (the writer's own threshold is far away), and the data
    /// read back afterwards is whole.
    @Test func checkpointsRunFromTheirOwnConnection() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        var generator = SeededGenerator(state: 7)
        func fileSize() throws -> Int {
            try FileManager.default.attributesOfItem(atPath: fixture.path)[.size] as? Int ?? -1
        }
        func ingest(_ range: Range<Int>) async throws {
            for index in range {
                _ = try await fixture.store.ingest(BatchSubmission(
                    collaboratorID: a.id, clientBatchID: "b\(index)", responses: randomResponses(100, using: &generator)
                ))
            }
        }
        // Without the checkpointer the batches stay in the write-ahead log.
        _ = try await fixture.store.writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        let empty = try fileSize()
        try await ingest(0..<20)
        #expect(try fileSize() == empty)
        // With it, they reach the database file while the writer goes on.
        let checkpoints = Task { await fixture.store.runCheckpoints(every: .milliseconds(20)) }
        defer { checkpoints.cancel() }
        try await ingest(20..<40)
        let grown = try await Wait.until { try fileSize() > empty + 40 * 1024 }
        let size = try fileSize()
        #expect(grown, "the database file is still \(size) bytes")
        #expect(try Self.count(fixture.store, "responses") == 4000)
        #expect(try Self.talliesMatchRecount(fixture.store))
    }

    @Test func tenThousandResponsesInAHundredBatches() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        let (b, _) = try fixture.store.addCollaborator(unit: "U02", name: "B")
        var generator = SeededGenerator(state: 2026)
        var batches: [BatchSubmission] = []
        var receipts: [BatchReceipt] = []
        for index in 0..<100 {
            let batch = BatchSubmission(
                collaboratorID: index.isMultiple(of: 2) ? a.id : b.id, clientBatchID: "batch-\(index)",
                responses: randomResponses(100, using: &generator)
            )
            batches.append(batch)
            let outcome = try await fixture.store.ingest(batch)
            guard case let .accepted(receipt) = outcome else {
                Issue.record("batch \(index) was not newly accepted: \(outcome)")
                return
            }
            #expect(receipt.responseCount == 100)
            receipts.append(receipt)
        }
        #expect(try Self.count(fixture.store, "responses") == 10_000)
        #expect(try fixture.store.totals().responses == 10_000)
        #expect(try Self.talliesMatchRecount(fixture.store))
        // Per-unit totals follow the collaborator's unit.
        let perUnit = try fixture.store.periodCounts(.year)
        #expect(perUnit == [PeriodCount(unit: "U01", period: "2026", responses: 5000), PeriodCount(unit: "U02", period: "2026", responses: 5000)])

        // Re-ingesting batch 7 changes nothing and returns the first receipt.
        let before = try fixture.store.writer.read { try Row.fetchAll($0, sql: "SELECT * FROM span_tallies ORDER BY 1, 2, 3, 4, 5") }
        #expect(try await fixture.store.ingest(batches[7], receivedAt: Date().addingTimeInterval(3600)) == .duplicate(receipts[7]))
        let after = try fixture.store.writer.read { try Row.fetchAll($0, sql: "SELECT * FROM span_tallies ORDER BY 1, 2, 3, 4, 5") }
        #expect(before == after)
        #expect(try Self.count(fixture.store, "responses") == 10_000)

        // The same id with other content is a conflict that names the original.
        var altered = batches[7]
        altered.responses[0].sentiment = altered.responses[0].sentiment == "DT" ? "KDT" : "DT"
        let conflict = await #expect(throws: StoreError.self) { try await fixture.store.ingest(altered) }
        #expect(conflict?.code == .conflict)
        #expect(conflict?.existing == receipts[7])
        #expect(try Self.count(fixture.store, "responses") == 10_000)
        // The same batch id from another collaborator is a different batch.
        var other = batches[7]
        other.collaboratorID = other.collaboratorID == a.id ? b.id : a.id
        guard case .accepted = try await fixture.store.ingest(other) else {
            Issue.record("another collaborator's batch with the same id should be accepted")
            return
        }
        #expect(try Self.talliesMatchRecount(fixture.store))
    }

    @Test func aBatchWithOneBadResponseLeavesNoRow() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        var generator = SeededGenerator(state: 7)
        var responses = randomResponses(50, using: &generator)
        responses[37].topic = "NOPE"
        let error = await #expect(throws: StoreError.self) {
            try await fixture.store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "bad", responses: responses))
        }
        #expect(error?.code == .unknownCode)
        #expect(error?.problems == [.init(line: 38, field: "topic", reason: "unknown topic 'NOPE'")])
        #expect(error?.problemCount == 1)
        for table in ["batches", "responses", "span_tallies"] {
            #expect(try Self.count(fixture.store, table) == 0, "\(table)")
        }
    }

    /// A reload that drops codes while a batch is open: the store refuses the batch at COMMIT and
    /// names every line (1-based, as the protocol numbers them) with the first unknown field, in
    /// the protocol's words; nothing is stored. Codes it still has are accepted afterwards.
    @Test func codesDroppedByAReloadAreRefusedLineByLine() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        let day = LocalDate(iso: "2026-11-20")!
        let responses = [
            Response(collectedOn: day, topic: "CDS", group: "ND", sentiment: "DT"),
            Response(collectedOn: day, topic: "YTE", group: "CB", sentiment: "DT"),
            Response(collectedOn: day, topic: "YTE", group: "ND", sentiment: "PV"),
            Response(collectedOn: day, topic: "GD", group: "DV", sentiment: "DT"),
        ]
        let old = StoreFixture.catalog
        try fixture.store.synchronize(Catalog(
            units: old.units, topics: old.topics.filter { $0.code != "YTE" }, groups: old.groups.filter { $0.code != "ND" },
            sentiments: old.sentiments
        ))
        let error = await #expect(throws: StoreError.self) {
            try await fixture.store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "reload", responses: responses))
        }
        #expect(error?.code == .unknownCode)
        #expect(error?.problems == [
            .init(line: 1, field: "group", reason: "unknown respondent group 'ND'"),
            .init(line: 2, field: "topic", reason: "unknown topic 'YTE'"),
            .init(line: 3, field: "topic", reason: "unknown topic 'YTE'"),
        ])
        #expect(error?.problemCount == 3)
        #expect(error?.isTemporary == false)
        for table in ["batches", "responses", "span_tallies"] {
            #expect(try Self.count(fixture.store, table) == 0, "\(table)")
        }
        let kept = BatchSubmission(collaboratorID: a.id, clientBatchID: "reload-2", responses: [responses[3]])
        guard case .accepted = try await fixture.store.ingest(kept) else {
            Issue.record("a batch with codes still configured should be stored")
            return
        }
    }

    @Test func theListOfBadLinesIsBounded() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        let day = LocalDate(iso: "2026-11-20")!
        let responses = Array(repeating: Response(collectedOn: day, topic: "GONE", group: "ND", sentiment: "DT"), count: 1000)
        let error = await #expect(throws: StoreError.self) {
            try await fixture.store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "many", responses: responses))
        }
        #expect(error?.problems.count == StoreError.maximumProblems)
        #expect(error?.problems.last?.line == StoreError.maximumProblems)
        #expect(error?.problemCount == 1000)
    }

    @Test func aFailureInsideTheTransactionRollsEverythingBack() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        // A trigger that fails on the 30th response simulates a failure midway through the batch
        // (in the main schema, so that the ingest connection sees it too).
        try await fixture.store.writer.write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_midway BEFORE INSERT ON responses
                WHEN (SELECT COUNT(*) FROM responses) >= 29
                BEGIN SELECT RAISE(ABORT, 'disk on fire'); END
                """)
        }
        var generator = SeededGenerator(state: 9)
        let batch = BatchSubmission(collaboratorID: a.id, clientBatchID: "b", responses: randomResponses(50, using: &generator))
        await #expect(throws: StoreError.self) { try await fixture.store.ingest(batch) }
        for table in ["batches", "responses", "span_tallies"] {
            #expect(try Self.count(fixture.store, table) == 0, "\(table)")
        }
        try await fixture.store.writer.write { try $0.execute(sql: "DROP TRIGGER fail_midway") }
        guard case .accepted = try await fixture.store.ingest(batch) else {
            Issue.record("the batch should be accepted once the failure is gone")
            return
        }
        #expect(try Self.count(fixture.store, "responses") == 50)
    }

    @Test func revokedCollaboratorsCannotIngest() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        try fixture.store.revokeCollaborator(id: a.id)
        var generator = SeededGenerator(state: 1)
        let error = await #expect(throws: StoreError.self) {
            try await fixture.store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "b", responses: randomResponses(3, using: &generator)))
        }
        #expect(error?.code == .collaboratorRevoked)
    }

    @Test func concurrentRetriesOfOneBatchStoreItOnce() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (a, _) = try fixture.store.addCollaborator(unit: "U01", name: "A")
        var generator = SeededGenerator(state: 3)
        let batch = BatchSubmission(collaboratorID: a.id, clientBatchID: "same", responses: randomResponses(200, using: &generator))
        let store = fixture.store
        let outcomes = try await withThrowingTaskGroup(of: IngestOutcome.self) { group in
            for _ in 0..<16 { group.addTask { try await store.ingest(batch) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { if case .accepted = $0 { true } else { false } }.count == 1)
        #expect(Set(outcomes.map(\.receipt)).count == 1)
        #expect(try Self.count(fixture.store, "responses") == 200)
        #expect(try Self.talliesMatchRecount(fixture.store))
    }

    /// Batches that arrive together share one transaction (group commit), each in its own
    /// savepoint: a revoked collaborator's batch and a conflicting one fail alone, the others are
    /// stored whole, and the tallies still equal a recount.
    @Test func concurrentBatchesShareTransactionsAndFailAlone() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let (a, _) = try store.addCollaborator(unit: "U01", name: "A")
        let (b, _) = try store.addCollaborator(unit: "U02", name: "B")
        let (revoked, _) = try store.addCollaborator(unit: "U02", name: "R")
        var generator = SeededGenerator(state: 11)
        _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "taken", responses: randomResponses(5, using: &generator)))
        #expect(try store.revokeCollaborator(id: revoked.id))
        var submissions: [BatchSubmission] = []
        for index in 0..<120 {
            let owner = index % 2 == 0 ? a.id : b.id
            submissions.append(BatchSubmission(collaboratorID: owner, clientBatchID: "g\(index)", responses: randomResponses(1 + index % 30, using: &generator)))
        }
        submissions.append(BatchSubmission(collaboratorID: revoked.id, clientBatchID: "from-revoked", responses: randomResponses(3, using: &generator)))
        submissions.append(BatchSubmission(collaboratorID: a.id, clientBatchID: "taken", responses: randomResponses(4, using: &generator)))
        let before = store.groupCommitCounts
        let outcomes = await withTaskGroup(of: (String, Result<IngestOutcome, StoreError>).self) { group in
            for submission in submissions {
                group.addTask {
                    do throws(StoreError) {
                        return (submission.clientBatchID, .success(try await store.ingest(submission)))
                    } catch {
                        return (submission.clientBatchID, .failure(error))
                    }
                }
            }
            var all: [String: Result<IngestOutcome, StoreError>] = [:]
            for await (id, outcome) in group { all[id] = outcome }
            return all
        }
        #expect(outcomes.count == 122)
        for index in 0..<120 {
            guard case let .success(.accepted(receipt))? = outcomes["g\(index)"] else {
                Issue.record("g\(index): \(String(describing: outcomes["g\(index)"]))")
                continue
            }
            #expect(receipt.responseCount == 1 + index % 30)
        }
        guard case let .failure(error)? = outcomes["from-revoked"] else { Issue.record("the revoked collaborator's batch was stored"); return }
        #expect(error.code == .collaboratorRevoked)
        guard case let .failure(conflict)? = outcomes["taken"] else { Issue.record("the conflicting batch was stored"); return }
        #expect(conflict.code == .conflict)
        let after = store.groupCommitCounts
        #expect(after.batches - before.batches == 122)
        #expect(after.transactions - before.transactions < 122, "no batches shared a transaction")
        #expect(try Self.count(store, "batches") == 121)
        #expect(try Self.count(store, "responses") == 5 + (0..<120).reduce(0) { $0 + 1 + $1 % 30 })
        #expect(try Self.talliesMatchRecount(store))
    }
}
