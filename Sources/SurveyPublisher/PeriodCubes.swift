import Crypto
import Foundation
import SurveyModel
import SurveyReport
import SurveyStore
import Synchronization

/// What a publication may show under its release policy (``ReleasePolicy``).
struct ReleaseInput {
    var policy: ReleasePolicy
    /// The provincial day of the publication.
    var today: LocalDate
    /// The published granularities: a span is shown once a period of one of them has ended.
    var kinds: [PeriodKind]
    /// What earlier publications released for good (closed policy).
    var released = ReleasedState()
}

/// The tallies of every period of the wanted granularities, built from the tally spans a
/// publication may show (each span lies inside one period of every kind).
///
/// Under ``ReleasePolicy/closed(graceDays:)`` a span is shown once a period containing it has
/// ended (and its grace days passed): a span released before shows its released counts, and what
/// the live tallies hold beyond them is ``held`` (late responses, retractions); a span of periods
/// that are all still open is not shown at all. Under ``ReleasePolicy/open`` every live span is
/// shown.
///
/// Everything is read from one ``PublicationSnapshot``, so the span range and the tallies agree;
/// still, every index that comes from the database is checked, and a row that fits no slot stops
/// the publication with ``PublishInputError`` instead of trapping.
struct PeriodCubes {
    let empty: TallyCube
    private var cubes: [Period: TallyCube] = [:]
    private let kinds: [PeriodKind]
    private var release: ReleaseInput
    /// The shown tally spans' counts, by first day, in ``TallyCube`` layout.
    private(set) var spanCounts: [Int: [Int]] = [:]
    /// The counts the protection's certificates may draw on, where they differ from
    /// ``spanCounts``: for a released span, the smallest count each atom showed in any released
    /// version (with a late change being tried, its live count too), so that every certificate is
    /// a valid change of every version at once.
    private(set) var capacityCounts: [Int: [Int]] = [:]
    /// The live counts of the released spans whose live tallies differ from what was released.
    private(set) var held: [Int: [Int]] = [:]
    /// Spans shown for the first time by this publication.
    private(set) var newSpans: Set<Int> = []
    /// Database ids in the cubes' order, to store what is released.
    let ids: IDs
    /// The database ids of the cubes' units, topics, groups and sentiments, in the cubes' order.
    typealias IDs = (units: [Int64], topics: [Int64], groups: [Int64], sentiments: [Int64])

    init(snapshot: PublicationSnapshot, dimensions: SummaryDimensions, kinds: [PeriodKind], release: ReleaseInput) throws {
        empty = TallyCube(
            units: dimensions.units.map(\.unit), topics: dimensions.topics.map(\.topic),
            groups: dimensions.groups.map(\.group), sentiments: dimensions.sentiments.map(\.sentiment)
        )
        ids = (dimensions.units.map(\.id), dimensions.topics.map(\.id), dimensions.groups.map(\.id), dimensions.sentiments.map(\.id))
        self.kinds = kinds
        self.release = release
        func lookup(_ ids: [Int64]) throws -> [Int] {
            // Ids are SQLite rowids of reference rows: small. A table this size is a surprise.
            guard let largest = ids.max() else { return [] }
            guard largest >= 0, largest < 1 << 24 else { throw PublishInputError.referenceIDOutOfRange(largest) }
            var table = Array(repeating: -1, count: Int(largest) + 1)
            for (index, id) in ids.enumerated() where id >= 0 { table[Int(id)] = index }
            return table
        }
        let units = try lookup(ids.units), topics = try lookup(ids.topics)
        let groups = try lookup(ids.groups), sentiments = try lookup(ids.sentiments)
        let (t, g, s) = (empty.topics.count, empty.groups.count, empty.sentiments.count)
        let size = empty.counts.count
        var surprise: PublishInputError?
        /// Reads rows of span counts into `spans`.
        func collect(_ read: ((Int64, Int, Int64, Int64, Int64, Int) -> Void) throws -> Void) throws -> [Int: [Int]] {
            var spans: [[Int]] = []
            var slotOfDay: [Int: Int] = [:]
            var last = (day: Int.min, slot: 0)
            try read { unitID, day, topicID, groupID, sentimentID, count in
                guard surprise == nil, count > 0 else { return }
                guard PeriodCubes.plausibleDays.contains(day) else {
                    surprise = .implausibleSpans(day...day)
                    return
                }
                // Rows of codes that are not summarised (inactive and unused) are skipped.
                guard let u = units[safe: Int(unitID)], u >= 0, let tt = topics[safe: Int(topicID)], tt >= 0,
                      let gg = groups[safe: Int(groupID)], gg >= 0, let ss = sentiments[safe: Int(sentimentID)], ss >= 0
                else { return }
                if day != last.day {
                    if let slot = slotOfDay[day] {
                        last = (day, slot)
                    } else {
                        last = (day, spans.count)
                        slotOfDay[day] = spans.count
                        spans.append([Int](repeating: 0, count: size))
                    }
                }
                spans[last.slot][((u * t + tt) * g + gg) * s + ss] += count
            }
            if let surprise { throw surprise }
            return slotOfDay.mapValues { spans[$0] }
        }
        let live = try collect { try snapshot.forEachSpanTally($0) }
        switch release.policy {
        case .open:
            spanCounts = live
        case .closed:
            // Counts and floors in one pass; floors are kept only where an earlier version showed
            // less than the last (late responses published since): elsewhere they are the counts.
            var lowerRows: [(Int64, Int, Int64, Int64, Int64, Int)] = []
            let released = try collect { body in
                try snapshot.forEachReleasedTally { unit, day, topic, group, sentiment, count, floor in
                    body(unit, day, topic, group, sentiment, count)
                    if floor < count { lowerRows.append((unit, day, topic, group, sentiment, count - floor)) }
                }
            }
            // How far each floor lies below its count, by span.
            let below = try collect { body in for row in lowerRows { body(row.0, row.1, row.2, row.3, row.4, row.5) } }
            let zero = [Int](repeating: 0, count: size)
            for day in Set(live.keys).union(released.keys) {
                if isReleased(day) {
                    let shown = released[day] ?? zero
                    spanCounts[day] = shown
                    if let below = below[day] { capacityCounts[day] = zip(shown, below).map { $0 - $1 } }
                    let current = live[day] ?? zero
                    if current != shown { held[day] = current }
                } else if isReleasable(day), let counts = live[day] {
                    spanCounts[day] = counts
                    newSpans.insert(day)
                }
            }
        }
        buildCubes()
    }

    /// The periods of every kind containing the span that starts on `day`.
    private func periods(ofSpan day: Int, kinds: [PeriodKind]) -> [Period] {
        let date = LocalDate(dayNumber: day)
        return kinds.map { Period.containing(date, kind: $0) }
    }

    /// Whether a released period (of any kind, configured or not) contains the span.
    private func isReleased(_ day: Int) -> Bool {
        periods(ofSpan: day, kinds: PeriodKind.allCases).contains { release.released.periods.contains($0) }
    }

    /// Whether a period of a shown kind containing the span may be published.
    private func isReleasable(_ day: Int) -> Bool {
        periods(ofSpan: day, kinds: release.kinds).contains { release.policy.isReleasable($0, today: release.today) }
    }

    private mutating func buildCubes() {
        var sums: [Period: [Int]] = [:]
        for (day, counts) in spanCounts {
            for period in periods(ofSpan: day, kinds: kinds) {
                if var sum = sums.removeValue(forKey: period) {
                    for i in sum.indices { sum[i] += counts[i] }
                    sums[period] = sum
                } else {
                    sums[period] = counts
                }
            }
        }
        cubes = [:]
        for (period, counts) in sums where counts.contains(where: { $0 != 0 }) {
            cubes[period] = TallyCube(units: empty.units, topics: empty.topics, groups: empty.groups, sentiments: empty.sentiments, counts: counts)
        }
    }

    /// The same view with the held changes of `days` shown: their live counts, with certificates
    /// drawing only on what every version holds.
    func showingHeld(_ days: some Sequence<Int>) -> PeriodCubes {
        var result = self
        for day in days {
            guard let live = held[day], let shown = spanCounts[day] else { continue }
            result.capacityCounts[day] = zip(live, capacityCounts[day] ?? shown).map { min($0, $1) }
            result.spanCounts[day] = live
            result.held[day] = nil
        }
        result.buildCubes()
        return result
    }

    /// Periods of `kind` with at least one response that may be published, oldest first.
    func periods(_ kind: PeriodKind) -> [Period] {
        cubes.keys.filter { $0.kind == kind && isPublishable($0) }.sorted()
    }

    /// Whether `period` may be published today under the policy: it has ended (and its grace
    /// days passed), or it was released before (a clock set back never takes it back).
    func isPublishable(_ period: Period) -> Bool {
        release.policy.isReleasable(period, today: release.today) || release.released.periods.contains(period)
    }

    /// Whether `period` was released by an earlier publication.
    func isReleased(_ period: Period) -> Bool {
        release.released.periods.contains(period)
    }

    /// Every period of `kind` with at least one response shown, published or not yet.
    private func allPeriods(_ kind: PeriodKind) -> [Period] {
        cubes.keys.filter { $0.kind == kind }.sorted()
    }

    func cube(_ period: Period) -> TallyCube {
        cubes[period] ?? empty
    }

    /// What every period of `kinds` withholds, planned for all of them together
    /// (``LinkedProtection``): the periods that may be published and, for the links, those still
    /// open. `fixed` holds the masks of released periods, kept as they are. The last plan of the
    /// process is kept: publishing again without new data does not plan again.
    func protection(kinds: [PeriodKind], minimum: Int, fixed: [Period: ProtectionMask] = [:]) -> (plan: Publisher.Withheld, masks: [Period: ProtectionMask]) {
        var hasher = SHA256()
        hasher.update(data: Data("\(kinds.map(\.rawValue))/\(minimum)/\(empty.units.count)/\(empty.topics.count)/\(empty.groups.count)/\(empty.sentiments.count)".utf8))
        for day in spanCounts.keys.sorted() {
            withUnsafeBytes(of: day) { hasher.update(bufferPointer: $0) }
            spanCounts[day]?.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            capacityCounts[day]?.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        for period in fixed.keys.sorted() {
            hasher.update(data: Data(period.description.utf8))
            hasher.update(data: Data(fixed[period]?.bytes ?? []))
        }
        let digest = Data(hasher.finalize())
        if let cached = PeriodCubes.lastPlan.withLock({ $0 }), cached.digest == digest { return (cached.withheld, cached.masks) }
        let (plan, masks) = self.plan(kinds: kinds, minimum: minimum, fixed: fixed)
        let exposed = Set(plan.exposed.compactMap { position -> String? in
            guard plan.tables.indices.contains(position.table) else { return nil }
            let period = plan.tables[position.table].period
            return "\(period.kind.rawValue)/\(period.identifier)/\(position.topic)/\(position.unit.map(String.init) ?? "-")/\(position.group.map(String.init) ?? "-")"
        })
        let withheld = Publisher.Withheld(
            primary: plan.primaryCount, complementary: plan.complementaryCount, fallbacks: plan.fallbacks, unprotected: plan.unprotected,
            exposed: exposed
        )
        PeriodCubes.lastPlan.withLock { $0 = (digest, withheld, masks) }
        return (withheld, masks)
    }

    /// The masks of the last plan of this process, with the digest of its input.
    private static let lastPlan = Mutex<(digest: Data, withheld: Publisher.Withheld, masks: [Period: ProtectionMask])?>(nil)

    private func plan(kinds: [PeriodKind], minimum: Int, fixed: [Period: ProtectionMask]) -> (plan: LinkedProtection, masks: [Period: ProtectionMask]) {
        var tables: [LinkedProtection.Table] = []
        var tableOf: [Period: Int] = [:]
        for kind in kinds {
            for period in allPeriods(kind) {
                tableOf[period] = tables.count
                tables.append(.init(period: period, cube: cube(period)))
            }
        }
        let spans = spanCounts.keys.sorted().compactMap { day -> LinkedProtection.Span? in
            let indices = periods(ofSpan: day, kinds: kinds).compactMap { tableOf[$0] }
            // A span whose periods hold no responses holds none itself.
            guard indices.count == kinds.count, let counts = capacityCounts[day] ?? spanCounts[day] else { return nil }
            return .init(tables: indices, counts: counts)
        }
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: minimum, fixed: tables.map { fixed[$0.period] })
        var masks: [Period: ProtectionMask] = [:]
        for (index, table) in tables.enumerated() where plan.masks.indices.contains(index) {
            masks[table.period] = plan.masks[index]
        }
        return (plan, masks)
    }

    /// The mask of a period without responses: nothing to withhold.
    var emptyMask: ProtectionMask {
        ProtectionMask(topics: empty.topics.count, units: empty.units.count, groups: empty.groups.count)
    }

    /// Collection days surveyd can have stored (1900…2199): a span start outside is corrupt data.
    static let plausibleDays = -25_567...84_005
}

/// The database held something a publication cannot place: the publication stops, the previous
/// files stay, and the error is logged (never a trap).
enum PublishInputError: Error, CustomStringConvertible {
    case implausibleSpans(ClosedRange<Int>)
    case referenceIDOutOfRange(Int64)

    var description: String {
        switch self {
        case let .implausibleSpans(range):
            "the tally spans run from day \(range.lowerBound) to day \(range.upperBound), outside the years 1900–2199"
        case let .referenceIDOutOfRange(id):
            "a reference row has the id \(id), outside the expected range"
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
