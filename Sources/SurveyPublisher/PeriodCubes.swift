import Foundation
import SurveyModel
import SurveyReport
import SurveyStore
import Synchronization

/// The tallies of every period of the wanted granularities, read in one pass over the span
/// tallies (each span lies inside one period of every kind). Span starts map to period slots
/// through a table built once, so a row costs a few array additions.
struct PeriodCubes {
    let empty: TallyCube
    private var cubes: [Period: TallyCube] = [:]

    init(store: SurveyStore, dimensions: SummaryDimensions, kinds: [PeriodKind]) throws {
        empty = TallyCube(
            units: dimensions.units.map(\.unit), topics: dimensions.topics.map(\.topic),
            groups: dimensions.groups.map(\.group), sentiments: dimensions.sentiments.map(\.sentiment)
        )
        guard let range = try store.spanRange() else { return }
        func lookup(_ ids: [Int64]) -> [Int] {
            var table = Array(repeating: -1, count: Int(ids.max() ?? 0) + 1)
            for (index, id) in ids.enumerated() { table[Int(id)] = index }
            return table
        }
        let units = lookup(dimensions.units.map(\.id)), topics = lookup(dimensions.topics.map(\.id))
        let groups = lookup(dimensions.groups.map(\.id)), sentiments = lookup(dimensions.sentiments.map(\.id))
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
        let dayBlocks = blockOfDay
        // Readers share the work by unit id (the pool reads concurrently), each into its own buffer.
        let ids = dimensions.units.map(\.id).sorted()
        let readers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, ids.count))
        let parts = (0..<readers).map { part -> ClosedRange<Int64>? in
            let slice = ids[(ids.count * part / readers)..<(ids.count * (part + 1) / readers)]
            guard let low = slice.first, let high = slice.last else { return nil }
            return low...high
        }
        let results = Mutex<[Result<[Int], StoreError>]>([])
        let total = blocks * size
        DispatchQueue.concurrentPerform(iterations: readers) { part in
            guard let unitRange = parts[part] else { return }
            var buffer = [Int](repeating: 0, count: total)
            let outcome = buffer.withUnsafeMutableBufferPointer { counts in
                Result { () throws(StoreError) -> Void in
                    try store.forEachSpanTally(units: unitRange) { unitID, day, topicID, groupID, sentimentID, count in
                        guard count > 0, let u = units[safe: Int(unitID)], u >= 0, let tt = topics[safe: Int(topicID)], tt >= 0,
                              let gg = groups[safe: Int(groupID)], gg >= 0, let ss = sentiments[safe: Int(sentimentID)], ss >= 0
                        else { return }
                        let index = ((u * t + tt) * g + gg) * s + ss
                        let row = (day - first) * kindCount
                        for k in 0..<kindCount {
                            counts[dayBlocks[row + k] + index] += count
                        }
                    }
                }
            }
            results.withLock { $0.append(outcome.map { buffer }) }
        }
        var merged = [Int](repeating: 0, count: total)
        for outcome in results.withLock({ $0 }) {
            let part = try outcome.get()
            for index in 0..<total where part[index] != 0 { merged[index] += part[index] }
        }
        var flat: [[[Int]]] = []
        for (k, list) in periods.enumerated() {
            flat.append(list.indices.map { Array(merged[blockStart[k][$0]..<blockStart[k][$0] + size]) })
        }
        for (k, list) in periods.enumerated() {
            for (slot, period) in list.enumerated() where flat[k][slot].contains(where: { $0 != 0 }) {
                cubes[period] = TallyCube(units: empty.units, topics: empty.topics, groups: empty.groups, sentiments: empty.sentiments, counts: flat[k][slot])
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
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
