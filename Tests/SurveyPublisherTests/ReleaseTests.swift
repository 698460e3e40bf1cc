import Foundation
import GRDB
import Logging
import SurveyModel
import SurveyPublisher
import SurveyReport
import SurveyStore
import Testing

/// The closed release policy through the real store and files: a period is published once it has
/// ended, its figures are final, and a late change is published only when comparing the versions
/// shows no group below the minimum (docs/SUMMARIES.md, "Revisions").
@Suite struct ReleaseTests {
    /// Noon (UTC, the publisher's zone here) of a day.
    static func noon(_ day: String) -> Date {
        Date(timeIntervalSince1970: Double(LocalDate(iso: day)!.dayNumber) * 86_400 + 43_200)
    }

    static func publisher(_ fixture: PublishFixture, grace: Int = 0) -> Publisher {
        Publisher(
            store: fixture.store, directory: fixture.summaries, kinds: [.week, .month], minimumCellSize: 5, logger: Logger(label: "test"),
            release: .closed(graceDays: grace)
        )
    }

    static func index(_ fixture: PublishFixture) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(fixture.summaries)/index.json"))) as? [String: Any])
    }

    static func unitCounts(_ summary: PeriodSummary, unit: String) -> [Int]? {
        summary.topics.first?.units.first { $0.unit == unit }?.total.counts
    }

    static func released(_ fixture: PublishFixture) throws -> Set<String> {
        try fixture.store.withPublicationSnapshot { snapshot in
            Set(try snapshot.releasedState().periods.map { "\($0.kind.rawValue)/\($0.identifier)" })
        }
    }

    struct GraceCase: CustomTestStringConvertible, Sendable {
        var grace: Int
        var today: String
        var written: Set<String>
        var testDescription: String { "grace \(grace), \(today)" }
    }

    /// Week 45 is 2–8 November 2026, week 46 9–15 November.
    @Test(arguments: [
        GraceCase(grace: 0, today: "2026-11-08", written: []),
        GraceCase(grace: 0, today: "2026-11-09", written: ["week/2026-W45"]),
        GraceCase(grace: 2, today: "2026-11-10", written: []),
        GraceCase(grace: 2, today: "2026-11-11", written: ["week/2026-W45"]),
        // November ends on Monday 30: it waits for week 49 (30 November – 6 December).
        GraceCase(grace: 0, today: "2026-12-01", written: ["week/2026-W45", "week/2026-W46"]),
        GraceCase(grace: 0, today: "2026-12-07", written: ["week/2026-W45", "week/2026-W46", "month/2026-11"]),
    ])
    func aPeriodIsPublishedOnceItHasEnded(_ test: GraceCase) async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        try await fixture.ingest("b", unit: 1, date: "2026-11-04", positive: 9, negative: 1)
        try await fixture.ingest("c", unit: 0, date: "2026-11-10", positive: 6, negative: 0)
        let report = try Self.publisher(fixture, grace: test.grace).publish(now: Self.noon(test.today))
        #expect(Set(report.written) == test.written)
        #expect(Set(report.released) == test.written)
        #expect(try Self.released(fixture) == test.written)
        let listed = try #require(Self.index(fixture)["granularities"] as? [[String: Any]])
        let paths = Set(listed.flatMap { ($0["periods"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String } })
        #expect(paths == test.written)
    }

    /// The revision: week 45 published with 10 responses in a unit; 3 arrive late for it.
    /// Publishing them would let anyone holding both versions see those 3 and how they answered:
    /// they are held back and counted. Once 5 have arrived they are published together.
    @Test func lateResponsesAreHeldUntilTheyAreNoSmallGroup() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 10, negative: 0)
        try await fixture.ingest("b", unit: 1, date: "2026-11-04", positive: 7, negative: 5)
        _ = try Self.publisher(fixture).publish(now: Self.noon("2026-11-09"))
        let path = "\(fixture.summaries)/week/2026-W45/summary.json"
        let first = try Data(contentsOf: URL(fileURLWithPath: path))

        try await fixture.ingest("late-1", unit: 0, date: "2026-11-05", positive: 2, negative: 1)
        let held = try Self.publisher(fixture).publish(now: Self.noon("2026-11-10"))
        #expect(!held.written.contains("week/2026-W45"))
        #expect(held.held.added == 3 && held.held.removed == 0)
        #expect(held.held.periods == ["week/2026-W45"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first)
        let note = try #require(Self.index(fixture)["held_back"] as? [String: Any])
        #expect(note["added"] as? Int == 3)
        // They arrived after the week's first release, recorded at noon of 9 November.
        #expect(note["since"] as? String == "2026-11-09T12:00:00Z")
        let page = try String(contentsOfFile: "\(fixture.summaries)/index.html", encoding: .utf8)
        #expect(page.contains("3 ý kiến gửi muộn"))

        try await fixture.ingest("late-2", unit: 0, date: "2026-11-06", positive: 2, negative: 0)
        let shown = try Self.publisher(fixture).publish(now: Self.noon("2026-11-11"))
        #expect(shown.written.contains("week/2026-W45"))
        #expect(shown.held.isEmpty)
        let revised = try fixture.summary("week/2026-W45")
        #expect(revised.revision == 2)
        #expect(revised.responses == 27)
        #expect(Self.unitCounts(revised, unit: "U1") == [14, 1])
        #expect(try Self.index(fixture)["held_back"] == nil)

        // Both versions of the span stay recorded (readers keep both): the next publication
        // reads them and changes nothing.
        var versions: [Int: Int] = [:]
        try fixture.store.withPublicationSnapshot { snapshot in
            try snapshot.forEachSpanVersion { _, seq, _, _, _, _, count, _ in versions[seq, default: 0] += count }
        }
        #expect(versions.values.sorted() == [22, 27])
        let again = try Self.publisher(fixture).publish(now: Self.noon("2026-11-12"))
        #expect(again.written.isEmpty && again.held.isEmpty)
    }

    /// A retraction in a released week that would show how 2 people answered is held back too.
    @Test func aSmallRetractionIsHeldBack() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 10, negative: 0)
        try await fixture.ingest("b", unit: 0, date: "2026-11-03", positive: 0, negative: 2)
        try await fixture.ingest("c", unit: 1, date: "2026-11-04", positive: 7, negative: 5)
        _ = try Self.publisher(fixture).publish(now: Self.noon("2026-11-09"))
        let before = try fixture.summary("week/2026-W45")
        let batch = try #require(try fixture.store.batches().first { $0.clientBatchID == "b" })
        #expect(try fixture.store.retractBatch(id: batch.id, reason: "test"))
        let report = try Self.publisher(fixture).publish(now: Self.noon("2026-11-10"))
        #expect(report.held.removed == 2)
        #expect(report.held.added == 0)
        #expect(try fixture.summary("week/2026-W45") == before)
    }

    /// What a released week withholds and shows never changes when later weeks and its month
    /// are released, and a publication that lost its files is completed with the same figures.
    @Test func releasedFiguresStayAsReleased() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 2, negative: 1)
        try await fixture.ingest("b", unit: 1, date: "2026-11-04", positive: 9, negative: 6)
        _ = try Self.publisher(fixture).publish(now: Self.noon("2026-11-09"))
        let week = try fixture.summary("week/2026-W45")
        #expect(week.topics.first?.units.first { $0.unit == "U1" }?.total.suppressed == true)
        for (index, day) in ["2026-11-10", "2026-11-17", "2026-11-24"].enumerated() {
            try await fixture.ingest("w\(index)-1", unit: 0, date: day, positive: 4 + index, negative: index)
            try await fixture.ingest("w\(index)-2", unit: 1, date: day, positive: 1 + index, negative: 2)
        }
        let later = try Self.publisher(fixture).publish(now: Self.noon("2026-12-07"))
        #expect(Set(later.written) == ["week/2026-W46", "week/2026-W47", "week/2026-W48", "month/2026-11"])
        #expect(try fixture.summary("week/2026-W45") == week)

        // Files lost after the release was recorded: the next publication writes the same figures.
        let w47 = try fixture.summary("week/2026-W47")
        let month = try fixture.summary("month/2026-11")
        try FileManager.default.removeItem(atPath: "\(fixture.summaries)/week/2026-W47")
        try await fixture.ingest("late", unit: 1, date: "2026-11-18", positive: 1, negative: 0)
        let again = try Self.publisher(fixture).publish(now: Self.noon("2026-12-08"))
        #expect(again.written == ["week/2026-W47"])
        #expect(try fixture.summary("week/2026-W47").topics == w47.topics)
        #expect(try fixture.summary("month/2026-11") == month)
    }

    /// Periods published while still open (release: open, or an older surveyd) are removed when
    /// the closed policy takes over, until they end.
    @Test func periodsPublishedWhileOpenAreWithdrawn() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        try await fixture.ingest("b", unit: 1, date: "2026-11-10", positive: 9, negative: 1)
        var open = Self.publisher(fixture)
        open.release = .open
        let first = try open.publish(now: Self.noon("2026-11-12"))
        #expect(Set(first.written) == ["week/2026-W45", "week/2026-W46", "month/2026-11"])
        let report = try Self.publisher(fixture).publish(now: Self.noon("2026-11-12"))
        #expect(Set(report.withdrawn) == ["week/2026-W46", "month/2026-11"])
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.summaries)/month/2026-11"))
        #expect(Set(try fixture.store.publications().map { "\($0.kind.rawValue)/\($0.period)" }) == ["week/2026-W45"])
        #expect(try Self.released(fixture) == ["week/2026-W45"])
    }

    /// Raising the minimum after a release does not reach back: the released week keeps its
    /// figures, and the publication counts the positions it shows below the new minimum.
    @Test func aRaisedMinimumDoesNotReachBack() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 6, negative: 0)
        try await fixture.ingest("b", unit: 1, date: "2026-11-04", positive: 7, negative: 5)
        _ = try Self.publisher(fixture).publish(now: Self.noon("2026-11-09"))
        let week = try fixture.summary("week/2026-W45")
        var stricter = Self.publisher(fixture)
        stricter.minimumCellSize = 7
        let report = try stricter.publish(now: Self.noon("2026-11-10"))
        #expect(!report.withheld.exposed.isEmpty)
        #expect(try fixture.summary("week/2026-W45").topics == week.topics)
        // Late responses can still be shown: 7 more for U1, none of them a small group.
        try await fixture.ingest("late", unit: 0, date: "2026-11-05", positive: 7, negative: 0)
        let late = try stricter.publish(now: Self.noon("2026-11-11"))
        #expect(late.written.contains("week/2026-W45"))
        #expect(late.held.isEmpty)
        #expect(try fixture.summary("week/2026-W45").revision == 3)
    }

    /// Weeks released and then dropped from `publish.periods` stay in the plan: their files are
    /// in readers' hands, so their small groups are still protected when the month is released.
    @Test func aGranularityNoLongerPublishedStillBindsThePlan() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 2, negative: 1)
        try await fixture.ingest("b", unit: 1, date: "2026-11-04", positive: 9, negative: 3)
        try await fixture.ingest("c", unit: 0, date: "2026-11-10", positive: 7, negative: 3)
        try await fixture.ingest("d", unit: 1, date: "2026-11-11", positive: 8, negative: 4)
        _ = try Self.publisher(fixture).publish(now: Self.noon("2026-11-16"))
        #expect(try fixture.summary("week/2026-W45").topics.first?.units.first { $0.unit == "U1" }?.total.suppressed == true)
        let week46Shown = try fixture.summary("week/2026-W46").topics.first?.units.first { $0.unit == "U1" }?.total.suppressed == false
        var months = Self.publisher(fixture)
        months.kinds = [.month]
        let report = try months.publish(now: Self.noon("2026-12-07"))
        #expect(report.written == ["month/2026-11"])
        // The month holds no small group (U1 13, U2 24): the small one is week 45's, still planned.
        #expect(report.withheld.primary >= 1)
        // The month's U1 total minus week 46's must not give week 45's 3.
        let monthShown = try fixture.summary("month/2026-11").topics.first?.units.first { $0.unit == "U1" }?.total.suppressed == false
        #expect(!(monthShown && week46Shown))
    }

    /// A clock set back takes nothing back: released periods stay published and unchanged.
    @Test func aClockSetBackWithdrawsNothingReleased() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        try await fixture.ingest("b", unit: 1, date: "2026-11-10", positive: 9, negative: 1)
        _ = try Self.publisher(fixture).publish(now: Self.noon("2026-11-16"))
        let earlier = try Self.publisher(fixture).publish(now: Self.noon("2026-11-05"))
        #expect(earlier.withdrawn.isEmpty && earlier.written.isEmpty)
        #expect(FileManager.default.fileExists(atPath: "\(fixture.summaries)/week/2026-W46/summary.json"))
    }

    /// A damaged released span stops the publication with an error (never a trap) and leaves the
    /// files as they were.
    @Test func aDamagedReleasedSpanStopsThePublication() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        _ = try Self.publisher(fixture).publish(now: Self.noon("2026-11-09"))
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(fixture.summaries)/week/2026-W45/summary.json"))
        for damage in ["x'0102'", "zeroblob(24)"] {
            try await fixture.store.writer.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
                try db.execute(sql: "UPDATE span_versions SET counts = \(damage)")
                try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
            }
            #expect(throws: (any Error).self, "\(damage)") { try Self.publisher(fixture).publish(now: Self.noon("2026-11-10")) }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(fixture.summaries)/week/2026-W45/summary.json")) == before)
    }

    /// Revisions come at most once a day: late responses arriving hours after a release wait
    /// for the next day's publication (index.json says when), then are shown.
    @Test func revisionsComeAtMostOnceADay() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 10, negative: 4)
        try await fixture.ingest("b", unit: 1, date: "2026-11-04", positive: 7, negative: 5)
        _ = try Self.publisher(fixture).publish(now: Self.noon("2026-11-09"))
        try await fixture.ingest("late", unit: 0, date: "2026-11-05", positive: 6, negative: 0)
        let soon = try Self.publisher(fixture).publish(now: Self.noon("2026-11-09").addingTimeInterval(3_600))
        #expect(soon.written.isEmpty && soon.held.added == 6)
        let note = try #require(Self.index(fixture)["held_back"] as? [String: Any])
        #expect(note["next_revision"] as? String == "2026-11-10T12:00:00Z")
        let nextDay = try Self.publisher(fixture).publish(now: Self.noon("2026-11-10"))
        #expect(nextDay.written == ["week/2026-W45"] && nextDay.held.isEmpty)
        #expect(try fixture.summary("week/2026-W45").responses == 32)
    }
}
