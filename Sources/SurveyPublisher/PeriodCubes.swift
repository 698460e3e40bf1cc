import Crypto
import Foundation
import SurveyModel
import SurveyReport
import SurveyStore
import Synchronization

/// The tallies of every period of the wanted granularities, read in one pass over the span
/// tallies (each span lies inside one period of every kind). Span starts map to period slots
/// through a table built once, so a row costs a few array additions.
///
/// Everything is read from one ``PublicationSnapshot``, so the span range and the tallies agree;
/// still, every index that comes from the database is checked, and a row that fits no slot stops
/// the publication with ``PublishInputError`` instead of trapping.
struct PeriodCubes {
    let empty: TallyCube
    private var cubes: [Period: TallyCube] = [:]
    /// Each tally span's counts, by its first day (a span lies inside one period of every kind).
    private var spanCounts: [(day: Int, counts: [Int])] = []

    init(snapshot: PublicationSnapshot, dimensions: SummaryDimensions, kinds: [PeriodKind]) throws {
        empty = TallyCube(
            units: dimensions.units.map(\.unit), topics: dimensions.topics.map(\.topic),
            groups: dimensions.groups.map(\.group), sentiments: dimensions.sentiments.map(\.sentiment)
        )
        guard let range = try snapshot.spanRange() else { return }
        guard PeriodCubes.plausibleDays.contains(range.lowerBound), PeriodCubes.plausibleDays.contains(range.upperBound) else {
            throw PublishInputError.implausibleSpans(range)
        }
        func lookup(_ ids: [Int64]) throws -> [Int] {
            // Ids are SQLite rowids of reference rows: small. A table this size is a surprise.
            guard let largest = ids.max() else { return [] }
            guard largest >= 0, largest < 1 << 24 else { throw PublishInputError.referenceIDOutOfRange(largest) }
            var table = Array(repeating: -1, count: Int(largest) + 1)
            for (index, id) in ids.enumerated() where id >= 0 { table[Int(id)] = index }
            return table
        }
        let units = try lookup(dimensions.units.map(\.id)), topics = try lookup(dimensions.topics.map(\.id))
        let groups = try lookup(dimensions.groups.map(\.id)), sentiments = try lookup(dimensions.sentiments.map(\.id))
        let (t, g, s) = (empty.topics.count, empty.groups.count, empty.sentiments.count)
        let size = empty.counts.count

        // For each kind: the periods overlapping the day range, and each day's slot among them.
        var periods: [[Period]] = []
        var slotOfDay: [[Int]] = []
        for kind in kinds {
            var list: [Period] = []
            var slots: [Int] = []
            slots.reserveCapacity(range.upperBound - range.lowerBound + 1)
            for day in range {
                let period = Period.containing(LocalDate(dayNumber: day), kind: kind)
                if list.last != period { list.append(period) }
                slots.append(list.count - 1)
            }
            periods.append(list)
            slotOfDay.append(slots)
        }
        let first = range.lowerBound
        // All periods' counts in one contiguous buffer; for each day and kind, the offset of its
        // period's block, so that a row costs one addition per kind.
        var blockOfDay: [Int] = []
        var blockStart: [[Int]] = []
        var blocks = 0
        for list in periods {
            blockStart.append(list.indices.map { (blocks + $0) * size })
            blocks += list.count
        }
        let days = range.upperBound - range.lowerBound + 1
        blockOfDay.reserveCapacity(days * kinds.count)
        for offset in 0..<days {
            for k in 0..<kinds.count { blockOfDay.append(blockStart[k][slotOfDay[k][offset]]) }
        }
        let kindCount = kinds.count
        var merged = [Int](repeating: 0, count: blocks * size)
        var surprise: PublishInputError?
        // The spans, for the protection of linked tables: a slot per first day.
        var spanSlot = [Int](repeating: -1, count: days)
        var spans: [[Int]] = []
        try merged.withUnsafeMutableBufferPointer { counts in
            try snapshot.forEachSpanTally { unitID, day, topicID, groupID, sentimentID, count in
                guard surprise == nil, count > 0 else { return }
                guard range.contains(day) else {
                    surprise = .spanOutsideRange(day: day, range: range)
                    return
                }
                // Rows of codes that are not summarised (inactive and unused) are skipped.
                guard let u = units[safe: Int(unitID)], u >= 0, let tt = topics[safe: Int(topicID)], tt >= 0,
                      let gg = groups[safe: Int(groupID)], gg >= 0, let ss = sentiments[safe: Int(sentimentID)], ss >= 0
                else { return }
                let index = ((u * t + tt) * g + gg) * s + ss
                let row = (day - first) * kindCount
                for k in 0..<kindCount {
                    counts[blockOfDay[row + k] + index] += count
                }
                let offset = day - first
                if spanSlot[offset] < 0 {
                    spanSlot[offset] = spans.count
                    spans.append([Int](repeating: 0, count: size))
                }
                spans[spanSlot[offset]][index] += count
            }
        }
        if let surprise { throw surprise }
        for (offset, slot) in spanSlot.enumerated() where slot >= 0 {
            spanCounts.append((day: first + offset, counts: spans[slot]))
        }
        for (k, list) in periods.enumerated() {
            for (slot, period) in list.enumerated() {
                let block = merged[blockStart[k][slot]..<blockStart[k][slot] + size]
                guard block.contains(where: { $0 != 0 }) else { continue }
                cubes[period] = TallyCube(units: empty.units, topics: empty.topics, groups: empty.groups, sentiments: empty.sentiments, counts: Array(block))
            }
        }
    }

    /// Periods of `kind` with at least one response, oldest first.
    func periods(_ kind: PeriodKind) -> [Period] {
        cubes.keys.filter { $0.kind == kind }.sorted()
    }

    func cube(_ period: Period) -> TallyCube {
        cubes[period] ?? empty
    }

    /// What every period of `kinds` withholds, planned for all of them together
    /// (``LinkedProtection``). The last plan of the process is kept: publishing again without new
    /// data does not plan again.
    func protection(kinds: [PeriodKind], minimum: Int) -> (withheld: Publisher.Withheld, masks: [Period: ProtectionMask]) {
        var hasher = SHA256()
        hasher.update(data: Data("\(kinds.map(\.rawValue))/\(minimum)/\(empty.units.count)/\(empty.topics.count)/\(empty.groups.count)/\(empty.sentiments.count)".utf8))
        for span in spanCounts {
            withUnsafeBytes(of: span.day) { hasher.update(bufferPointer: $0) }
            span.counts.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        let digest = Data(hasher.finalize())
        if let cached = PeriodCubes.lastPlan.withLock({ $0 }), cached.digest == digest { return (cached.withheld, cached.masks) }
        let (plan, masks) = self.plan(kinds: kinds, minimum: minimum)
        let withheld = Publisher.Withheld(primary: plan.primaryCount, complementary: plan.complementaryCount, fallbacks: plan.fallbacks)
        PeriodCubes.lastPlan.withLock { $0 = (digest, withheld, masks) }
        return (withheld, masks)
    }

    /// The masks of the last plan of this process, with the digest of its input.
    private static let lastPlan = Mutex<(digest: Data, withheld: Publisher.Withheld, masks: [Period: ProtectionMask])?>(nil)

    private func plan(kinds: [PeriodKind], minimum: Int) -> (plan: LinkedProtection, masks: [Period: ProtectionMask]) {
        var tables: [LinkedProtection.Table] = []
        var tableOf: [Period: Int] = [:]
        for kind in kinds {
            for period in periods(kind) {
                tableOf[period] = tables.count
                tables.append(.init(period: period, cube: cube(period)))
            }
        }
        let spans = spanCounts.compactMap { span -> LinkedProtection.Span? in
            let date = LocalDate(dayNumber: span.day)
            let indices = kinds.compactMap { tableOf[Period.containing(date, kind: $0)] }
            // A span whose periods hold no responses holds none itself.
            guard indices.count == kinds.count else { return nil }
            return .init(tables: indices, counts: span.counts)
        }
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: minimum)
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
    case spanOutsideRange(day: Int, range: ClosedRange<Int>)
    case implausibleSpans(ClosedRange<Int>)
    case referenceIDOutOfRange(Int64)

    var description: String {
        switch self {
        case let .spanOutsideRange(day, range):
            "a tally span (day \(day)) lies outside the range read in the same transaction (\(range.lowerBound)…\(range.upperBound))"
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
