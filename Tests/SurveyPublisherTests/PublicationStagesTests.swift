import Foundation
import Logging
import SurveyModel
@testable import SurveyPublisher
import SurveyReport
import SurveyStore
import Synchronization
import Testing

/// A database held in memory: span tallies, survey rounds and their cuts, and nothing released before.
struct MemoryReading: PublicationReading {
    var dimensions: SummaryDimensions
    var spans: [(unit: Int64, day: Int, topic: Int64, group: Int64, sentiment: Int64, count: Int)]
    var rounds: [RoundInputs] = []
    var cuts = SpanCuts()

    func summaryDimensions() throws(StoreError) -> SummaryDimensions { dimensions }
    func forEachSpanTally(_ body: (Int64, Int, Int64, Int64, Int64, Int) -> Void) throws(StoreError) {
        for span in spans { body(span.unit, span.day, span.topic, span.group, span.sentiment, span.count) }
    }
    func forEachSpanVersion(_ body: (Int, Int, Int64, Int64, Int64, Int64, Int, Int) -> Void) throws(StoreError) {}
    func releasedState() throws(StoreError) -> ReleasedState { ReleasedState() }
    func publications() throws(StoreError) -> [PublicationRecord] { [] }
    func awaitingApproval() throws(StoreError) -> (batches: Int, responses: Int) { (0, 0) }
    func roundInputs() throws(StoreError) -> [RoundInputs] { rounds }
    func spanCuts() throws(StoreError) -> SpanCuts { cuts }
    var daily: [(unit: Int64, day: Int, topic: Int64, sentiment: Int64, count: Int)] = []
    var looks: [ProvisionalLook] = []
    func forEachDailyCount(days: ClosedRange<Int>, receivedSince: String, _ body: (Int64, Int, Int64, Int64, Int) -> Void) throws(StoreError) {
        for row in daily where days.contains(row.day) { body(row.unit, row.day, row.topic, row.sentiment, row.count) }
    }
    func provisionalLooks() throws(StoreError) -> [ProvisionalLook] { looks }
}

final class MemoryStore: PublicationStore {
    let reading: Mutex<MemoryReading>
    let releases = Mutex<[Release]>([])

    init(_ reading: MemoryReading) { self.reading = Mutex(reading) }

    func readPublicationInput<T>(_ body: (any PublicationReading) throws -> T) throws -> T {
        let snapshot = reading.withLock { $0 }
        return try body(snapshot)
    }
    func recordRelease(_ release: Release) throws(StoreError) -> Bool {
        releases.withLock { $0.append(release) }
        return true
    }
    func recordPublications(_ records: [PublicationRecord]) throws(StoreError) {}
    func forgetPublications(_ periods: [Period]) throws(StoreError) {}
    func roundJournalState(round id: Int64) throws(StoreError) -> RoundJournalState { RoundJournalState() }
    func recordRoundJournalState(round id: Int64, _ state: RoundJournalState) throws(StoreError) {}
    func recordProvisionalLooks(_ looks: [ProvisionalLook], at timestamp: String) throws(StoreError) {
        reading.withLock { reading in
            for look in looks where !reading.looks.contains(look) { reading.looks.append(look) }
        }
    }
}

/// The publication's stages on their own, reading from memory through ``PublicationStore``.
@Suite struct PublicationStagesTests {
    static let monday = LocalDate(iso: "2026-11-02") ?? LocalDate(dayNumber: 0)
    static let dimensions = SummaryDimensions(
        units: [(11, SurveyUnit(code: "U1", name: "Một")), (12, SurveyUnit(code: "U2", name: "Hai"))],
        topics: [(21, Topic(code: "CDS", title: "Chuyển đổi số"))],
        groups: [(31, RespondentGroup(code: "ND", name: "Nhân dân"))],
        sentiments: [(41, Sentiment(code: "DT", label: "Đồng tình", polarity: .positive)), (42, Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative))]
    )

    /// U1 has `small` responses in week 2026-W45, U2 has 20.
    private static func publisher(small: Int) -> (Publisher, MemoryStore) {
        let day = monday.dayNumber
        let store = MemoryStore(MemoryReading(dimensions: dimensions, spans: [
            (11, day, 21, 31, 41, small), (12, day, 21, 31, 41, 12), (12, day, 21, 31, 42, 8),
        ]))
        let publisher = Publisher(
            store: store, directory: "/nonexistent/surveyd-stages", kinds: [.week, .month], minimumCellSize: 5,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return (publisher, store)
    }

    static let now = Date(timeIntervalSince1970: Double((LocalDate(iso: "2026-12-20") ?? monday).dayNumber) * 86_400 + 43_200)

    @Test(arguments: [(small: 3, withheld: true), (small: 5, withheld: false), (small: 0, withheld: false)])
    func readAndPlanWithholdASmallUnitAndItsComplement(small: Int, withheld: Bool) throws {
        let (publisher, _) = Self.publisher(small: small)
        let input = try publisher.read(now: Self.now)
        #expect(input.cubes.empty.units.map(\.code) == ["U1", "U2"])
        let week = Period.containing(Self.monday, kind: .week)
        #expect(input.cubes.cube(week).total == small + 20)
        let plan = publisher.plan(input, now: Self.now)
        let mask = try #require(plan.masks[week])
        // U1's row is a primary below 5; U2's is its complement (the province total less U2 is U1).
        #expect(mask.isWithheld(topic: 0, unit: 0, group: 0) == withheld)
        #expect(mask.isWithheld(topic: 0, unit: 1, group: 0) == withheld)
        #expect(plan.releasedNow.contains(week))
    }

    @Test func theAlarmsStageReadsTheWeeksAsPlanned() throws {
        let (publisher, _) = Self.publisher(small: 3)
        let plan = publisher.plan(try publisher.read(now: Self.now), now: Self.now)
        let (previous, document) = publisher.alarms(plan, timestamp: "2026-12-20T05:00:00Z")
        #expect(previous == nil, "no alerts.json in a folder that does not exist")
        #expect(document.week == "2026-W45" && document.generatedAt == "2026-12-20T05:00:00Z")
        #expect(document.charts == 0 && document.alerts.isEmpty, "one week is no baseline: no chart")
    }

    @Test func theReleaseIsRecordedBeforeAnyFileAndEveryChangedPeriodBecomesAJob() throws {
        let (publisher, store) = Self.publisher(small: 3)
        let plan = publisher.plan(try publisher.read(now: Self.now), now: Self.now)
        let (released, revised, _) = try publisher.recordRelease(plan, timestamp: Self.now.utcTimestamp)
        #expect(released.sorted() == ["month/2026-11", "week/2026-W45"])
        #expect(revised.isEmpty)
        let recorded = try #require(store.releases.withLock { $0.first })
        #expect(recorded.seq == 1 && Set(recorded.periods.map(\.identifier)) == ["2026-11", "2026-W45"])
        let digests = PeriodDigests(cubes: plan.cubes, masks: plan.masks, minimum: 5)
        let (jobs, unchanged) = publisher.changedPeriods(plan, published: [:], digests: digests, timestamp: Self.now.utcTimestamp)
        #expect(unchanged == 0)
        #expect(jobs.map { "\($0.period.kind.rawValue)/\($0.period.identifier)" } == ["week/2026-W45", "month/2026-11"])
        #expect(jobs.allSatisfy { $0.record.revision == 1 && $0.record.responses == 23 })
        // A period already published with the same digest is a new revision only if its files are missing.
        let old = jobs.map { PublicationRecord(kind: $0.record.kind, period: $0.record.period, revision: 4, digest: $0.record.digest, responses: 23, dataThrough: "x") }
        let again = publisher.changedPeriods(plan, published: Dictionary(uniqueKeysWithValues: old.map { ("\($0.kind.rawValue)/\($0.period)", $0) }), digests: digests, timestamp: "y")
        #expect(again.jobs.map(\.record.revision) == [4, 4], "same digest, files missing: written again under the same revision")
        #expect(again.jobs.map(\.record.dataThrough) == ["x", "x"])
    }
}
