import SurveyModel
import SurveyReport
import Testing
import TestSupport

/// A survey round's results as one more table of the plan (issue 29): its window cuts weeks and
/// months anywhere, so its spans are cut at the window's ends; every certificate is checked by
/// ``LinkedProtectionTests/problems(_:)``, the independent check, with the round's table among
/// the others.
@Suite struct RoundProtectionTests {
    typealias Response = LinkedProtectionTests.Response
    static let kinds = LinkedProtectionTests.kinds

    struct Round {
        var code: String
        var from: String
        var to: String
        var topics: Set<Int>
    }

    /// Tables of every kind and the rounds' tables, over spans cut at every week, month and
    /// round boundary. With `progress`, a round's topics' counts in its window are known to the
    /// reader (its progress files), as the publisher tells the plan.
    static func tables(_ responses: [(Response, Int)], rounds: [Round], progress: Bool = true) -> (tables: [LinkedProtection.Table], spans: [LinkedProtection.Span]) {
        let windows = rounds.compactMap { round -> LinkedProtection.RoundWindow? in
            guard let from = LocalDate(iso: round.from), let to = LocalDate(iso: round.to) else { return nil }
            return LinkedProtection.RoundWindow(code: round.code, from: from, to: to, topics: round.topics)
        }
        let cuts = Set(windows.flatMap { [$0.from.dayNumber, $0.to.dayNumber + 1] }).sorted()
        let empty = TallyCube(units: LinkedProtectionTests.units, topics: LinkedProtectionTests.topics, groups: LinkedProtectionTests.groups, sentiments: LinkedProtectionTests.sentiments)
        var cubes: [Period: TallyCube] = [:]
        var roundCubes = windows.map { _ in empty }
        struct SpanKey: Hashable, Comparable {
            var week: Period, month: Period, piece: Int
            static func < (a: SpanKey, b: SpanKey) -> Bool { (a.week, a.month, a.piece) < (b.week, b.month, b.piece) }
        }
        var spanCubes: [SpanKey: TallyCube] = [:]
        var spanDay: [SpanKey: LocalDate] = [:]
        for (response, count) in responses {
            guard let date = LocalDate(iso: response.day) else { continue }
            let index = empty.index(unit: response.unit, topic: response.topic, group: response.group, sentiment: response.sentiment)
            for kind in kinds { cubes[Period.containing(date, kind: kind), default: empty].add(count, at: index) }
            for (r, window) in windows.enumerated() where window.topics.contains(response.topic) && date >= window.from && date <= window.to {
                roundCubes[r].add(count, at: index)
            }
            let key = SpanKey(week: Period.containing(date, kind: .week), month: Period.containing(date, kind: .month), piece: cuts.filter { $0 <= date.dayNumber }.count)
            spanCubes[key, default: empty].add(count, at: index)
            spanDay[key] = date
        }
        let periods = cubes.keys.sorted { ($0.kind, $0) < ($1.kind, $1) }
        var tables = periods.compactMap { period in cubes[period].map { LinkedProtection.Table(period: period, cube: $0) } }
        let first = tables.count
        tables += zip(windows, roundCubes).map { LinkedProtection.Table(round: $0, cube: $1) }
        let spans = spanCubes.sorted { $0.key < $1.key }.map { key, cube in
            let day = spanDay[key] ?? key.week.start
            var held = kinds.compactMap { kind in
                let period = kind == .week ? key.week : kind == .month ? key.month : Period.containing(key.month.start, kind: kind)
                return periods.firstIndex(of: period)
            }
            let inside = windows.indices.filter { day >= windows[$0].from && day <= windows[$0].to }
            held += inside.map { first + $0 }
            return LinkedProtection.Span(tables: held, counts: cube.counts, knownTopics: progress ? Set(inside.flatMap { windows[$0].topics }) : [])
        }
        return (tables, spans)
    }

    /// The issue's round: 10 days from a Thursday. Unit 0's group 2 gave 4 answers on topic 0 on
    /// the Monday before the round and 3 inside it: the week shows 7, the round's 3 must stay
    /// withheld, moved against the rest of the week it cuts, so that the week keeps its figure.
    @Test func aRoundCuttingAWeekIsProtectedAgainstTheRestOfTheWeek() throws {
        let data = LinkedProtectionTests.background(weeks: ["2026-11-09", "2026-11-12", "2026-11-16", "2026-11-20", "2026-11-23"], except: (0, 2))
            + [(Response("2026-11-09", 0, 0, 2, 0), 2), (Response("2026-11-09", 0, 0, 2, 2), 2), (Response("2026-11-13", 0, 0, 2, 0), 1), (Response("2026-11-13", 0, 0, 2, 2), 2)]
        let (tables, spans) = Self.tables(data, rounds: [Round(code: "R1", from: "2026-11-12", to: "2026-11-21", topics: [0])])
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(LinkedProtectionTests.problems(plan) == [])
        let round = try #require(tables.firstIndex { $0.round?.code == "R1" })
        let week = try #require(tables.firstIndex { $0.round == nil && $0.period.identifier == "2026-W46" })
        #expect(plan.masks[round].isWithheld(topic: 0, unit: 0, group: 2))
        #expect(!plan.masks[week].isWithheld(topic: 0, unit: 0, group: 2), "the week's 7 stays published")
        // The round shows only its topic.
        #expect((0...LinkedProtectionTests.units.count).allSatisfy { r in plan.masks[round].isWithheld(topic: 1, unit: r == LinkedProtectionTests.units.count ? nil : r, group: nil) })
        let certificates = plan.certificates.filter { $0.table == round && $0.unit == 0 && $0.group == 2 }
        #expect(!certificates.isEmpty && plan.fallbacks == 0)
        #expect(certificates.allSatisfy { certificate in
            certificate.minus.map { minus in Set(spans[minus].tables) == Set(spans[certificate.plus].tables).subtracting([round]) } ?? false
        }, "moved against the rest of a week the round cuts")
    }

    /// A round's progress files publish its topic's counts per unit and group in its window
    /// (a one-topic round's unit × group cells exactly): moving a response between units or groups
    /// there proves nothing to their reader. Unit 0's group 2 gave 3 answers inside the round (2
    /// negative, 1 positive): each sentiment it holds is moved by a sentiment swap, which keeps
    /// every cell's count in every span (checked by ``LinkedProtectionTests/problems(_:)``), and
    /// without the progress files' counts the plan needs none.
    @Test func aRoundsKnownCountsAreProtectedBySentimentSwaps() throws {
        let data = LinkedProtectionTests.background(weeks: ["2026-11-09", "2026-11-12", "2026-11-16", "2026-11-20", "2026-11-23"], except: (0, 2))
            + [(Response("2026-11-13", 0, 0, 2, 0), 2), (Response("2026-11-13", 0, 0, 2, 2), 1), (Response("2026-11-09", 0, 0, 2, 1), 6)]
        let rounds = [Round(code: "R1", from: "2026-11-12", to: "2026-11-21", topics: [0])]
        let (tables, spans) = Self.tables(data, rounds: rounds)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(LinkedProtectionTests.problems(plan) == [])
        let round = try #require(tables.firstIndex { $0.round?.code == "R1" })
        #expect(plan.masks[round].isWithheld(topic: 0, unit: 0, group: 2) && plan.fallbacks == 0)
        let swaps = plan.certificates.filter { $0.table == round && $0.unit == 0 && $0.group == 2 && $0.isSwap }
        let moved = Set(swaps.flatMap { swap in (0..<LinkedProtectionTests.sentiments.count).filter { swap.up[$0] + swap.down[$0] > 0 } })
        #expect(moved.isSuperset(of: [0, 2]), "moved: \(moved)")
        // Only in the spans the progress files count, and against the rest of the week.
        #expect(swaps.allSatisfy { swap in spans[swap.plus].knownTopics.contains(0) && swap.minus.map { spans[$0].knownTopics.isEmpty } ?? false })
        let unknown = Self.tables(data, rounds: rounds, progress: false)
        let plain = LinkedProtection(tables: unknown.tables, spans: unknown.spans, minimum: 5)
        #expect(LinkedProtectionTests.problems(plain) == [])
        #expect(!plain.certificates.contains { $0.isSwap })
    }

    /// Two rounds on one topic (and one on the other) over random sparse data, windows cutting
    /// weeks and a month: every certificate checks out, with few fallbacks.
    @Test(arguments: 0..<6) func roundsOverRandomSparseData(seed: Int) throws {
        var generator = SeededGenerator.forTest("roundsOverRandomSparseData(\(seed))")
        let data = LinkedProtectionTests.randomSparse(from: "2026-09-14", weeks: 8, &generator)
        let rounds = [
            Round(code: "A", from: "2026-09-17", to: "2026-09-26", topics: [0]),
            Round(code: "B", from: "2026-10-01", to: "2026-10-14", topics: [0, 1]),
            Round(code: "C", from: "2026-10-22", to: "2026-11-03", topics: [1]),
        ]
        let (tables, spans) = Self.tables(data, rounds: rounds)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(LinkedProtectionTests.problems(plan) == [])
        let roundPrimaries = plan.certificates.filter { tables[$0.table].round != nil }
        #expect(!roundPrimaries.isEmpty)
        // Cutting spans at a round's ends leaves fewer responses in each piece for a change's
        // corners: in data this sparse (0–6 responses per cell and week) about twice the periods'
        // fallbacks of the same data without rounds (2–5% against 1–3% of primaries); the rounds'
        // own fallbacks (0–2 a data set) withhold a topic in the round alone.
        let roundFallbacks = plan.fallbackPrimaries.filter { tables[$0.table].round != nil }.count
        #expect((plan.fallbacks - roundFallbacks) * 10 <= plan.primaryCount, "\(plan.fallbacks) fallbacks of \(plan.primaryCount)")
    }

    /// A round of two whole weeks (no span cut) in which unit 0's group 2 gave 2 answers each
    /// week: the weeks withhold them and the round its 4, and the periods' masks are exactly those
    /// of the plan without the round (a round's primary never withholds in a period's table; here
    /// it moves along the weeks' own changes).
    @Test func aRoundCostsThePeriodsNothing() throws {
        let data = LinkedProtectionTests.background(weeks: ["2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"], except: (0, 2))
            + [(Response("2026-11-10", 0, 0, 2, 0), 9), (Response("2026-11-17", 0, 0, 2, 2), 2), (Response("2026-11-24", 0, 0, 2, 1), 2),
               (Response("2026-12-01", 0, 0, 2, 1), 9)]
        let without = LinkedProtectionTests.tables(data)
        let alone = LinkedProtection(tables: without.tables, spans: without.spans, minimum: 5)
        let (tables, spans) = Self.tables(data, rounds: [Round(code: "W47-48", from: "2026-11-16", to: "2026-11-29", topics: [0])])
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(LinkedProtectionTests.problems(plan) == [])
        for (index, table) in without.tables.enumerated() {
            let same = try #require(tables.firstIndex { $0.round == nil && $0.period == table.period })
            #expect(plan.masks[same] == alone.masks[index], "\(table.period)")
        }
        let round = try #require(tables.firstIndex { $0.round != nil })
        #expect(plan.masks[round].isWithheld(topic: 0, unit: 0, group: 2))
        #expect(plan.certificates.contains { $0.table == round && $0.unit == 0 && $0.group == 2 } && plan.fallbacks == 0)
    }

    /// A round of one topic with 3 responses in all: its cells and its province total stay
    /// withheld, and every certificate keeps every period's total (a week's province total of the
    /// topic moves against another topic, which the round does not show).
    @Test func aRoundWithASmallTotalKeepsItsTotal() throws {
        let data = LinkedProtectionTests.background(weeks: ["2026-11-09", "2026-11-12", "2026-11-16"])
            + [(Response("2026-11-13", 0, 1, 2, 0), 2), (Response("2026-11-13", 1, 1, 0, 2), 1)]
        let (tables, spans) = Self.tables(data, rounds: [Round(code: "R", from: "2026-11-12", to: "2026-11-14", topics: [1])])
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(LinkedProtectionTests.problems(plan) == [])
        let round = try #require(tables.firstIndex { $0.round != nil })
        #expect(plan.masks[round].isWithheld(topic: 1, unit: nil, group: nil))
        #expect(plan.masks[round].isWithheld(topic: 1, unit: 0, group: 2) && plan.masks[round].isWithheld(topic: 1, unit: 1, group: 0))
    }

    /// Adding a round withholds nothing more in the periods' tables than what protecting it needs:
    /// with a round whose cells are all large, the periods' masks are those of the plan without it.
    @Test func aRoundWithLargeCellsChangesNothingElse() throws {
        let data = LinkedProtectionTests.background(weeks: ["2026-11-09", "2026-11-12", "2026-11-16", "2026-11-20"], count: 12)
            + [(Response("2026-11-10", 1, 1, 0, 0), 2), (Response("2026-11-17", 2, 0, 1, 2), 3)]
        let without = LinkedProtectionTests.tables(data)
        let alone = LinkedProtection(tables: without.tables, spans: without.spans, minimum: 5)
        let (tables, spans) = Self.tables(data, rounds: [Round(code: "R", from: "2026-11-11", to: "2026-11-13", topics: [0])])
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(LinkedProtectionTests.problems(plan) == [])
        for (index, table) in without.tables.enumerated() {
            let same = try #require(tables.firstIndex { $0.round == nil && $0.period == table.period })
            #expect(plan.masks[same] == alone.masks[index], "\(table.period)")
        }
    }
}
