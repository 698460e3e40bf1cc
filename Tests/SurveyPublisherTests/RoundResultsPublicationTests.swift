import Foundation
import GRDB
import Logging
import SurveyModel
import SurveyPublisher
import SurveyReport
import SurveyStore
import Testing

/// A survey round's results through the real store and files (issue 29): published once the
/// round's reporting deadline and a week's grace days have passed, revised like any period when
/// late responses or retractions reach it, and protected with the weeks its window cuts.
@Suite struct RoundResultsPublicationTests {
    /// The round: 10 days from Thursday 12 November 2026 (week 46) to Saturday 21
    /// (week 47), on the fixture's one topic; it reports by Tuesday 24, so its results come on
    /// Wednesday 25 (closed policy, no grace days for weeks).
    static let round = SurveyRound(
        code: "R10", title: "Mười ngày", topics: ["CDS"], from: LocalDate(iso: "2026-11-12")!, to: LocalDate(iso: "2026-11-21")!, defaultTarget: 20
    )

    static func publisher(_ fixture: PublishFixture) -> Publisher {
        Publisher(
            store: fixture.store, directory: fixture.summaries, kinds: [.week, .month], minimumCellSize: 5, logger: Logger(label: "test"),
            release: .closed(graceDays: 0)
        )
    }

    static func results(_ fixture: PublishFixture) throws -> RoundResults {
        try RoundResultsReport.decode(Data(contentsOf: URL(fileURLWithPath: "\(fixture.summaries)/rounds/R10/results.json")))
    }

    /// The unit's responses in the round as published (nil: withheld), and the province's.
    static func shown(_ results: RoundResults, unit: String) -> Int? {
        guard let row = results.summary.topics.first?.units.first(where: { $0.unit == unit }), !row.total.suppressed else { return nil }
        return row.total.responses
    }

    /// Each unit's responses in the round, recounted from the database.
    static func recount(_ fixture: PublishFixture) throws -> [String: Int] {
        try fixture.store.writer.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
                SELECT u.code, COUNT(*) FROM responses r JOIN batches b ON b.id = r.batch_id JOIN units u ON u.id = b.unit_id
                WHERE b.state = 'accepted' AND b.held = 0 AND r.collected_on BETWEEN ? AND ? GROUP BY u.code
                """, arguments: [round.from.dayNumber, round.to.dayNumber]).map { ($0[0] as String, $0[1] as Int) })
        }
    }

    static func versions(_ fixture: PublishFixture) throws -> Int {
        try fixture.store.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM round_versions") ?? -1 }
    }

    @Test func resultsComeAfterTheDeadlineAndAreRevisedByLateResponsesAndRetractions() async throws {
        let fixture = try PublishFixture()
        try fixture.store.synchronizeRounds([Self.round])
        try await fixture.ingest("before", unit: 0, date: "2026-11-10", positive: 6, negative: 2)
        try await fixture.ingest("thu", unit: 0, date: "2026-11-13", positive: 8, negative: 4)
        try await fixture.ingest("fri", unit: 0, date: "2026-11-20", positive: 5, negative: 5)
        try await fixture.ingest("u2", unit: 1, date: "2026-11-14", positive: 9, negative: 3)
        try await fixture.ingest("after", unit: 0, date: "2026-11-23", positive: 4, negative: 4)
        let path = "\(fixture.summaries)/rounds/R10/results.json"

        // On the reporting deadline: progress, no results.
        var report = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-24"))
        #expect(report.roundResults.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: "\(fixture.summaries)/rounds/R10/progress.json"))

        report = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-25"))
        #expect(report.roundResults == ["R10"])
        var results = try Self.results(fixture)
        #expect(results.summary.revision == 1 && results.summary.period.kind == .round)
        #expect(Self.shown(results, unit: "U1") == 22 && Self.shown(results, unit: "U2") == 12)
        #expect(try Self.recount(fixture) == ["U1": 22, "U2": 12])
        #expect(results.summary.responses == 34)
        #expect(FileManager.default.fileExists(atPath: "\(fixture.summaries)/rounds/R10/results.csv"))
        #expect(FileManager.default.fileExists(atPath: "\(fixture.summaries)/rounds/R10/results.html"))
        #expect(try Self.versions(fixture) == 1)
        // The weeks the window cuts keep their own figures.
        #expect(try fixture.summary("week/2026-W46").responses == 32)
        // Each unit's administrators get the province's figures and their own rows, linked from
        // their front page.
        let view = try RoundResultsReport.decode(Data(contentsOf: URL(fileURLWithPath: "\(fixture.summaries)/units/U2/rounds/R10/results.json")))
        #expect(view.summary.topics.first?.units.map(\.unit) == ["U2"] && view.coverage.units.map(\.unit) == ["U2"])
        #expect(view.summary.topics.first?.province == results.summary.topics.first?.province)
        #expect(view == results.view(of: "U2"))
        let unitPage = try String(contentsOfFile: "\(fixture.summaries)/units/U2/index.html", encoding: .utf8)
        #expect(unitPage.contains("href=\"rounds/R10/results.html\""))

        // Publishing again changes nothing, and rewrites none of the results' files.
        let identities = try fixture.fileIdentities().filter { $0.key.contains("results.") }
        #expect(identities.count == 9, "the province's three files and two units' views")
        report = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-25").addingTimeInterval(600))
        #expect(try fixture.fileIdentities().filter { $0.key.contains("results.") } == identities)
        #expect(report.roundResults.isEmpty)
        #expect(try Self.versions(fixture) == 1)

        // A unit reports late: a new version the next day.
        try await fixture.ingest("late", unit: 1, date: "2026-11-19", positive: 4, negative: 2)
        _ = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-26"))
        results = try Self.results(fixture)
        #expect(results.summary.revision == 2)
        #expect(Self.shown(results, unit: "U2") == 18 && Self.shown(results, unit: "U1") == 22)
        #expect(try Self.versions(fixture) == 2)

        // A batch is retracted after publication: the next version leaves it out.
        let friday = try #require(try await fixture.store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM batches WHERE client_batch_id = 'fri'") })
        #expect(try fixture.store.retractBatch(id: friday, reason: "test"))
        _ = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-27"))
        results = try Self.results(fixture)
        #expect(results.summary.revision == 3)
        #expect(Self.shown(results, unit: "U1") == 12)
        #expect(try Self.recount(fixture) == ["U1": 12, "U2": 18])
        #expect(try Self.versions(fixture) == 3)
    }

    /// A round ending on a Wednesday reports by Saturday: its results wait for the Monday on which
    /// the week holding its last days is published, so that their first version holds them.
    @Test func resultsWaitForTheWeekOfTheLastDay() async throws {
        let fixture = try PublishFixture()
        let round = SurveyRound(code: "R10", title: "Thứ Tư", topics: ["CDS"], from: LocalDate(iso: "2026-11-12")!, to: LocalDate(iso: "2026-11-18")!, defaultTarget: 20)
        try fixture.store.synchronizeRounds([round])
        try await fixture.ingest("thu", unit: 0, date: "2026-11-13", positive: 8, negative: 4)
        try await fixture.ingest("wed", unit: 1, date: "2026-11-18", positive: 6, negative: 3)
        var report = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-22"))
        #expect(report.roundResults.isEmpty)
        report = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-23"))
        #expect(report.roundResults == ["R10"])
        let results = try Self.results(fixture)
        #expect(results.summary.responses == 21 && results.summary.revision == 1)
    }

    /// A damaged released round version stops the publication (nothing rewritten), never traps.
    @Test(arguments: ["from_day = 99999999, to_day = 99999999", "topics = '[\"x\"]'", "from_day = -40, to_day = -39"])
    func aDamagedRoundVersionStopsThePublication(_ damage: String) async throws {
        let fixture = try PublishFixture()
        try fixture.store.synchronizeRounds([Self.round])
        try await fixture.ingest("a", unit: 0, date: "2026-11-13", positive: 8, negative: 4)
        _ = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-25"))
        let path = "\(fixture.summaries)/rounds/R10/results.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        try await fixture.store.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE round_versions SET \(damage)")
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        #expect(throws: (any Error).self) { try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-26")) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    /// A unit with 3 responses in the round: its figures are withheld in the results (and its
    /// complement with it), as in the week that holds them.
    @Test func aSmallUnitIsWithheldInTheResults() async throws {
        let fixture = try PublishFixture()
        try fixture.store.synchronizeRounds([Self.round])
        try await fixture.ingest("a", unit: 0, date: "2026-11-13", positive: 8, negative: 4)
        try await fixture.ingest("b", unit: 1, date: "2026-11-16", positive: 2, negative: 1)
        try await fixture.ingest("c", unit: 1, date: "2026-11-10", positive: 5, negative: 4)
        _ = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-25"))
        let results = try Self.results(fixture)
        #expect(Self.shown(results, unit: "U2") == nil)
        #expect(Self.shown(results, unit: "U1") == nil, "with two units, the other is the complement")
        // The coverage does not give the withheld totals back.
        #expect(results.coverage.units.allSatisfy { $0.received == nil })
        // Week 47 shows nothing of unit 2's 3 either.
        let week47 = try fixture.summary("week/2026-W47")
        #expect(week47.topics.first?.units.first { $0.unit == "U2" }?.total.suppressed == true)
    }

    /// A round configured after a week its window cuts was published: the week stays whole, and
    /// the round's results show nothing but its coverage.
    /// A batch of another topic, 3 responses on each side of the round's first day (Tuesday and
    /// Friday of week 46, which the round cuts), retracted after the week was published: no
    /// table showing that topic holds one piece without the other, so the week loses 6 responses
    /// from the cell (not two small retractions of 3) and the revision shows it; the round's own
    /// topic is untouched.
    @Test func aRetractionOfAnotherTopicAcrossACutWeekIsShownWhole() async throws {
        let fixture = try PublishFixture()
        try fixture.store.synchronize(Catalog(
            units: [SurveyUnit(code: "U1", name: "Định Hóa"), SurveyUnit(code: "U2", name: "Phú Lương")],
            topics: [Topic(code: "CDS", title: "Chuyển đổi số"), Topic(code: "YTE", title: "Y tế")],
            groups: [RespondentGroup(code: "ND", name: "Nhân dân")],
            sentiments: [Sentiment(code: "DT", label: "Đồng tình", polarity: .positive), Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative)]
        ))
        try fixture.store.synchronizeRounds([Self.round])
        func ingest(_ id: String, unit: Int, _ days: [(String, Int)], topic: String) async throws {
            let responses = days.flatMap { day, n in
                Array(repeating: Response(collectedOn: LocalDate(iso: day)!, topic: topic, group: "ND", sentiment: "DT"), count: n)
            }
            _ = try await fixture.store.ingest(BatchSubmission(collaboratorID: fixture.collaborators[unit], clientBatchID: id, responses: responses))
        }
        try await fixture.ingest("cds", unit: 0, date: "2026-11-13", positive: 8, negative: 4)
        try await fixture.ingest("cds2", unit: 1, date: "2026-11-10", positive: 9, negative: 3)
        try await ingest("yte", unit: 0, [("2026-11-10", 10), ("2026-11-14", 10)], topic: "YTE")
        try await ingest("yte2", unit: 1, [("2026-11-11", 12)], topic: "YTE")
        try await ingest("thin", unit: 0, [("2026-11-10", 3), ("2026-11-13", 3)], topic: "YTE")
        _ = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-17"))
        let before = try fixture.summary("week/2026-W46")
        let yte = { (summary: PeriodSummary) in summary.topics.first { $0.code == "YTE" }?.units.first { $0.unit == "U1" }?.total.responses }
        #expect(before.revision == 1 && yte(before) == 26)
        let thin = try #require(try await fixture.store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM batches WHERE client_batch_id = 'thin'") })
        #expect(try fixture.store.retractBatch(id: thin, reason: "test"))
        let report = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-18"))
        #expect(report.held.removed == 0, "the week's pieces lose 6 together: nothing held")
        let after = try fixture.summary("week/2026-W46")
        #expect(after.revision == 2 && yte(after) == 20)
    }

    @Test func aRoundCuttingAReleasedWeekIsWithheld() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-13", positive: 8, negative: 4)
        try await fixture.ingest("b", unit: 1, date: "2026-11-17", positive: 9, negative: 6)
        _ = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-17"))
        try fixture.store.synchronizeRounds([Self.round])
        _ = try Self.publisher(fixture).publish(now: ReleaseTests.noon("2026-11-25"))
        let results = try Self.results(fixture)
        #expect(results.summary.topics.allSatisfy { $0.province.suppressed && $0.units.allSatisfy(\.total.suppressed) })
        #expect(results.summary.responses == 0)
        // The coverage's counts would give back what is withheld: withheld too.
        #expect(results.coverage.received == nil && results.coverage.units.allSatisfy { $0.received == nil && $0.late == nil && $0.completion == nil })
        #expect(results.coverage.target == 40 && results.coverage.unitsReported == 2)
        #expect(try Self.versions(fixture) == 0)
    }
}
