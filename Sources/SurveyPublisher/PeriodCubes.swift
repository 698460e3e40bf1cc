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
    /// The published granularities: a span is shown once a period of one of them may be released.
    var kinds: [PeriodKind]
    /// What earlier publications released for good (closed policy).
    var released = ReleasedState()
}

/// The tallies of every period of the wanted granularities, built from the tally spans a
/// publication may show (each span lies inside one period of every kind), and under
/// ``ReleasePolicy/closed(_:)`` every version released before.
///
/// Under the closed policy a span is shown once a period containing it may be released, with its
/// live counts: a period's version holds every response stored before its publication. A span
/// shown before keeps its earlier versions (``versions``): when its live counts differ, this
/// publication releases a new version of it and of every released period holding it, but for the
/// changes that cannot be protected (``heldGroups``), which keep their earlier counts. Under
/// ``ReleasePolicy/open`` every live span is shown and nothing is versioned.
///
/// Everything is read from one ``PublicationSnapshot``, so the span range and the tallies agree;
/// still, every index that comes from the database is checked, and a row that fits no slot stops
/// the publication with ``PublishInputError`` instead of trapping.
struct PeriodCubes {
    let empty: TallyCube
    var cubes: [Period: TallyCube] = [:]
    let kinds: [PeriodKind]
    var release: ReleaseInput
    /// What every period's current version shows, per span (by first day), in ``TallyCube`` layout.
    var spanCounts: [Int: [Int]] = [:]
    /// The live counts of the shown spans.
    private(set) var live: [Int: [Int]] = [:]
    /// The released versions of each span, oldest first, by internal sequence number
    /// (``internalSeq(_:)``).
    private(set) var versions: [Int: [SpanVersion]] = [:]
    /// The released versions of each period, oldest first, by internal sequence number.
    private(set) var periodVersions: [Period: [PeriodVersion]] = [:]
    /// Changes of released spans kept out of this publication's versions.
    var heldGroups: Set<ChangeGroup> = []
    /// The survey rounds whose results the plan covers (``addRounds(_:cuts:)``): those that may
    /// be published and those released before.
    var rounds: [RoundTable] = []
    /// The released versions of each round's results, by row id, oldest first, by internal
    /// sequence number.
    var roundVersions: [Int64: [RoundVersion]] = [:]
    /// Every stored round's window (day numbers) and its topics' indices: its progress files
    /// publish the counts of those topics' responses collected there, per unit, topic and group
    /// (without sentiments), so the plan treats those counts as known (``LinkedProtection/Span/knownTopics``).
    var progressWindows: [(from: Int, to: Int, topics: Set<Int>)] = []
    /// The provisional alarms shown (``addProvisionalLooks(_:)``): per week (its Monday's day
    /// number), the counts their readers know on one side, for the plan (``LinkedProtection/Bound``).
    var provisionalBounds: [Int: [LinkedProtection.Bound]] = [:]
    /// The span cuts the spans were read with (recorded with a release, which the store refuses if
    /// they changed since).
    var cuts = SpanCuts()
    /// This publication's internal sequence number: its release, if it records one, is the next.
    let seq: Int
    /// Database ids in the cubes' order, to store what is released.
    let ids: IDs
    /// The database ids of the cubes' units, topics, groups and sentiments, in the cubes' order.
    typealias IDs = (units: [Int64], topics: [Int64], groups: [Int64], sentiments: [Int64])

    /// One released version of a span.
    struct SpanVersion {
        var seq: Int
        var counts: [Int]
    }

    /// One released version of a period and what it withholds.
    struct PeriodVersion {
        var seq: Int
        var withheld: [ReleasedPosition]
    }

    /// The changes of one unit and topic in one span: what is shown, or held back, together.
    struct ChangeGroup: Hashable, Comparable {
        var day: Int
        var unit: Int
        var topic: Int
        static func < (a: ChangeGroup, b: ChangeGroup) -> Bool { (a.day, a.unit, a.topic) < (b.day, b.unit, b.topic) }
    }

    /// Internal sequence numbers leave room below each release for the floors carried over from
    /// schema version 7 (an earlier version that showed less): release `n` is `2n`, its floors
    /// `2n − 1`.
    static func internalSeq(_ seq: Int) -> Int { 2 * seq }

    init(snapshot: any PublicationReading, dimensions: SummaryDimensions, kinds: [PeriodKind], release: ReleaseInput) throws {
        empty = TallyCube(
            units: dimensions.units.map(\.unit), topics: dimensions.topics.map(\.topic),
            groups: dimensions.groups.map(\.group), sentiments: dimensions.sentiments.map(\.sentiment)
        )
        ids = (dimensions.units.map(\.id), dimensions.topics.map(\.id), dimensions.groups.map(\.id), dimensions.sentiments.map(\.id))
        self.kinds = kinds
        self.release = release
        seq = Self.internalSeq(release.released.lastSeq + 1)
        let slots = try AtomSlots(ids: ids, shape: empty)
        let live = try slots.collect { body in
            try snapshot.forEachSpanTally { unit, day, topic, group, sentiment, count in body(SpanKey(day: day, seq: 0), unit, topic, group, sentiment, count) }
        }.reduce(into: [Int: [Int]]()) { $0[$1.key.day] = $1.value }
        switch release.policy {
        case .open:
            spanCounts = live
            self.live = live
        case .closed:
            // Span versions keyed by day × internal seq; a carried-over floor below its count is
            // an earlier version of its own.
            var floorRows: [(key: SpanKey, unit: Int64, topic: Int64, group: Int64, sentiment: Int64, count: Int)] = []
            let stored = try slots.collect { body in
                try snapshot.forEachSpanVersion { day, seq, unit, topic, group, sentiment, count, floor in
                    let key = SpanKey(day: day, seq: PeriodCubes.internalSeq(seq))
                    body(key, unit, topic, group, sentiment, count)
                    if floor < count { floorRows.append((SpanKey(day: day, seq: key.seq - 1), unit, topic, group, sentiment, count - floor)) }
                }
            }
            let below = try slots.collect { body in for row in floorRows { body(row.key, row.unit, row.topic, row.group, row.sentiment, row.count) } }
            var floorSeqs: [Int: Set<Int>] = [:]
            for (key, counts) in stored {
                let (day, seq) = (key.day, key.seq)
                versions[day, default: []].append(SpanVersion(seq: seq, counts: counts))
                if let lower = below[SpanKey(day: day, seq: seq - 1)] {
                    versions[day, default: []].append(SpanVersion(seq: seq - 1, counts: zip(counts, lower).map { $0 - $1 }))
                    floorSeqs[seq, default: []].insert(day)
                }
            }
            for day in versions.keys { versions[day]?.sort { $0.seq < $1.seq } }
            for (period, list) in release.released.versions {
                var result: [PeriodVersion] = []
                for version in list {
                    let seq = PeriodCubes.internalSeq(version.seq)
                    // A carried-over period showed the floors before it showed the counts.
                    if let days = floorSeqs[seq], days.contains(where: { period.contains(LocalDate(dayNumber: $0)) }) {
                        result.append(PeriodVersion(seq: seq - 1, withheld: version.withheld))
                    }
                    result.append(PeriodVersion(seq: seq, withheld: version.withheld))
                }
                periodVersions[period] = result
            }
            for (day, counts) in live where versions[day] != nil || isReleasable(day) {
                self.live[day] = counts
            }
            // A span released before stays shown when its responses are all retracted.
            for day in versions.keys where self.live[day] == nil {
                self.live[day] = Array(repeating: 0, count: empty.counts.count)
            }
            spanCounts = self.live
        }
        buildCubes()
    }

    // MARK: Provisional alarms

    /// Takes in the provisional alarms shown so far. An alarm on a week's first days tells its
    /// reader that a count of one of its unit's (or the province's) topic there reached a bound:
    /// all its sentiments' counts (their sums too) are known from below, in every span of the
    /// week as stored by its first release (docs/SUMMARIES.md, "The provisional look"). Unknown units and
    /// topics (none can be: their ids come from the same database) are skipped.
    mutating func addProvisionalLooks(_ looks: [ProvisionalLook]) {
        let sentiments = empty.sentiments.indices
        for look in looks {
            guard let topic = ids.topics.firstIndex(of: look.topicID) else { continue }
            var unit: Int?
            if let id = look.unitID {
                guard let index = ids.units.firstIndex(of: id) else { continue }
                unit = index
            }
            for sentiment in sentiments {
                provisionalBounds[look.weekStart, default: []].append(LinkedProtection.Bound(topic: topic, unit: unit, sentiment: sentiment, atLeast: true))
            }
        }
    }

    /// The bounds the provisional alarms put on the span starting on `day` (those of its week).
    func lookBounds(_ day: Int) -> [LinkedProtection.Bound] {
        guard !provisionalBounds.isEmpty else { return [] }
        return provisionalBounds[Period.containing(LocalDate(dayNumber: day), kind: .week).start.dayNumber] ?? []
    }

    // MARK: Periods

    /// The periods of every kind containing the span that starts on `day`.
    func periods(ofSpan day: Int, kinds: [PeriodKind]) -> [Period] {
        let date = LocalDate(dayNumber: day)
        return kinds.map { Period.containing(date, kind: $0) }
    }

    /// Whether a period of a shown kind containing the span may be published.
    private func isReleasable(_ day: Int) -> Bool {
        periods(ofSpan: day, kinds: release.kinds).contains { release.policy.isReleasable($0, today: release.today) }
    }

    mutating func buildCubes() {
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
        for (period, counts) in sums where counts.contains(where: { $0 != 0 }) || periodVersions[period] != nil {
            cubes[period] = TallyCube(units: empty.units, topics: empty.topics, groups: empty.groups, sentiments: empty.sentiments, counts: counts)
        }
    }

    /// Periods of `kind` that may be published and hold at least one response (or were released
    /// before), oldest first.
    func periods(_ kind: PeriodKind) -> [Period] {
        cubes.keys.filter { $0.kind == kind && isPublishable($0) }.sorted()
    }

    /// Whether `period` may be published today under the policy: it has ended (and its grace
    /// days passed), or it was released before (a clock set back never takes it back).
    func isPublishable(_ period: Period) -> Bool {
        release.policy.isReleasable(period, today: release.today) || periodVersions[period] != nil
    }

    /// Whether `period` was released by an earlier publication.
    func isReleased(_ period: Period) -> Bool {
        periodVersions[period] != nil
    }

    /// Every period of `kind` with at least one response shown, published or not yet.
    func allPeriods(_ kind: PeriodKind) -> [Period] {
        cubes.keys.filter { $0.kind == kind }.sorted()
    }

    func cube(_ period: Period) -> TallyCube {
        cubes[period] ?? empty
    }

    /// The mask of a period without responses: nothing to withhold.
    var emptyMask: ProtectionMask {
        ProtectionMask(topics: empty.topics.count, units: empty.units.count, groups: empty.groups.count)
    }

    /// Collection days surveyd can have stored (1900…2199): a span start outside is corrupt data.
    static let plausibleDays = -25_567...84_005
}
