import Foundation
import GRDB
import SurveyModel
import SurveyStore
import Testing
import TestSupport

/// Tally spans cut at the rounds' windows (schema version 9, ``SpanCuts``): a round's window is a
/// union of whole spans, the tallies always equal a recount, and a span released whole is never
/// cut afterwards.
@Suite struct SpanCutTests {
    static func date(_ text: String) -> LocalDate { LocalDate(iso: text) ?? LocalDate(dayNumber: 0) }

    /// The round: 10 days from a Thursday (2026-03-12…21), on one topic; both its ends
    /// cut a week.
    static let round = SurveyRound(code: "R10", title: "Mười ngày", topics: ["YTE"], from: date("2026-03-12"), to: date("2026-03-21"), defaultTarget: 50)

    @Test(arguments: [
        // (day, cuts, span start)
        ("2026-03-12", [String](), "2026-03-09"),
        ("2026-03-12", ["2026-03-12"], "2026-03-12"),
        ("2026-03-11", ["2026-03-12"], "2026-03-09"),
        ("2026-03-15", ["2026-03-12"], "2026-03-12"),
        ("2026-03-16", ["2026-03-12"], "2026-03-16"),
        ("2026-03-22", ["2026-03-12", "2026-03-22"], "2026-03-22"),
        ("2026-04-02", ["2026-03-31"], "2026-04-01"),
        ("2026-03-31", ["2026-03-31", "2026-04-02"], "2026-03-31"),
        ("2026-04-03", ["2026-03-31", "2026-04-02"], "2026-04-02"),
    ])
    func spanStart(day: String, cuts: [String], start: String) {
        let cuts = SpanCuts(cuts.map { Self.date($0).dayNumber })
        #expect(cuts.spanStart(Self.date(day).dayNumber) == Self.date(start).dayNumber)
    }

    /// The binary search agrees with the definition (the latest of the natural start and the cuts
    /// on or before the day) over many cuts.
    @Test func spanStartMatchesTheDefinitionOverManyCuts() {
        var generator = SeededGenerator.forTest()
        let base = Self.date("2026-01-01").dayNumber
        let cuts = SpanCuts((0..<80).map { _ in base + Int.random(in: 0..<400, using: &generator) })
        for day in base - 10..<base + 420 {
            let expected = ([LocalDate(dayNumber: day).tallySpanStart.dayNumber] + cuts.days.filter { $0 <= day }).max()
            #expect(cuts.spanStart(day) == expected, "day \(day)")
        }
    }

    /// The span's end (the day after its last) is the next span start: a Monday, a month's first
    /// day or a cut, over many cuts.
    @Test func spanEndIsTheNextSpanStart() {
        var generator = SeededGenerator.forTest()
        let base = Self.date("2026-01-01").dayNumber
        let cuts = SpanCuts((0..<80).map { _ in base + Int.random(in: 0..<400, using: &generator) })
        for day in base - 10..<base + 420 {
            var next = day + 1
            while !cuts.isSpanStart(next) { next += 1 }
            #expect(cuts.spanEnd(day) == next, "day \(day)")
        }
        // The round: the week of 2026-03-09 is cut on the Thursday.
        let round = SpanCuts(SpanCuts.needed(from: Self.round.from, to: Self.round.to))
        #expect(round.spanEnd(Self.date("2026-03-09").dayNumber) == Self.date("2026-03-12").dayNumber)
        #expect(round.spanEnd(Self.date("2026-03-12").dayNumber) == Self.date("2026-03-16").dayNumber)
        #expect(round.spanEnd(Self.date("2026-03-16").dayNumber) == Self.date("2026-03-22").dayNumber)
        #expect(round.spanEnd(Self.date("2026-03-22").dayNumber) == Self.date("2026-03-23").dayNumber)
    }

    @Test func neededCutsAndNaturalEnds() {
        #expect(SpanCuts.needed(from: Self.round.from, to: Self.round.to) == [Self.date("2026-03-12").dayNumber, Self.date("2026-03-22").dayNumber])
        #expect(SpanCuts.needed(from: Self.date("2026-03-16"), to: Self.date("2026-03-31")).isEmpty, "a Monday, and the day after is a month's first")
        #expect(SpanCuts.naturalEnd(after: Self.date("2026-03-12").dayNumber) == Self.date("2026-03-16").dayNumber)
        #expect(SpanCuts.naturalEnd(after: Self.date("2026-03-30").dayNumber) == Self.date("2026-04-01").dayNumber)
        let cuts = SpanCuts([Self.date("2026-03-12").dayNumber])
        #expect(!cuts.holdsWindow(from: Self.round.from, to: Self.round.to))
        #expect(SpanCuts([Self.date("2026-03-22").dayNumber, Self.date("2026-03-12").dayNumber]).holdsWindow(from: Self.round.from, to: Self.round.to))
    }

    /// Responses per span, per week and per month, read from the tallies.
    static func totals(_ store: SurveyStore) throws -> (spans: [Int: Int], periods: [String: Int]) {
        var spans: [Int: Int] = [:], periods: [String: Int] = [:]
        try store.forEachSpanTally { _, span, _, _, _, count in
            spans[span, default: 0] += count
            for kind in [PeriodKind.week, .month] { periods[Period.containing(LocalDate(dayNumber: span), kind: kind).identifier, default: 0] += count }
        }
        return (spans, periods)
    }

    static func cuts(_ store: SurveyStore) throws -> SpanCuts {
        SpanCuts(try store.writer.read { try Int.fetchAll($0, sql: "SELECT day FROM span_cuts") })
    }

    @Test func aRoundCutsTheSpansAndTheTalliesFollowIngestAndRetraction() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let (a, _) = try store.addCollaborator(unit: "U01", name: "A")
        var generator = SeededGenerator.forTest()
        for index in 0..<10 {
            _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "b\(index)", responses: randomResponses(300, using: &generator)))
        }
        let before = try Self.totals(store)
        #expect(before.spans[Self.date("2026-03-09").dayNumber] != nil)

        try store.synchronizeRounds([Self.round])
        let cuts = try Self.cuts(store)
        #expect(cuts.days == [Self.date("2026-03-12").dayNumber, Self.date("2026-03-22").dayNumber])
        #expect(cuts.holdsWindow(from: Self.round.from, to: Self.round.to))
        let after = try Self.totals(store)
        #expect(after.periods == before.periods, "every week and month keeps its total")
        #expect(try IngestTests.talliesMatchRecount(store))
        #expect(after.spans.keys.allSatisfy(cuts.isSpanStart))
        #expect(after.spans[Self.date("2026-03-12").dayNumber, default: 0] > 0 && after.spans[Self.date("2026-03-22").dayNumber, default: 0] > 0)
        // Configured again: nothing more to cut.
        try store.synchronizeRounds([Self.round])
        #expect(try Self.cuts(store) == cuts)

        // Batches stored after the cut land in the pieces, and a retraction takes them out of the
        // same pieces.
        let inside = (0..<40).map { i in Response(collectedOn: Self.date("2026-03-10").adding(days: i % 14), topic: "YTE", group: "ND", sentiment: "DT") }
        _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "late", responses: inside))
        #expect(try IngestTests.talliesMatchRecount(store))
        let late = try #require(try await store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM batches WHERE client_batch_id = 'late'") })
        #expect(try store.retractBatch(id: late, reason: "test"))
        #expect(try IngestTests.talliesMatchRecount(store))
        #expect(try Self.totals(store).periods == after.periods)
    }

    /// Two rounds cutting the same week, and a third another week, synchronised together: one
    /// pass recounts both stretches, and the tallies still equal a recount.
    @Test func severalCutsInOneWeekAndAnother() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let (a, _) = try store.addCollaborator(unit: "U02", name: "A")
        var generator = SeededGenerator.forTest()
        for index in 0..<6 {
            _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "b\(index)", responses: randomResponses(400, using: &generator)))
        }
        let before = try Self.totals(store)
        let rounds = [
            SurveyRound(code: "X", title: "X", topics: ["CDS"], from: Self.date("2026-03-02"), to: Self.date("2026-03-04"), defaultTarget: 1),
            SurveyRound(code: "Y", title: "Y", topics: ["CDS"], from: Self.date("2026-03-06"), to: Self.date("2026-03-08"), defaultTarget: 1),
            SurveyRound(code: "Z", title: "Z", topics: ["GD"], from: Self.date("2026-04-29"), to: Self.date("2026-05-05"), defaultTarget: 1),
        ]
        try store.synchronizeRounds(rounds)
        let cuts = try Self.cuts(store)
        #expect(cuts.days == ["2026-03-05", "2026-03-06", "2026-04-29", "2026-05-06"].map { Self.date($0).dayNumber })
        #expect(rounds.allSatisfy { cuts.holdsWindow(from: $0.from, to: $0.to) })
        #expect(try Self.totals(store).periods == before.periods)
        #expect(try IngestTests.talliesMatchRecount(store))
    }

    /// A cut inside a span already released whole is never made (its versions stay whole), and
    /// the round's window is then not a union of spans: its results are withheld.
    @Test func aReleasedSpanIsNeverCut() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = fixture.store
        let (a, _) = try store.addCollaborator(unit: "U01", name: "A")
        let responses = (0..<30).map { i in Response(collectedOn: Self.date("2026-03-09").adding(days: i % 7), topic: "YTE", group: "ND", sentiment: "DT") }
        _ = try await store.ingest(BatchSubmission(collaboratorID: a.id, clientBatchID: "b", responses: responses))
        var release = Release(seq: 1, releasedAt: "2026-03-16T01:00:00Z")
        release.tallies[Self.date("2026-03-09").dayNumber] = [ReleasedTally(unitID: 1, topicID: 2, groupID: 3, sentimentID: 1, count: 30, floor: 30)]
        #expect(try store.recordRelease(release))
        let before = try Self.totals(store)
        try store.synchronizeRounds([Self.round])
        let cuts = try Self.cuts(store)
        #expect(cuts.days == [Self.date("2026-03-22").dayNumber], "the released week of 9 March is kept whole")
        #expect(!cuts.holdsWindow(from: Self.round.from, to: Self.round.to))
        #expect(try Self.totals(store).spans == before.spans)
        #expect(try IngestTests.talliesMatchRecount(store))
        let refused = try await store.writer.read { try Int.fetchAll($0, sql: "SELECT day FROM refused_cuts") }
        #expect(refused == [Self.date("2026-03-12").dayNumber], "remembered, so that the journal says it once")
    }
}
