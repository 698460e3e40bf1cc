import Foundation
import Logging
import SurveyModel
@testable import SurveyPublisher
import SurveyReport
@testable import SurveyStore
import Testing
import TestSupport

/// A survey round's window cuts the weeks it starts and ends in, for every topic (the tallies are
/// stored per span). For the topics no round overlapping a week shows, the plan joins the pieces
/// again (``PeriodCubes/joiningCutPieces(_:slices:tables:)``): those topics are planned as if
/// the week were whole.
@Suite struct CutPieceTests {
    static let monday = LocalDate(iso: "2026-11-02") ?? LocalDate(dayNumber: 0)
    static let units = (0..<6).map { (Int64(11 + $0), SurveyUnit(code: "U\($0 + 1)", name: "Đơn vị \($0 + 1)")) }
    static let dimensions = SummaryDimensions(
        units: units,
        topics: [(21, Topic(code: "A", title: "Chủ đề A")), (22, Topic(code: "B", title: "Chủ đề B"))],
        groups: [(31, RespondentGroup(code: "ND", name: "Nhân dân")), (32, RespondentGroup(code: "CB", name: "Cán bộ"))],
        sentiments: [(41, Sentiment(code: "DT", label: "Đồng tình", polarity: .positive)), (42, Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative))]
    )
    /// The issue's round on topic A: 10 days from a Thursday, cutting two weeks.
    static let round = SurveyRound(
        code: "R", title: "Đợt A", topics: ["A"], from: LocalDate(iso: "2026-11-12") ?? monday, to: LocalDate(iso: "2026-11-21") ?? monday, defaultTarget: 10
    )
    static let now = Date(timeIntervalSince1970: Double((LocalDate(iso: "2026-12-20") ?? monday).dayNumber) * 86_400 + 43_200)

    typealias Tally = (unit: Int64, day: Int, topic: Int64, group: Int64, sentiment: Int64, count: Int)

    /// Sparse answers (0–2 a day per unit, topic, group and sentiment) over four weeks, by day.
    static func answers(_ generator: inout SeededGenerator) -> [Tally] {
        var result: [Tally] = []
        for day in monday.dayNumber..<monday.dayNumber + 28 {
            for (unit, _) in units {
                for topic: Int64 in [21, 22] {
                    for group: Int64 in [31, 32] {
                        for sentiment: Int64 in [41, 42] where Int.random(in: 0..<10, using: &generator) >= 8 {
                            result.append((unit, day, topic, group, sentiment, Int.random(in: 1...2, using: &generator)))
                        }
                    }
                }
            }
        }
        return result
    }

    /// The answers as span tallies under `cuts`.
    static func spans(_ answers: [Tally], cuts: SpanCuts) -> [Tally] {
        var tallies: [[Int64]: Int] = [:]
        for a in answers { tallies[[a.unit, Int64(cuts.spanStart(a.day)), a.topic, a.group, a.sentiment], default: 0] += a.count }
        return tallies.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { key, count in
            (unit: key[0], day: Int(key[1]), topic: key[2], group: key[3], sentiment: key[4], count: count)
        }
    }

    static func plan(_ reading: MemoryReading) throws -> PublicationPlan {
        let publisher = Publisher(
            store: MemoryStore(reading), directory: "/nonexistent/surveyd-cut-pieces", kinds: [.week, .month], minimumCellSize: 5,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return publisher.plan(try publisher.read(now: now), now: now)
    }

    /// Topic B, which the round does not show, is withheld exactly as without the round; the
    /// round's own results are planned (topic A's masks may differ: its pieces are what the round
    /// shows).
    @Test(arguments: 0..<4) func aRoundCostsTheTopicsItDoesNotShowNothing(seed: Int) throws {
        let cuts = SpanCuts(SpanCuts.needed(from: Self.round.from, to: Self.round.to))
        let stored = RoundInputs(stored: StoredRound(id: 1, round: Self.round, active: true), units: Self.units.map(\.1), activeCollaborators: [:], counts: [])
        var generator = SeededGenerator.forTest("aRoundCostsTheTopicsItDoesNotShowNothing(\(seed))")
        let answers = Self.answers(&generator)
        let with = try Self.plan(MemoryReading(dimensions: Self.dimensions, spans: Self.spans(answers, cuts: cuts), rounds: [stored], cuts: cuts))
        let without = try Self.plan(MemoryReading(dimensions: Self.dimensions, spans: Self.spans(answers, cuts: SpanCuts())))
        #expect(with.roundMasks[1] != nil, "the round's results are planned")
        #expect(without.withheld.primary > 0, "the data holds small groups")
        for (period, mask) in without.masks {
            let other = try #require(with.masks[period])
            for unit in [nil] + (0..<Self.units.count).map(Optional.some) {
                for group in [nil, 0, 1] as [Int?] {
                    #expect(other.isWithheld(topic: 1, unit: unit, group: group) == mask.isWithheld(topic: 1, unit: unit, group: group),
                            "\(period) B \(unit.map(String.init) ?? "*")/\(group.map(String.init) ?? "*")")
                }
            }
        }
    }
}
