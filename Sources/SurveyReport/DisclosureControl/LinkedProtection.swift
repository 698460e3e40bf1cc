import SurveyModel

// Disclosure control: the plan of linked tables and its certificates (docs/SUMMARIES.md,
// "Withheld cells"). The revision rule and the tables of versions are in
// SurveyPublisher/DisclosureControl/ (docs/ARCHITECTURE.md, "Where disclosure control lives").

/// Which positions of one period's tables are withheld: for every topic, the unit × group cells,
/// the unit totals, the province's group totals and the province total.
public struct ProtectionMask: Hashable, Sendable {
    public let topics: Int
    public let units: Int
    public let groups: Int
    private var bits: [Bool]

    /// A mask that withholds nothing.
    public init(topics: Int, units: Int, groups: Int) {
        self.topics = topics
        self.units = units
        self.groups = groups
        bits = Array(repeating: false, count: topics * (units + 1) * (groups + 1))
    }

    /// The flat index of a position: `unit == nil` is the province, `group == nil` all groups.
    func index(topic: Int, unit: Int?, group: Int?) -> Int? {
        let r = unit ?? units, c = group ?? groups
        guard (0..<topics).contains(topic), (0...units).contains(r), (0...groups).contains(c) else { return nil }
        return (topic * (units + 1) + r) * (groups + 1) + c
    }

    /// Whether a position is withheld (positions outside the table count as withheld).
    public func isWithheld(topic: Int, unit: Int?, group: Int?) -> Bool {
        guard let i = index(topic: topic, unit: unit, group: group) else { return true }
        return bits[i]
    }

    public mutating func withhold(topic: Int, unit: Int?, group: Int?) {
        guard let i = index(topic: topic, unit: unit, group: group) else { return }
        bits[i] = true
    }

    /// Whether `other` has the same topics, units and groups.
    public func hasSameShape(as other: ProtectionMask) -> Bool {
        topics == other.topics && units == other.units && groups == other.groups
    }

    /// Withheld positions.
    public var count: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The bits in a stable order, for digests.
    public var bytes: [UInt8] { bits.map { $0 ? 1 : 0 } }

    /// The single-table mask of ``SingleTablePlan`` for every topic of `cube`.
    public init(singleTable cube: TallyCube, minimum: Int) {
        self.init(topics: cube.topics.count, units: cube.units.count, groups: cube.groups.count)
        for t in 0..<topics {
            let plan = SingleTablePlan(
                counts: (0..<units).map { u in (0..<groups).map { g in cube.cell(unit: u, topic: t, group: g).reduce(0, +) } },
                minimum: minimum
            )
            for u in 0..<units {
                for g in 0..<groups where plan.cells[u][g] { withhold(topic: t, unit: u, group: g) }
                if plan.rowTotals[u] { withhold(topic: t, unit: u, group: nil) }
            }
            for g in 0..<groups where plan.columnTotals[g] { withhold(topic: t, unit: nil, group: g) }
            if plan.grandTotal { withhold(topic: t, unit: nil, group: nil) }
        }
    }
}

/// Withholding chosen for all published tables together (every period of every granularity),
/// so that a small group withheld in one table cannot be recovered from the others.
///
/// The tables are linked through their atoms: the counts of one unit × topic × group ×
/// sentiment in one tally span (a run of days inside one period of every granularity). A reader
/// who knows every published figure knows a set of linear equations on the atoms. A withheld
/// position with fewer responses than the minimum (a *primary*) is protected by a
/// ``Certificate``: a change of the atoms that keeps every published figure — it moves
/// responses around a rectangle of units and groups (or, for a province total, between two
/// topics), in one span `plus` and, in the opposite direction, in another span `minus` of a
/// period of the same granularity (for a survey round's table, ``RoundWindow``: a span outside
/// its window) — and touches only withheld positions; every shape keeps each table's total. Repeated while the atoms
/// stay non-negative, it shows the reader `up + down + 1` possible counts; the plan requires
/// `up + down ≥ minimum` for the count, and for every sentiment the primary holds a change of that
/// sentiment's count, so that none is pinned, also for a reader who knows the counts a round's
/// progress files publish (``Span/knownTopics``): where moving responses would change those, a
/// *sentiment swap* (``Atom/sentiment``) that keeps every count. A change never moves a count
/// a reader knows on one side (``Bound``) toward that side. Of the certificates that do, the
/// one withholding the fewest further responses is chosen (greedy, finest periods first).
///
/// Pure: the same tables give the same plan.
public struct LinkedProtection: Sendable {
    /// One published table and its counts: a version of a period, or the part of a version that
    /// arrived late (``maskOwner``).
    public struct Table: Sendable {
        /// The period; for a round's table, the week holding the round's first day (the round's
        /// own place is ``round``).
        public var period: Period
        public var cube: TallyCube
        /// For a survey round's results: the round, which is a granularity of its own.
        public var round: RoundWindow?
        /// The table whose positions this one's are (nil: its own): the late part of a version is
        /// not published, but a reader learns it where the version and the earlier tables holding
        /// the rest are shown, so it is withheld where that version withholds it.
        public var maskOwner: Int?
        /// Whether this is the period's current version (certificates reach to the spans of
        /// neighbouring periods through their current versions); false for earlier versions and
        /// late parts.
        public var isCurrent: Bool
        public init(period: Period, cube: TallyCube, maskOwner: Int? = nil, isCurrent: Bool = true) {
            self.period = period
            self.cube = cube
            self.maskOwner = maskOwner
            self.isCurrent = isCurrent
        }

        /// A round's table: `cube` holds the responses of the round's `topics` collected in its
        /// window (zero elsewhere), drawn from spans cut at the window's ends.
        public init(round: RoundWindow, cube: TallyCube, maskOwner: Int? = nil, isCurrent: Bool = true) {
            self.init(period: Period.containing(round.from, kind: .week), cube: cube, maskOwner: maskOwner, isCurrent: isCurrent)
            self.round = round
        }
    }

    /// A survey round's window as a table of the plan: its results show only its topics, over
    /// the days `from`…`to`, which may cut weeks and months anywhere. The spans it holds are those
    /// days' (the publication cuts its spans at the window's ends).
    public struct RoundWindow: Sendable, Hashable {
        /// The round's code, which names its versions.
        public var code: String
        public var from: LocalDate
        public var to: LocalDate
        /// The cube's topic indices the results show; the others are withheld from the start.
        public var topics: Set<Int>

        public init(code: String, from: LocalDate, to: LocalDate, topics: Set<Int>) {
            self.code = code
            self.from = from
            self.to = to
            self.topics = topics
        }
    }

    /// The place of a table among its granularity's current tables: a period, or a round.
    private enum Slot: Hashable {
        case period(Period)
        case round(String)
    }

    /// One tally span (or one slice of it: the responses that arrived between two releases): the
    /// tables holding it, and its counts in ``TallyCube`` layout (what certificates may draw on).
    public struct Span: Sendable {
        public var tables: [Int]
        public var counts: [Int]
        /// The topics whose counts per unit × group a reader knows here without the sentiments
        /// (a survey round's progress files count its topics' responses in its window): a change
        /// that moves responses of these topics in this span is no proof about their sentiments.
        public var knownTopics: Set<Int>
        /// What a reader knows here of a sentiment's count on one side (``Bound``): no change may
        /// move it past the bound's side.
        public var bounds: [Bound]
        public init(tables: [Int], counts: [Int], knownTopics: Set<Int> = [], bounds: [Bound] = []) {
            self.tables = tables
            self.counts = counts
            self.knownTopics = knownTopics
            self.bounds = bounds
        }
    }

    /// A reader's one-sided knowledge of one sentiment's count, summed over the groups of a unit
    /// (or over the province) and a topic, in the spans that carry it. A provisional alarm on a
    /// week's first days tells its reader that a count there reached a threshold (at least, for a
    /// share watched for a rise) or stayed under one (at most, for a share watched for a fall).
    /// Treated conservatively: a change may not move such a count at all toward the bound's side
    /// in a span carrying it, whatever its distance from the threshold.
    public struct Bound: Hashable, Sendable {
        public var topic: Int
        /// The unit; nil: the province (every unit).
        public var unit: Int?
        public var sentiment: Int
        /// true: the reader knows the count is at least something (it may not fall); false: at
        /// most something (it may not rise).
        public var atLeast: Bool

        public init(topic: Int, unit: Int?, sentiment: Int, atLeast: Bool) {
            self.topic = topic
            self.unit = unit
            self.sentiment = sentiment
            self.atLeast = atLeast
        }

        /// How a change, its atoms' signs times `sign` in a span, moves the bounded count there: an
        /// atom moves its own sentiment, or (a change of responses) the one it is applied to.
        func net(_ atoms: [Atom], sign: Int, applied: Int?) -> Int {
            var sum = 0
            for atom in atoms where atom.topic == topic && (unit == nil || unit == atom.unit) && (atom.sentiment ?? applied) == sentiment {
                sum += atom.sign * sign
            }
            return sum
        }

        /// Whether moving the count by `delta` crosses to the bound's side.
        func forbids(_ delta: Int) -> Bool {
            atLeast ? delta < 0 : delta > 0
        }
    }

    /// One atom of a certificate: a unit × topic × group cell, with the sign of the change in
    /// span `plus` (the opposite in span `minus`). With `sentiment` nil the change moves a
    /// response of whichever sentiment; with a sentiment, only that sentiment's count (a
    /// *sentiment swap*: its atoms keep every cell's count and change only how its respondents
    /// answered).
    public struct Atom: Hashable, Sendable {
        public var topic: Int
        public var unit: Int
        public var group: Int
        public var sign: Int
        public var sentiment: Int? = nil
    }

    /// A change of the atoms that keeps every published figure and moves a primary position.
    public struct Certificate: Hashable, Sendable {
        /// The primary: table, topic, unit (nil: province) and group (nil: all groups).
        public var table: Int
        public var topic: Int
        public var unit: Int?
        public var group: Int?
        public var atoms: [Atom]
        public var plus: Int
        public var minus: Int?
        /// Per sentiment: how far the primary can rise and fall by repeating the change.
        public var up: [Int]
        public var down: [Int]
        /// Whether it counts toward the primary's range: such changes of one primary draw on
        /// disjoint atoms, so their capacities add up. (The others only move a sentiment.)
        public var widensRange: Bool
        /// Whether it moves only sentiments (every cell keeps its count in every span).
        public var isSwap: Bool { atoms.contains { $0.sentiment != nil } }
    }

    public let minimum: Int
    public let tables: [Table]
    public let spans: [Span]
    /// One mask per table.
    public private(set) var masks: [ProtectionMask]
    public private(set) var certificates: [Certificate] = []
    /// Positions withheld because they are small, and the others withheld to protect them.
    public private(set) var primaryCount = 0
    public private(set) var complementaryCount = 0
    /// Primaries no certificate could protect: everything of their topic in every table that
    /// holds their responses was withheld instead (for a round's primary, in the round's table).
    public var fallbacks: Int { fallbackPrimaries.count }
    /// Those primaries: table, topic, unit (nil: province), group (nil: all groups).
    public private(set) var fallbackPrimaries: [(table: Int, topic: Int, unit: Int?, group: Int?)] = []
    /// Primaries left unprotected because protecting them would withhold a position a fixed table
    /// already publishes: 0 unless the minimum was raised after tables were released, or a change
    /// to released tables is being tried.
    public private(set) var unprotected = 0
    /// Small positions a fixed table publishes (released under a smaller minimum, or made small
    /// by a change being tried): table, topic, unit (nil: province), group (nil: all groups).
    public private(set) var exposed: [(table: Int, topic: Int, unit: Int?, group: Int?)] = []
    /// Per table, the mask it must keep (a released table: withholds exactly this), or nil.
    public let fixed: [ProtectionMask?]

    private let units: Int, topics: Int, groups: Int, sentiments: Int
    /// Positions of topics the rounds' tables do not show (withheld from the start).
    private var unshown = 0
    /// Responses per position per table.
    private var totals: [[Int]] = []
    private var spansOfTable: [[Int]] = []
    /// Per span, the tables holding its positions (``owner(_:)``), in order, each once.
    private var spanOwners: [[Int]] = []
    /// Responses per position per span.
    private var spanTotals: [[Int]] = []
    /// For each granularity, its periods' current tables in order, and each table's place among
    /// them (nil: no current table of its period).
    private var siblings: [[Int]] = []
    private var place: [(kind: Int, index: Int)?] = []
    /// Per round table, the current weeks holding its window's spans and one on each side, in
    /// order: their spans outside the window are where a certificate may move its responses to.
    private var roundWeeks: [[Int]] = []
    /// Every table in the order primaries are protected: finest granularity first, then by
    /// period; a period's current version, then its late parts and earlier versions.
    private var order: [Int] = []

    /// How many neighbouring periods of the same granularity a certificate may reach to.
    static let reach = 3

    /// `fixed[i]`, when given, is what table `i` already withholds for good (a released period):
    /// it stays withheld, and nothing else of that table may be withheld. A span's counts are the
    /// capacities certificates draw on; the tables' counts decide the primaries and the cost.
    public init(tables: [Table], spans: [Span], minimum: Int, fixed: [ProtectionMask?] = []) {
        self.tables = tables
        self.minimum = minimum
        let first = tables.first?.cube
        // A span must name a table of each granularity and hold a whole cube.
        let size = tables.first?.cube.counts.count ?? 0
        self.spans = spans.filter { span in span.counts.count == size && span.tables.allSatisfy(tables.indices.contains) }.map { span in
            // Tables in order, each once: ``touched(plus:minus:)`` merges them.
            Span(tables: Array(Set(span.tables)).sorted(), counts: span.counts, knownTopics: span.knownTopics, bounds: span.bounds)
        }
        units = first?.units.count ?? 0
        topics = first?.topics.count ?? 0
        groups = first?.groups.count ?? 0
        sentiments = first?.sentiments.count ?? 0
        let blank = ProtectionMask(topics: first?.topics.count ?? 0, units: first?.units.count ?? 0, groups: first?.groups.count ?? 0)
        // A fixed mask of other dimensions cannot be kept: such a table is treated as fixed with
        // everything withheld (never publishing what it may have withheld).
        var everything = blank
        for t in 0..<everything.topics {
            for r in 0...everything.units {
                for c in 0...everything.groups { everything.withhold(topic: t, unit: r == everything.units ? nil : r, group: c == everything.groups ? nil : c) }
            }
        }
        let kept: [ProtectionMask?] = tables.indices.map { i in
            guard tables[i].maskOwner == nil else { return nil }
            return fixed.indices.contains(i) ? fixed[i].map { $0.hasSameShape(as: blank) ? $0 : everything } : nil
        }
        self.fixed = kept
        // A round's table shows only its topics: the others are withheld from the start (its cube
        // holds nothing there, so no certificate pays for them), also in a fixed mask of a round
        // (a mask recorded without them would refuse every change touching them). They are not
        // counted as complementary.
        masks = tables.indices.map { i in
            guard let round = tables[i].round else { return kept[i] ?? blank }
            var mask = kept[i] ?? blank
            for t in 0..<blank.topics where !round.topics.contains(t) {
                for r in 0...blank.units {
                    for c in 0...blank.groups { mask.withhold(topic: t, unit: r == blank.units ? nil : r, group: c == blank.groups ? nil : c) }
                }
            }
            return mask
        }
        unshown = tables.reduce(0) { sum, table in
            sum + (table.round.map { round in (0..<blank.topics).filter { !round.topics.contains($0) }.count * (blank.units + 1) * (blank.groups + 1) } ?? 0)
        }
        guard units > 0, topics > 0, groups > 0, sentiments > 0,
              tables.allSatisfy({ $0.cube.counts.count == units * topics * groups * sentiments }),
              tables.allSatisfy({ table in table.maskOwner.map { tables.indices.contains($0) && tables[$0].maskOwner == nil } ?? true })
        else { return }
        prepare()
        protect()
    }

    // MARK: Preparation

    private func extendedIndex(_ t: Int, _ r: Int, _ c: Int) -> Int {
        (t * (units + 1) + r) * (groups + 1) + c
    }

    /// Responses per position (``extendedIndex(_:_:_:)``) of counts in ``TallyCube`` layout.
    private func positionTotals(_ counts: [Int]) -> [Int] {
        var total = Array(repeating: 0, count: topics * (units + 1) * (groups + 1))
        for u in 0..<units {
            for t in 0..<topics {
                for g in 0..<groups {
                    let start = ((u * topics + t) * groups + g) * sentiments
                    let v = counts[start..<start + sentiments].reduce(0, +)
                    guard v != 0 else { continue }
                    for position in [extendedIndex(t, u, g), extendedIndex(t, units, g), extendedIndex(t, u, groups), extendedIndex(t, units, groups)] {
                        total[position] += v
                    }
                }
            }
        }
        return total
    }

    private mutating func prepare() {
        totals = tables.map { positionTotals($0.cube.counts) }
        spanTotals = spans.map { positionTotals($0.counts) }
        spanOwners = spans.map { Array(Set($0.tables.map(owner))).sorted() }
        spansOfTable = tables.map { _ in [] }
        for (index, span) in spans.enumerated() {
            for table in span.tables where spansOfTable.indices.contains(table) { spansOfTable[table].append(index) }
        }
        // Rounds are a granularity of their own, after the periods', in the order of their windows.
        var byKind: [PeriodKind: [Int]] = [:]
        var rounds: [Int] = []
        for (index, table) in tables.enumerated() where table.isCurrent && table.maskOwner == nil {
            if table.round != nil { rounds.append(index) } else { byKind[table.period.kind, default: []].append(index) }
        }
        let kinds = byKind.keys.sorted()
        siblings = kinds.map { kind in (byKind[kind] ?? []).sorted { tables[$0].period < tables[$1].period } }
        if !rounds.isEmpty { siblings.append(rounds.sorted { roundOrder(tables[$0]) < roundOrder(tables[$1]) }) }
        var placeOfSlot: [Slot: (kind: Int, index: Int)] = [:]
        for (k, list) in siblings.enumerated() {
            for (i, table) in list.enumerated() { placeOfSlot[slot(tables[table])] = (k, i) }
        }
        place = tables.map { placeOfSlot[slot($0)] }
        roundWeeks = tables.indices.map { _ in [] }
        if let weeks = kinds.firstIndex(of: .week) {
            for (index, table) in tables.enumerated() where table.round != nil {
                // The weeks holding the round's spans, and one on each side.
                let held = Set(spansOfTable[index].flatMap { span in spans[span].tables.filter { weekly in siblings[weeks].contains(weekly) } })
                let places = held.compactMap { place[$0]?.index }
                guard let first = places.min(), let last = places.max() else { continue }
                roundWeeks[index] = Array(siblings[weeks][max(0, first - 1)...min(siblings[weeks].count - 1, last + 1)])
            }
        }
        func rank(_ t: Int) -> Int { tables[t].isCurrent ? (tables[t].maskOwner == nil ? 0 : 1) : 2 }
        order = tables.indices.sorted { a, b in
            let (x, y) = (tables[a], tables[b])
            if (x.round == nil) != (y.round == nil) { return x.round == nil }
            if x.round != nil, roundOrder(x) != roundOrder(y) { return roundOrder(x) < roundOrder(y) }
            if x.round == nil, x.period.kind != y.period.kind { return x.period.kind < y.period.kind }
            if x.round == nil, x.period != y.period { return x.period < y.period }
            if rank(a) != rank(b) { return rank(a) < rank(b) }
            return a < b
        }
    }

    private func slot(_ table: Table) -> Slot {
        table.round.map { .round($0.code) } ?? .period(table.period)
    }

    private func roundOrder(_ table: Table) -> (Int, Int, String) {
        (table.round?.from.dayNumber ?? 0, table.round?.to.dayNumber ?? 0, table.round?.code ?? "")
    }

    /// The table whose mask holds table `t`'s positions.
    private func owner(_ t: Int) -> Int { tables[t].maskOwner ?? t }

    /// The atom count of one unit × topic × group × sentiment in a span.
    private func mass(_ span: Int, _ t: Int, _ u: Int, _ g: Int, _ s: Int) -> Int {
        let counts = spans[span].counts
        let i = ((u * topics + t) * groups + g) * sentiments + s
        return counts.indices.contains(i) ? counts[i] : 0
    }

    /// Responses of a position (unit nil: all units; group nil: all groups) in a span.
    private func mass(_ span: Int, _ t: Int, _ unit: Int?, _ group: Int?) -> Int {
        spanTotals[span][extendedIndex(t, unit ?? units, group ?? groups)]
    }

    // MARK: Protection

    private struct Primary {
        var table: Int
        var topic: Int
        var unit: Int?
        var group: Int?
    }

    private mutating func protect() {
        var primaries: [Primary] = []
        var primaryPositions = Set<Int>()
        for table in order {
            let mine = owner(table)
            for t in 0..<topics {
                for r in 0...units {
                    for c in 0...groups {
                        let n = totals[table][extendedIndex(t, r, c)]
                        guard n > 0, n < minimum else { continue }
                        let unit = r == units ? nil : r, group = c == groups ? nil : c
                        if fixed[mine] != nil, !masks[mine].isWithheld(topic: t, unit: unit, group: group) {
                            // Published already: nothing to protect.
                            exposed.append((table, t, unit, group))
                            continue
                        }
                        masks[mine].withhold(topic: t, unit: unit, group: group)
                        primaryPositions.insert(mine * (topics * (units + 1) * (groups + 1)) + extendedIndex(t, r, c))
                        primaries.append(Primary(table: table, topic: t, unit: unit, group: group))
                    }
                }
            }
        }
        primaryCount = primaryPositions.count
        // The candidate changes of a cell or a total depend only on its position (those of a
        // province total also on its table): made once per position.
        var shapesOf: [Int: [Shape]] = [:]
        for primary in primaries {
            if primary.unit == nil, primary.group == nil {
                protect(primary, shapes: shapes(for: primary))
                continue
            }
            let key = extendedIndex(primary.topic, primary.unit ?? units, primary.group ?? groups)
            let shapes = shapesOf[key] ?? shapes(for: primary)
            shapesOf[key] = shapes
            protect(primary, shapes: shapes)
        }
        complementaryCount = masks.reduce(0) { $0 + $1.count } - primaryCount - unshown
    }

    /// A candidate change: its atoms and the positions (topic, row, column) it moves.
    private struct Shape {
        var atoms: [Atom]
        var positions: [(topic: Int, row: Int, column: Int)]
        /// The topics of its atoms.
        var topics: Set<Int>
        /// For a sentiment swap, how one change moves each sentiment of its primary (nil: a change
        /// that moves responses).
        var swing: [Int]?
    }

    /// A change from its atoms: the positions whose count (or, for a swap, a sentiment's count)
    /// it moves.
    private func shape(_ atoms: [Atom], swing: [Int]? = nil) -> Shape {
        var net: [Int: Int] = [:]
        for atom in atoms {
            for (r, c) in [(atom.unit, atom.group), (units, atom.group), (atom.unit, groups), (units, groups)] {
                net[extendedIndex(atom.topic, r, c) * (sentiments + 1) + (atom.sentiment ?? sentiments), default: 0] += atom.sign
            }
        }
        let moved = Set(net.filter { $0.value != 0 }.keys.map { $0 / (sentiments + 1) })
        let positions = moved.sorted().map { index in
            (topic: index / ((units + 1) * (groups + 1)), row: index / (groups + 1) % (units + 1), column: index % (groups + 1))
        }
        return Shape(atoms: atoms, positions: positions, topics: Set(atoms.map(\.topic)), swing: swing)
    }

    private func shapes(for primary: Primary) -> [Shape] {
        let t = primary.topic
        var result: [Shape] = []
        switch (primary.unit, primary.group) {
        case let (u?, g?):
            // A rectangle of units and groups moves no total; a pair of units in the group (or of
            // groups in the unit) moves two unit (group) totals, which suits a table with one
            // group (or one unit).
            for u2 in 0..<units where u2 != u {
                for g2 in 0..<groups where g2 != g {
                    result.append(shape([.init(topic: t, unit: u, group: g, sign: 1), .init(topic: t, unit: u2, group: g, sign: -1),
                                         .init(topic: t, unit: u, group: g2, sign: -1), .init(topic: t, unit: u2, group: g2, sign: 1)]))
                }
                result.append(shape([.init(topic: t, unit: u, group: g, sign: 1), .init(topic: t, unit: u2, group: g, sign: -1)]))
            }
            for g2 in 0..<groups where g2 != g {
                result.append(shape([.init(topic: t, unit: u, group: g, sign: 1), .init(topic: t, unit: u, group: g2, sign: -1)]))
            }
        case let (u?, nil):
            for g in 0..<groups {
                for u2 in 0..<units where u2 != u {
                    result.append(shape([.init(topic: t, unit: u, group: g, sign: 1), .init(topic: t, unit: u2, group: g, sign: -1)]))
                }
            }
        case let (nil, g?):
            for u in 0..<units {
                for g2 in 0..<groups where g2 != g {
                    result.append(shape([.init(topic: t, unit: u, group: g, sign: 1), .init(topic: t, unit: u, group: g2, sign: -1)]))
                }
            }
        case (nil, nil):
            // The province total of a topic moves only against another topic (the period's total
            // of responses is published).
            let held = totals[primary.table]
            for u in 0..<units {
                for g in 0..<groups where held[extendedIndex(t, u, g)] > 0 {
                    for (t2, u2, g2) in largestCells(besides: t, in: primary.table) {
                        result.append(shape([.init(topic: t, unit: u, group: g, sign: 1), .init(topic: t2, unit: u2, group: g2, sign: -1)]))
                    }
                }
            }
        }
        // (A cell alone moved across a round's window would change the round's published total
        // of responses: every shape keeps each table's total.)
        return result
    }

    /// Of every topic but `topic`, its largest cell in `table` (topic, unit, group).
    private func largestCells(besides topic: Int, in table: Int) -> [(Int, Int, Int)] {
        let held = totals[table]
        return (0..<topics).filter { $0 != topic }.compactMap { t2 -> (Int, Int, Int)? in
            var best: (Int, Int, Int)?
            var most = 0
            for u2 in 0..<units {
                for g2 in 0..<groups where held[extendedIndex(t2, u2, g2)] > most {
                    most = held[extendedIndex(t2, u2, g2)]
                    best = (t2, u2, g2)
                }
            }
            return best
        }
    }

    /// The sentiment swaps that move a primary: one respondent's answer changed from sentiment
    /// `b` to `a` in one cell, and the opposite elsewhere so that the published totals keep their
    /// sentiments: around a rectangle of units and groups (moving no total), against another unit
    /// of the group (moving two unit totals) or another group of the unit (two group totals); for a
    /// province total, against a cell of another topic; or alone, against the opposite swap in
    /// span `minus`. Every cell keeps its count in every span, so these are proofs also for a
    /// reader who knows every count (``Span/knownTopics``).
    private func swapShapes(for primary: Primary) -> [Shape] {
        let t = primary.topic
        var result: [Shape] = []
        for a in 0..<sentiments {
            for b in (a + 1)..<max(a + 1, sentiments) {
                func swap(_ topic: Int, _ unit: Int, _ group: Int, _ sign: Int) -> [Atom] {
                    [.init(topic: topic, unit: unit, group: group, sign: sign, sentiment: a), .init(topic: topic, unit: unit, group: group, sign: -sign, sentiment: b)]
                }
                var swing = Array(repeating: 0, count: sentiments)
                swing[a] = 1
                swing[b] = -1
                func add(_ atoms: [Atom]) { result.append(shape(atoms, swing: swing)) }
                switch (primary.unit, primary.group) {
                case let (u?, g?):
                    for u2 in 0..<units where u2 != u {
                        for g2 in 0..<groups where g2 != g {
                            add(swap(t, u, g, 1) + swap(t, u2, g, -1) + swap(t, u, g2, -1) + swap(t, u2, g2, 1))
                        }
                        add(swap(t, u, g, 1) + swap(t, u2, g, -1))
                    }
                    for g2 in 0..<groups where g2 != g { add(swap(t, u, g, 1) + swap(t, u, g2, -1)) }
                    add(swap(t, u, g, 1))
                case let (u?, nil):
                    for g in 0..<groups {
                        for u2 in 0..<units where u2 != u { add(swap(t, u, g, 1) + swap(t, u2, g, -1)) }
                        add(swap(t, u, g, 1))
                    }
                case let (nil, g?):
                    for u in 0..<units {
                        for g2 in 0..<groups where g2 != g { add(swap(t, u, g, 1) + swap(t, u, g2, -1)) }
                        add(swap(t, u, g, 1))
                    }
                case (nil, nil):
                    let held = totals[primary.table]
                    let partners = largestCells(besides: t, in: primary.table)
                    for u in 0..<units {
                        for g in 0..<groups where held[extendedIndex(t, u, g)] > 0 {
                            for (t2, u2, g2) in partners { add(swap(t, u, g, 1) + swap(t2, u2, g2, -1)) }
                            add(swap(t, u, g, 1))
                        }
                    }
                }
            }
        }
        return result
    }

    /// Whether a change proves something also to a reader who knows the counts of
    /// ``Span/knownTopics``: a swap, or a change whose spans hold none of its topics' known counts.
    private func keepsKnownCounts(_ shape: Shape, plus: Int, minus: Int?) -> Bool {
        guard shape.swing == nil else { return true }
        return spans[plus].knownTopics.isDisjoint(with: shape.topics) && (minus.map { spans[$0].knownTopics.isDisjoint(with: shape.topics) } ?? true)
    }

    /// The tables whose figures a change in span `plus` (and the opposite in `minus`) moves: those
    /// holding one of the two spans but not the other, as the tables holding their positions
    /// (``owner(_:)``), each once.
    private func touched(plus: Int, minus: Int?) -> [Int] {
        guard let minus else { return spanOwners[plus] }
        // The symmetric difference of two ordered lists.
        let a = spans[plus].tables, b = spans[minus].tables
        var result: [Int] = []
        var i = 0, j = 0
        var owned = false
        while i < a.count || j < b.count {
            let next: Int
            if j == b.count || (i < a.count && a[i] < b[j]) {
                next = a[i]
                i += 1
            } else if i == a.count || b[j] < a[i] {
                next = b[j]
                j += 1
            } else {
                i += 1
                j += 1
                continue
            }
            if tables[next].maskOwner != nil { owned = true }
            result.append(owner(next))
        }
        return owned ? Array(Set(result)).sorted() : result
    }

    /// Smaller is better: completes the range (0) or not (1), minus the capacity, responses newly
    /// withheld, positions newly withheld.
    private typealias Rank = (Int, Int, Int, Int)

    private struct Choice {
        var shape: Shape
        var plus: Int
        var minus: Int?
        var tables: [Int]
        var up: [Int]
        var down: [Int]
        var cost: Int
        var newly: Int
    }

    /// The key of one atom of one sentiment in one span.
    private func key(_ span: Int, _ atom: Atom, _ s: Int) -> Int {
        (span * units * topics * groups + (atom.unit * topics + atom.topic) * groups + atom.group) * sentiments + s
    }

    /// How far the primary can rise (`up`) and fall (`down`) per sentiment by repeating the
    /// change, not counting atoms another chosen change already draws on (`used`), so that the
    /// capacities of the chosen changes add up. Written into `up` and `down`.
    private func capacity(_ shape: Shape, plus: Int, minus: Int?, used: Set<Int>, up: inout [Int], down: inout [Int]) {
        let bounded = !spans[plus].bounds.isEmpty || (minus.map { !spans[$0].bounds.isEmpty } ?? false)
        if let swing = shape.swing {
            // A swap: `forward` repeats it, `backward` undoes it; each atom has its sentiment.
            var forward = Int.max, backward = Int.max
            for atom in shape.atoms {
                let s = atom.sentiment ?? 0
                for (span, sign) in [(plus, atom.sign)] + (minus.map { [($0, -atom.sign)] } ?? []) {
                    let m = used.isEmpty || !used.contains(key(span, atom, s)) ? mass(span, atom.topic, atom.unit, atom.group, s) : 0
                    if sign < 0 { forward = min(forward, m) } else { backward = min(backward, m) }
                }
            }
            forward = forward == Int.max ? 0 : forward
            backward = backward == Int.max ? 0 : backward
            if bounded, forward > 0, crossesBound(shape, plus: plus, minus: minus, direction: 1, sentiment: nil) { forward = 0 }
            if bounded, backward > 0, crossesBound(shape, plus: plus, minus: minus, direction: -1, sentiment: nil) { backward = 0 }
            for s in 0..<sentiments {
                let d = swing.indices.contains(s) ? swing[s] : 0
                up[s] = d > 0 ? forward : d < 0 ? backward : 0
                down[s] = d > 0 ? backward : d < 0 ? forward : 0
            }
            return
        }
        for s in 0..<sentiments {
            var rise = Int.max, fall = Int.max
            for atom in shape.atoms {
                let m = used.isEmpty || !used.contains(key(plus, atom, s)) ? mass(plus, atom.topic, atom.unit, atom.group, s) : 0
                if atom.sign < 0 { rise = min(rise, m) } else { fall = min(fall, m) }
                if let minus {
                    let m = used.isEmpty || !used.contains(key(minus, atom, s)) ? mass(minus, atom.topic, atom.unit, atom.group, s) : 0
                    if atom.sign > 0 { rise = min(rise, m) } else { fall = min(fall, m) }
                }
            }
            up[s] = rise == Int.max ? 0 : rise
            down[s] = fall == Int.max ? 0 : fall
            guard bounded else { continue }
            if up[s] > 0, crossesBound(shape, plus: plus, minus: minus, direction: 1, sentiment: s) { up[s] = 0 }
            if down[s] > 0, crossesBound(shape, plus: plus, minus: minus, direction: -1, sentiment: s) { down[s] = 0 }
        }
    }

    /// Whether applying a change once (`direction` 1: as written, the primary rising; -1: undone)
    /// moves a count a reader knows on one side (``Span/bounds``) toward that side in `plus` or
    /// `minus`. `sentiment` is the one a change of responses is applied to (nil for a swap, whose
    /// atoms carry theirs).
    /// (In the capacities' loop: nothing allocated, and nothing done where no span has a bound.)
    private func crossesBound(_ shape: Shape, plus: Int, minus: Int?, direction: Int, sentiment: Int?) -> Bool {
        for bound in spans[plus].bounds where bound.forbids(bound.net(shape.atoms, sign: direction, applied: sentiment)) {
            return true
        }
        guard let minus else { return false }
        for bound in spans[minus].bounds where bound.forbids(bound.net(shape.atoms, sign: -direction, applied: sentiment)) {
            return true
        }
        return false
    }

    /// The atoms a change draws on: per sentiment, those it takes from when the primary rises
    /// (if it can) and when it falls.
    private func drawn(_ choice: Choice) -> Set<Int> {
        var result = Set<Int>()
        for s in 0..<sentiments {
            for atom in choice.shape.atoms {
                for (span, sign) in [(choice.plus, atom.sign)] + (choice.minus.map { [($0, -atom.sign)] } ?? []) {
                    if (sign < 0 && choice.up[s] > 0) || (sign > 0 && choice.down[s] > 0) { result.insert(key(span, atom, s)) }
                }
            }
        }
        return result
    }

    /// The responses and positions a change newly withholds; nil when it would withhold a
    /// position of a fixed table.
    /// A round's primary never withholds in a period's table: a round costs the periods nothing.
    private func cost(_ shape: Shape, tables touchedTables: [Int], forRound: Bool) -> (cost: Int, newly: Int)? {
        var cost = 0, newly = 0
        for table in touchedTables {
            for p in shape.positions {
                let unit = p.row == units ? nil : p.row, group = p.column == groups ? nil : p.column
                guard !masks[table].isWithheld(topic: p.topic, unit: unit, group: group) else { continue }
                guard fixed[table] == nil, !forRound || tables[table].round != nil else { return nil }
                cost += totals[table][extendedIndex(p.topic, p.row, p.column)]
                newly += 1
            }
        }
        return (cost, newly)
    }

    /// The best change by `rank` (smaller first; nil: not acceptable); `good` ends the search at
    /// once. The opposite move goes in a span of a period of the same granularity at most
    /// ``reach`` away, or nowhere.
    private func best(
        _ primary: Primary, shapes: [Shape], used: Set<Int>, keepingKnownCounts: Bool = false,
        rank: (_ up: [Int], _ down: [Int], _ cost: Int, _ newly: Int) -> Rank?, good: (Rank) -> Bool
    ) -> Choice? {
        var partners: [Int?] = [nil]
        if let (k, i) = place[primary.table] {
            let own = siblings[k]
            for j in max(0, i - Self.reach)...min(own.count - 1, i + Self.reach) where j != i {
                partners += spansOfTable[own[j]].map { Optional($0) }
            }
        }
        if tables[primary.table].round != nil {
            // The spans of the weeks around the window that lie outside it (the rest of a week it
            // cuts shares its week, and its month unless the week straddles two, with the part
            // inside), then those of the other rounds; the cheapest is chosen.
            let own = owner(primary.table)
            let outside = { (span: Int) in !self.spans[span].tables.contains { self.owner($0) == own } }
            let around = roundWeeks[primary.table].flatMap { spansOfTable[$0] }.filter(outside)
            partners = [nil] + around.map { Optional($0) } + partners.dropFirst().filter { $0.map(outside) ?? false }
        }
        var best: (choice: Choice, rank: Rank)?
        var up = Array(repeating: 0, count: sentiments), down = Array(repeating: 0, count: sentiments)
        let forRound = tables[primary.table].round != nil
        for plus in spansOfTable[primary.table] where mass(plus, primary.topic, primary.unit, primary.group) > 0 {
            for minus in partners {
                let touchedTables = touched(plus: plus, minus: minus)
                for shape in shapes {
                    if keepingKnownCounts, !keepsKnownCounts(shape, plus: plus, minus: minus) { continue }
                    capacity(shape, plus: plus, minus: minus, used: used, up: &up, down: &down)
                    guard up.contains(where: { $0 > 0 }) || down.contains(where: { $0 > 0 }) else { continue }
                    guard let (cost, newly) = cost(shape, tables: touchedTables, forRound: forRound) else { continue }
                    guard let key = rank(up, down, cost, newly) else { continue }
                    if let best, best.rank <= key { continue }
                    best = (Choice(shape: shape, plus: plus, minus: minus, tables: touchedTables, up: up, down: down, cost: cost, newly: newly), key)
                    if good(key) { return best?.choice }
                }
            }
        }
        return best?.choice
    }

    private mutating func apply(_ choice: Choice, for primary: Primary, widensRange: Bool) {
        for table in choice.tables {
            for p in choice.shape.positions {
                masks[table].withhold(topic: p.topic, unit: p.row == units ? nil : p.row, group: p.column == groups ? nil : p.column)
            }
        }
        certificates.append(Certificate(
            table: primary.table, topic: primary.topic, unit: primary.unit, group: primary.group,
            atoms: choice.shape.atoms, plus: choice.plus, minus: choice.minus, up: choice.up, down: choice.down, widensRange: widensRange
        ))
    }

    /// Changes are chosen until their capacities add up to the minimum: each time the cheapest
    /// that completes it, else the one adding most (then the cheapest); then, for each sentiment
    /// the primary holds that none of them moves in a way that keeps the counts a reader knows
    /// (``Span/knownTopics``), the cheapest change that does (a sentiment swap if need be).
    private mutating func protect(_ primary: Primary, shapes: [Shape]) {
        var used = Set<Int>()
        var gathered = 0
        var moved = Set<Int>()
        while gathered < minimum {
            let needed = minimum - gathered
            guard let choice = best(primary, shapes: shapes, used: used, rank: { up, down, cost, newly in
                let capacity = up.reduce(0, +) + down.reduce(0, +)
                return capacity >= needed ? (0, 0, cost, newly) : (1, -capacity, cost, newly)
            }, good: { $0 == (0, 0, 0, 0) }) else {
                fallBack(primary)
                return
            }
            apply(choice, for: primary, widensRange: true)
            used.formUnion(drawn(choice))
            gathered += choice.up.reduce(0, +) + choice.down.reduce(0, +)
            guard keepsKnownCounts(choice.shape, plus: choice.plus, minus: choice.minus) else { continue }
            for s in 0..<sentiments where choice.up[s] + choice.down[s] > 0 { moved.insert(s) }
        }
        let cube = tables[primary.table].cube
        let held = (0..<sentiments).map { s in
            var sum = 0
            for u in primary.unit.map({ $0...$0 }) ?? 0...(units - 1) {
                for g in primary.group.map({ $0...$0 }) ?? 0...(groups - 1) { sum += cube[u, primary.topic, g, s] }
            }
            return sum
        }
        var swaps: [Shape]?
        for s in 0..<sentiments where held[s] > 0 && !moved.contains(s) {
            let rank = { (up: [Int], down: [Int], cost: Int, newly: Int) -> Rank? in up[s] + down[s] > 0 ? (0, 0, cost, newly) : nil }
            var layer = best(primary, shapes: shapes, used: [], keepingKnownCounts: true, rank: rank, good: { $0 == (0, 0, 0, 0) })
            if layer == nil {
                let candidates = swaps ?? swapShapes(for: primary)
                swaps = candidates
                layer = best(primary, shapes: candidates, used: [], rank: rank, good: { $0 == (0, 0, 0, 0) })
            }
            guard let chosen = layer else {
                fallBack(primary)
                return
            }
            apply(chosen, for: primary, widensRange: false)
            for other in 0..<sentiments where chosen.up[other] + chosen.down[other] > 0 { moved.insert(other) }
        }
    }

    /// No change protects the primary: withhold its topic in every table holding its responses;
    /// a round's primary, in the round's table alone (a table that shows nothing of a topic tells
    /// nothing about it, and the periods keep their figures).
    private mutating func fallBack(_ primary: Primary) {
        fallbackPrimaries.append((primary.table, primary.topic, primary.unit, primary.group))
        var reached = Set<Int>()
        if tables[primary.table].round != nil {
            reached.insert(owner(primary.table))
        } else {
            for span in spansOfTable[primary.table] where mass(span, primary.topic, primary.unit, primary.group) > 0 {
                reached.formUnion(spans[span].tables.map(owner))
            }
        }
        var complete = true
        for table in reached {
            for r in 0...units {
                for c in 0...groups {
                    let unit = r == units ? nil : r, group = c == groups ? nil : c
                    if fixed[table] != nil {
                        if !masks[table].isWithheld(topic: primary.topic, unit: unit, group: group) { complete = false }
                        continue
                    }
                    masks[table].withhold(topic: primary.topic, unit: unit, group: group)
                }
            }
        }
        if !complete { unprotected += 1 }
    }
}
