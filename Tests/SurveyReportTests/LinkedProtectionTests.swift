import SurveyModel
import SurveyReport
import Testing
import TestSupport

/// The protection of linked tables on small hand-made data sets: every primary has certificates
/// that an independent check confirms (the change keeps every published figure, and repeating it
/// gives at least minimum + 1 counts and moves every sentiment the primary holds).
@Suite struct LinkedProtectionTests {
    static let units = (0..<4).map { SurveyUnit(code: "U\($0)", name: "Đơn vị \($0)") }
    static let topics = (0..<2).map { Topic(code: "T\($0)", title: "Chủ đề \($0)") }
    static let groups = [RespondentGroup(code: "CB", name: "Cán bộ"), RespondentGroup(code: "DV", name: "Đảng viên"), RespondentGroup(code: "ND", name: "Nhân dân")]
    static let sentiments = [
        Sentiment(code: "DONGTINH", label: "Đồng tình", polarity: .positive),
        Sentiment(code: "PHANVAN", label: "Phân vân", polarity: .neutral),
        Sentiment(code: "KHONGDONGTINH", label: "Không đồng tình", polarity: .negative),
    ]
    static let kinds: [PeriodKind] = [.week, .month, .quarter, .year]

    /// One response: day, unit, topic, group, sentiment.
    struct Response {
        var day: String
        var unit: Int, topic: Int, group: Int, sentiment: Int
        init(_ day: String, _ unit: Int, _ topic: Int, _ group: Int, _ sentiment: Int) {
            (self.day, self.unit, self.topic, self.group, self.sentiment) = (day, unit, topic, group, sentiment)
        }
    }

    /// Tables of every kind and spans (days inside one week and one month) from responses.
    static func tables(_ responses: [(Response, Int)], units: [SurveyUnit] = units) -> (tables: [LinkedProtection.Table], spans: [LinkedProtection.Span]) {
        let empty = TallyCube(units: units, topics: topics, groups: groups, sentiments: sentiments)
        var cubes: [Period: TallyCube] = [:]
        struct SpanKey: Hashable { var week: Period, month: Period }
        var spanCubes: [SpanKey: TallyCube] = [:]
        for (response, count) in responses {
            guard let date = LocalDate(iso: response.day) else { continue }
            let index = empty.index(unit: response.unit, topic: response.topic, group: response.group, sentiment: response.sentiment)
            for kind in kinds { cubes[Period.containing(date, kind: kind), default: empty].add(count, at: index) }
            spanCubes[SpanKey(week: Period.containing(date, kind: .week), month: Period.containing(date, kind: .month)), default: empty].add(count, at: index)
        }
        let periods = cubes.keys.sorted { ($0.kind, $0) < ($1.kind, $1) }
        let tables = periods.compactMap { period in cubes[period].map { LinkedProtection.Table(period: period, cube: $0) } }
        let spans = spanCubes.sorted { ($0.key.week, $0.key.month) < ($1.key.week, $1.key.month) }.map { key, cube in
            LinkedProtection.Span(tables: kinds.compactMap { kind in
                let period = kind == .week ? key.week : kind == .month ? key.month : Period.containing(key.month.start, kind: kind)
                return periods.firstIndex(of: period)
            }, counts: cube.counts)
        }
        return (tables, spans)
    }

    /// The independent check of one plan: returns what is wrong. With `spans`, the certificates are
    /// judged against those spans' bounds instead of the plan's own (a plan made without them).
    static func problems(_ plan: LinkedProtection, spans judged: [LinkedProtection.Span]? = nil) -> [String] {
        var problems: [String] = []
        let spans = judged ?? plan.spans
        let t = topics.count, u = plan.tables.first?.cube.units.count ?? 0, g = groups.count, s = sentiments.count
        func atom(_ span: Int, _ a: LinkedProtection.Atom, _ x: Int) -> Int {
            plan.spans[span].counts[((a.unit * t + a.topic) * g + a.group) * s + x]
        }
        // A change's key: the cell, and the sentiment of a swap's atom (s: a response moved).
        func decode(_ key: Int) -> (unit: Int, topic: Int, group: Int, sentiment: Int) {
            let cell = key / (s + 1)
            return (cell / g / t, cell / g % t, cell % g, key % (s + 1))
        }
        var covered: [String: (count: Int, layers: Set<Int>)] = [:]
        var drawn: [String: Set<String>] = [:]
        for certificate in plan.certificates {
            // The change, per span and cell.
            var change: [Int: [Int: Int]] = [:]
            for a in certificate.atoms {
                let key = ((a.unit * t + a.topic) * g + a.group) * (s + 1) + (a.sentiment ?? s)
                change[certificate.plus, default: [:]][key, default: 0] += a.sign
                if let minus = certificate.minus { change[minus, default: [:]][key, default: 0] -= a.sign }
            }
            // A swap keeps every cell's count in every span.
            if certificate.isSwap {
                for (span, cells) in change {
                    var counts: [Int: Int] = [:]
                    for (key, delta) in cells { counts[key / (s + 1), default: 0] += delta }
                    if counts.values.contains(where: { $0 != 0 }) { problems.append("\(certificate) moves a count in span \(span)") }
                }
            }
            for (index, table) in plan.tables.enumerated() {
                for topic in 0..<t {
                    for unit in [nil] + (0..<u).map(Optional.some) {
                        for group in [nil] + (0..<g).map(Optional.some) {
                            var moved: [Int: Int] = [:]
                            for (span, cells) in change where plan.spans[span].tables.contains(index) {
                                for (key, delta) in cells {
                                    let (cu, ct, cg, cs) = decode(key)
                                    if ct == topic, unit == nil || unit == cu, group == nil || group == cg { moved[cs, default: 0] += delta }
                                }
                            }
                            if moved.values.contains(where: { $0 != 0 }), !plan.masks[plan.tables[index].maskOwner ?? index].isWithheld(topic: topic, unit: unit, group: group) {
                                problems.append("\(table.period) T\(topic) \(unit.map(String.init) ?? "*")/\(group.map(String.init) ?? "*") moves but is published")
                            }
                        }
                    }
                }
            }
            // The change moves its primary (one span inside its table, the other outside).
            var own: [Int: Int] = [:]
            for (span, cells) in change where plan.spans[span].tables.contains(certificate.table) {
                for (key, delta) in cells {
                    let (cu, ct, cg, cs) = decode(key)
                    if ct == certificate.topic, certificate.unit == nil || certificate.unit == cu, certificate.group == nil || certificate.group == cg { own[cs, default: 0] += delta }
                }
            }
            if !own.values.contains(where: { $0 != 0 }) { problems.append("\(certificate) does not move its primary") }
            // Every period's table publishes its total of responses: no change may move it. (A
            // round's results show no total of their own: their sum of responses is that of the
            // province totals they show, RoundResultsBuilder.)
            for (index, table) in plan.tables.enumerated() where table.round == nil {
                var moved = 0
                for (span, cells) in change where plan.spans[span].tables.contains(index) {
                    for (_, delta) in cells { moved += delta }
                }
                if moved != 0 { problems.append("\(certificate) moves the total of \(table.period)") }
            }
            // The capacities, recomputed: a swap's from each atom's own sentiment.
            if certificate.isSwap {
                var forward = Int.max, backward = Int.max
                for a in certificate.atoms {
                    for (span, sign) in [(certificate.plus, a.sign)] + (certificate.minus.map { [($0, -a.sign)] } ?? []) {
                        let m = atom(span, a, a.sentiment ?? 0)
                        if sign < 0 { forward = min(forward, m) } else { backward = min(backward, m) }
                    }
                }
                for x in 0..<s {
                    let d = certificate.atoms.filter { a in
                        a.sentiment == x && a.topic == certificate.topic && (certificate.unit == nil || certificate.unit == a.unit)
                            && (certificate.group == nil || certificate.group == a.group)
                    }.reduce(0) { $0 + $1.sign }
                    let up = d > 0 ? forward : d < 0 ? backward : 0, down = d > 0 ? backward : d < 0 ? forward : 0
                    if certificate.up[x] > up || certificate.down[x] > down { problems.append("capacity overstated for \(certificate)") }
                }
            }
            for x in 0..<s where !certificate.isSwap {
                var up = Int.max, down = Int.max
                for a in certificate.atoms {
                    for (span, sign) in [(certificate.plus, a.sign)] + (certificate.minus.map { [($0, -a.sign)] } ?? []) {
                        if sign < 0 { up = min(up, atom(span, a, x)) } else { down = min(down, atom(span, a, x)) }
                    }
                }
                if certificate.up[x] > up || certificate.down[x] > down { problems.append("capacity overstated for \(certificate)") }
            }
            // No direction a certificate claims moves a count a reader knows on one side toward
            // that side, in either of its spans (a swap's atoms carry their sentiments; a change of
            // responses moves the sentiment it is counted for).
            for x in 0..<s {
                let swing = certificate.atoms.filter { a in
                    a.sentiment == x && a.topic == certificate.topic && (certificate.unit == nil || certificate.unit == a.unit)
                        && (certificate.group == nil || certificate.group == a.group)
                }.reduce(0) { $0 + $1.sign }
                for (direction, claimed) in [(1, certificate.up[x]), (-1, certificate.down[x])] where claimed > 0 {
                    // The direction the atoms are applied in: a swap rising in x runs forward when
                    // its swing on x is positive.
                    let applied = certificate.isSwap ? (swing >= 0 ? direction : -direction) : direction
                    for (span, sign) in [(certificate.plus, applied)] + (certificate.minus.map { [($0, -applied)] } ?? []) {
                        for bound in spans.indices.contains(span) ? spans[span].bounds : [] {
                            let delta = certificate.atoms.filter { a in
                                a.topic == bound.topic && (bound.unit == nil || bound.unit == a.unit) && (a.sentiment ?? x) == bound.sentiment
                            }.reduce(0) { $0 + $1.sign * sign }
                            if bound.atLeast ? delta < 0 : delta > 0 { problems.append("\(certificate) moves a bounded count past its bound in span \(span)") }
                        }
                    }
                }
            }
            let key = "\(certificate.table)/\(certificate.topic)/\(String(describing: certificate.unit))/\(String(describing: certificate.group))"
            if certificate.widensRange {
                // The atoms it draws on, which no other change widening the same range may use.
                for x in 0..<s {
                    for a in certificate.atoms {
                        for (span, sign) in [(certificate.plus, a.sign)] + (certificate.minus.map { [($0, -a.sign)] } ?? []) where (sign < 0 ? certificate.up[x] : certificate.down[x]) > 0 {
                            if !drawn[key, default: []].insert("\(span)/\(a.topic)/\(a.unit)/\(a.group)/\(x)").inserted { problems.append("\(key): two changes draw on one atom") }
                        }
                    }
                }
                covered[key, default: (0, [])].count += certificate.up.reduce(0, +) + certificate.down.reduce(0, +)
            }
            // A sentiment counts as moved when the change also holds for a reader who knows the
            // counts of the spans' known topics (a swap, or no known topic in its spans).
            let topicsMoved = Set(certificate.atoms.map(\.topic))
            let keepsKnown = certificate.isSwap || ([certificate.plus] + (certificate.minus.map { [$0] } ?? [])).allSatisfy { plan.spans[$0].knownTopics.isDisjoint(with: topicsMoved) }
            for x in 0..<s where keepsKnown && certificate.up[x] + certificate.down[x] > 0 { covered[key, default: (0, [])].layers.insert(x) }
        }
        // Every small withheld position has a certificate wide enough, moving each sentiment.
        for (index, table) in plan.tables.enumerated() {
            for topic in 0..<t {
                for unit in [nil] + (0..<u).map(Optional.some) {
                    for group in [nil] + (0..<g).map(Optional.some) {
                        var counts = Array(repeating: 0, count: s)
                        for uu in 0..<u where unit == nil || unit == uu {
                            for gg in 0..<g where group == nil || group == gg {
                                for x in 0..<s { counts[x] += table.cube[uu, topic, gg, x] }
                            }
                        }
                        let n = counts.reduce(0, +)
                        guard n > 0, n < plan.minimum else { continue }
                        if !plan.masks[plan.tables[index].maskOwner ?? index].isWithheld(topic: topic, unit: unit, group: group) { problems.append("\(table.period): a small position is published") }
                        // A primary no certificate protects has its topic withheld in every table
                        // holding its responses.
                        if plan.fallbackPrimaries.contains(where: { $0.table == index && $0.topic == topic && $0.unit == unit && $0.group == group }) {
                            if !plan.masks[plan.tables[index].maskOwner ?? index].isWithheld(topic: topic, unit: nil, group: nil) { problems.append("\(table.period): fallback without its topic withheld") }
                            continue
                        }
                        let key = "\(index)/\(topic)/\(String(describing: unit))/\(String(describing: group))"
                        guard let cover = covered[key] else {
                            problems.append("\(table.period) T\(topic) \(String(describing: unit))/\(String(describing: group)): no certificate")
                            continue
                        }
                        if cover.count < plan.minimum { problems.append("\(table.period): range \(cover.count + 1) values") }
                        for x in 0..<s where counts[x] > 0 && !cover.layers.contains(x) { problems.append("\(table.period): sentiment \(x) pinned") }
                    }
                }
            }
        }
        return problems
    }

    static func background(weeks: [String], except: (unit: Int, group: Int)? = nil, count: Int = 8) -> [(Response, Int)] {
        var result: [(Response, Int)] = []
        for day in weeks {
            for u in 0..<units.count {
                for g in 0..<groups.count where except.map({ $0.unit != u || $0.group != g }) ?? true {
                    for s in 0..<sentiments.count { result.append((Response(day, u, 0, g, s), count / 2 + s)) }
                }
            }
        }
        return result
    }

    /// The case: 10 responses in last week, 3 in this week, one month: the month minus
    /// last week must not give this week's 3, nor how they answered.
    @Test func aWithheldWeekIsNotTheMonthMinusThePublishedWeek() throws {
        let data = Self.background(weeks: ["2026-11-10", "2026-11-17"], except: (0, 2))
            + [(Response("2026-11-10", 0, 0, 2, 0), 6), (Response("2026-11-10", 0, 0, 2, 2), 4), (Response("2026-11-17", 0, 0, 2, 1), 1), (Response("2026-11-17", 0, 0, 2, 2), 2)]
        let (tables, spans) = Self.tables(data)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(Self.problems(plan) == [])
        let mask = { (id: String) in plan.masks[tables.firstIndex { $0.period.identifier == id }!] }
        #expect(mask("2026-W47").isWithheld(topic: 0, unit: 0, group: 2))
        // Either last week's 10 or the month's 13 is withheld too.
        #expect(mask("2026-W46").isWithheld(topic: 0, unit: 0, group: 2) || mask("2026-11").isWithheld(topic: 0, unit: 0, group: 2))
        #expect(plan.primaryCount >= 1)
        #expect(plan.fallbacks == 0)
    }

    /// A week straddling two months (2026-W40: 28 September – 4 October, also two quarters): its
    /// small cell is in two months' tables through two spans.
    @Test func aWeekStraddlingTwoMonthsAndQuarters() throws {
        let data = Self.background(weeks: ["2026-09-21", "2026-09-29", "2026-10-02", "2026-10-06"], except: (1, 0))
            + [(Response("2026-09-30", 1, 0, 0, 0), 2), (Response("2026-10-03", 1, 0, 0, 2), 1), (Response("2026-10-06", 1, 0, 0, 1), 9)]
        let (tables, spans) = Self.tables(data)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(Self.problems(plan) == [])
        #expect(plan.primaryCount >= 3)  // W40's cell, September's and the third quarter's (2 each)
    }

    /// A topic with fewer responses than the minimum in the whole province in a week: its total
    /// can only move against another topic, because the period's total is published.
    @Test func aSmallProvinceTotalMovesAgainstAnotherTopic() throws {
        let data = Self.background(weeks: ["2026-11-03", "2026-11-10"]) + [(Response("2026-11-10", 2, 1, 1, 0), 3)]
        let (tables, spans) = Self.tables(data)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(Self.problems(plan) == [])
        #expect(plan.certificates.contains { $0.unit == nil && $0.group == nil && Set($0.atoms.map(\.topic)).count == 2 })
    }

    /// 0–6 responses per unit × topic × group and week, on random days and sentiments.
    static func randomSparse(from first: String, weeks: Int, _ generator: inout SeededGenerator) -> [(Response, Int)] {
        var data: [(Response, Int)] = []
        let start = LocalDate(iso: first) ?? LocalDate(dayNumber: 0)
        for week in 0..<weeks {
            for u in 0..<units.count {
                for t in 0..<topics.count {
                    for g in 0..<groups.count {
                        for _ in 0..<Int.random(in: 0...6, using: &generator) {
                            let day = start.adding(days: week * 7 + Int.random(in: 0..<7, using: &generator))
                            data.append((Response(day.description, u, t, g, Int.random(in: 0..<3, using: &generator)), 1))
                        }
                    }
                }
            }
        }
        return data
    }

    /// Random sparse data sets: every certificate checks out.
    @Test(arguments: 0..<6) func randomSparseDataSets(round: Int) throws {
        var generator = SeededGenerator.forTest("randomSparseDataSets(\(round))")
        let data = Self.randomSparse(from: "2026-08-24", weeks: 9, &generator)
        let (tables, spans) = Self.tables(data)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(Self.problems(plan) == [])
        #expect(plan.primaryCount > 20)
        // Certificates, not the fallback, protect nearly every primary.
        #expect(plan.fallbacks * 20 <= plan.primaryCount, "\(plan.fallbacks) fallbacks of \(plan.primaryCount)")
    }

    // MARK: Counts a reader knows on one side (provisional alarms)

    /// Every sentiment of every unit's and the province's topic totals bounded in the spans of
    /// one week, both ways (at least, or at most): the plans still protect every primary, and no
    /// certificate moves a bounded count toward its bound's side. The plan made without the bounds
    /// breaks them: the check can fail.
    @Test(arguments: [true, false]) func boundedCountsAreNeverMovedPastTheirBound(atLeast: Bool) throws {
        var generator = SeededGenerator.forTest("boundedCounts(\(atLeast))")
        let data = Self.randomSparse(from: "2026-08-24", weeks: 9, &generator)
        let (tables, spans) = Self.tables(data)
        let week = try #require(tables.firstIndex { $0.period.identifier == "2026-W37" })
        let bounds = (0..<Self.topics.count).flatMap { t in
            ([nil] + Self.units.indices.map(Optional.some)).flatMap { u in
                Self.sentiments.indices.map { LinkedProtection.Bound(topic: t, unit: u, sentiment: $0, atLeast: atLeast) }
            }
        }
        let bounded = spans.map { span in
            LinkedProtection.Span(tables: span.tables, counts: span.counts, knownTopics: span.knownTopics, bounds: span.tables.contains(week) ? bounds : [])
        }
        let plan = LinkedProtection(tables: tables, spans: bounded, minimum: 5)
        #expect(Self.problems(plan) == [])
        #expect(plan.primaryCount > 20)
        let free = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(Self.problems(free) == [])
        // The same certificates judged against the bounded spans: some move a bounded count.
        let judged = Self.problems(free, spans: bounded)
        #expect(judged.contains { $0.contains("past its bound") }, "\(judged.prefix(3))")
    }

    /// A lower bound on one unit's count of one sentiment in one week, against the plan without
    /// it: a certificate that would take that sentiment's answers out of the unit (to the small
    /// unit it protects) in that week is refused, and another protects the small unit.
    @Test func aSmallUnitIsNotProtectedByLoweringABoundedUnit() throws {
        // Unit 3 holds 3 answers of group 0 in week 46; units 0–2 hold 8 per sentiment and group.
        let data = Self.background(weeks: ["2026-11-10"], count: 12).filter { $0.0.unit != 3 }
            + [(Response("2026-11-10", 3, 0, 0, 2), 3)]
        let (tables, spans) = Self.tables(data)
        let free = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(Self.problems(free) == [])
        // Every unit's negative answers are known to be at least what they are.
        let bounds = (0..<3).map { LinkedProtection.Bound(topic: 0, unit: $0, sentiment: 2, atLeast: true) }
        let bounded = spans.map { LinkedProtection.Span(tables: $0.tables, counts: $0.counts, bounds: bounds) }
        #expect(!Self.problems(free, spans: bounded).isEmpty)
        let plan = LinkedProtection(tables: tables, spans: bounded, minimum: 5)
        #expect(Self.problems(plan) == [])
        #expect(plan.fallbacks == 0)
        // Unit 3's negatives still move both ways: one unit's total may rise into unit 3's fall.
        let unitTotal = plan.certificates.filter { $0.unit == 3 && $0.group == nil && $0.widensRange }
        #expect(!unitTotal.isEmpty)
    }

    /// One unit only: the small cell moves against another group of the unit (the province's
    /// group totals withheld too).
    @Test func withOneUnitTheCellMovesAgainstAnotherGroup() throws {
        let one = [SurveyUnit(code: "U0", name: "Đơn vị 0")]
        let data: [(Response, Int)] = [(Response("2026-11-10", 0, 0, 0, 0), 2), (Response("2026-11-10", 0, 0, 1, 0), 20), (Response("2026-11-10", 0, 1, 1, 1), 20)]
        let (tables, spans) = Self.tables(data, units: one)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(Self.problems(plan) == [])
        #expect(plan.fallbacks == 0)
        for index in tables.indices {
            #expect(plan.masks[plan.tables[index].maskOwner ?? index].isWithheld(topic: 0, unit: 0, group: 0) && plan.masks[plan.tables[index].maskOwner ?? index].isWithheld(topic: 0, unit: 0, group: 1))
            #expect(!plan.masks[plan.tables[index].maskOwner ?? index].isWithheld(topic: 0, unit: 0, group: nil))
        }
    }

    /// Nothing can move a small cell that is alone in its unit, group and sentiment: the topic is
    /// withheld around it in every table holding it.
    @Test func aCellNothingCanMoveHasItsTopicWithheld() throws {
        let one = [SurveyUnit(code: "U0", name: "Đơn vị 0")]
        let data: [(Response, Int)] = [(Response("2026-11-10", 0, 0, 0, 0), 2), (Response("2026-11-10", 0, 1, 1, 1), 20)]
        let (tables, spans) = Self.tables(data, units: one)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5)
        #expect(plan.fallbacks > 0)
        #expect(Self.problems(plan) == [])
        for index in tables.indices {
            for group in [nil, 0, 1, 2] { #expect(plan.masks[plan.tables[index].maskOwner ?? index].isWithheld(topic: 0, unit: 0, group: group)) }
        }
    }

    // MARK: Released tables (fixed masks)

    /// A plan over weeks 46 and 47 after week 46 was released alone: week 46's mask is kept
    /// exactly, and every certificate the new plan chooses still checks out.
    @Test func aReleasedWeekKeepsItsMaskWhenTheNextWeekArrives() throws {
        var generator = SeededGenerator.forTest("aReleasedWeekKeepsItsMask")
        var data: [(Response, Int)] = []
        for day in ["2026-11-10", "2026-11-17"] {
            for u in 0..<Self.units.count {
                for g in 0..<Self.groups.count {
                    data.append((Response(day, u, 0, g, Int.random(in: 0..<3, using: &generator)), Int.random(in: 0...7, using: &generator)))
                }
            }
        }
        let first = Self.tables(data.filter { $0.0.day == "2026-11-10" })
        let released = LinkedProtection(tables: first.tables, spans: first.spans, minimum: 5)
        let week46 = try #require(first.tables.firstIndex { $0.period.identifier == "2026-W46" })
        let (tables, spans) = Self.tables(data)
        let fixed = tables.map { table in table.period.identifier == "2026-W46" ? released.masks[week46] : nil }
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5, fixed: fixed)
        let index = try #require(tables.firstIndex { $0.period.identifier == "2026-W46" })
        #expect(plan.masks[index] == released.masks[week46])
        #expect(plan.unprotected == 0)
        #expect(Self.problems(plan) == [])
    }

    /// A table whose mask is fixed gets nothing withheld beyond it: a certificate that would need
    /// one of its published positions is not chosen; when nothing else can protect a primary,
    /// it is counted as unprotected instead of withholding a published position.
    @Test func nothingNewIsWithheldInAFixedTable() throws {
        let one = [SurveyUnit(code: "U0", name: "Đơn vị 0")]
        let data: [(Response, Int)] = [(Response("2026-11-10", 0, 0, 0, 0), 2), (Response("2026-11-10", 0, 1, 1, 1), 20)]
        let (tables, spans) = Self.tables(data, units: one)
        // Every table fixed with only the small cell withheld: the fallback cannot withhold the
        // rest of the topic.
        var only = ProtectionMask(topics: 2, units: 1, groups: 3)
        only.withhold(topic: 0, unit: 0, group: 0)
        let fixed: [ProtectionMask?] = tables.map { _ in only }
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5, fixed: fixed)
        for index in tables.indices { #expect(plan.masks[index] == fixed[index]) }
        #expect(plan.unprotected > 0)
        // A small position a fixed table publishes is listed as exposed.
        let open = LinkedProtection(tables: tables, spans: spans, minimum: 5, fixed: tables.map { _ in ProtectionMask(topics: 2, units: 1, groups: 3) })
        #expect(open.exposed.count >= tables.count)
        #expect(open.masks.allSatisfy { $0.count == 0 })
    }

    /// A fixed mask of other dimensions cannot be kept: the table is fixed with everything
    /// withheld (failing closed), never reshaped.
    @Test func aFixedMaskOfOtherDimensionsWithholdsEverything() throws {
        let data = Self.background(weeks: ["2026-11-10"])
        let (tables, spans) = Self.tables(data)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5, fixed: tables.map { _ in ProtectionMask(topics: 1, units: 1, groups: 1) })
        let positions = Self.topics.count * (Self.units.count + 1) * (Self.groups.count + 1)
        #expect(plan.masks.allSatisfy { $0.count == positions })
        #expect(plan.unprotected == 0)
    }
}
