import Foundation
import SurveyModel
import SurveyReport
import SurveyStore

extension Publisher {
    /// The released spans whose held change passes ``RevisionCheck``, in order.
    func passingHeldSpans(_ view: PeriodCubes) -> [Int] {
        view.held.keys.sorted().filter { day in
            guard let live = view.held[day], let shown = view.spanCounts[day] else { return false }
            return RevisionCheck.firstSmallChange(shown: shown, live: live, shape: view.empty, minimum: minimumCellSize) == nil
        }
    }

    /// What the released periods withhold, in the cubes' layout.
    static func fixedMasks(_ released: ReleasedState, cubes: PeriodCubes) -> [Period: ProtectionMask] {
        func index(_ ids: [Int64]) -> [Int64: Int] {
            Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let units = index(cubes.ids.units), topics = index(cubes.ids.topics), groups = index(cubes.ids.groups)
        var result: [Period: ProtectionMask] = [:]
        for period in released.periods {
            var mask = cubes.emptyMask
            for position in released.withheld[period] ?? [] {
                // A code no longer summarised has no responses: nothing of it is shown.
                guard let t = topics[position.topicID] else { continue }
                let u = position.unitID == 0 ? nil : units[position.unitID]
                let g = position.groupID == 0 ? nil : groups[position.groupID]
                if (position.unitID != 0 && u == nil) || (position.groupID != 0 && g == nil) { continue }
                mask.withhold(topic: t, unit: u, group: g)
            }
            result[period] = mask
        }
        return result
    }

    /// A mask as database ids (0: all units, all groups).
    static func positions(_ mask: ProtectionMask, ids: PeriodCubes.IDs) -> [ReleasedPosition] {
        var result: [ReleasedPosition] = []
        for (t, topic) in ids.topics.enumerated() {
            for u in 0...ids.units.count {
                for g in 0...ids.groups.count {
                    let unit = u == ids.units.count ? nil : u, group = g == ids.groups.count ? nil : g
                    guard mask.isWithheld(topic: t, unit: unit, group: group) else { continue }
                    result.append(ReleasedPosition(topicID: topic, unitID: unit.map { ids.units[$0] } ?? 0, groupID: group.map { ids.groups[$0] } ?? 0))
                }
            }
        }
        return result
    }

    /// A span's counts (``TallyCube`` layout) as database rows, with the smallest count each atom
    /// showed in any version (`floors`; nil: this is the span's first release).
    static func tallies(_ counts: [Int], floors: [Int]?, ids: PeriodCubes.IDs) -> [ReleasedTally] {
        let (t, g, s) = (ids.topics.count, ids.groups.count, ids.sentiments.count)
        var result: [ReleasedTally] = []
        for (index, count) in counts.enumerated() where count > 0 {
            let u = index / (t * g * s), tt = index / (g * s) % t, gg = index / s % g, ss = index % s
            guard u < ids.units.count else { continue }
            let floor = floors.map { $0.indices.contains(index) ? min($0[index], count) : 0 } ?? count
            result.append(ReleasedTally(unitID: ids.units[u], topicID: ids.topics[tt], groupID: ids.groups[gg], sentimentID: ids.sentiments[ss], count: count, floor: floor))
        }
        return result
    }

    /// The changes to released spans that the publication holds back, with the released periods
    /// of `kinds` they belong to (periods not published yet will show them when they are).
    static func heldChanges(_ cubes: PeriodCubes, kinds: [PeriodKind]) -> HeldChanges {
        var result = HeldChanges()
        var periods = Set<Period>()
        for (day, live) in cubes.held {
            guard let shown = cubes.spanCounts[day] else { continue }
            for (l, r) in zip(live, shown) {
                if l > r { result.added += l - r } else { result.removed += r - l }
            }
            let date = LocalDate(dayNumber: day)
            for kind in kinds where cubes.isReleased(Period.containing(date, kind: kind)) { periods.insert(Period.containing(date, kind: kind)) }
        }
        result.periods = periods.sorted().map { "\($0.kind.rawValue)/\($0.identifier)" }
        return result
    }

    /// Under the closed policy, removes the files and records of periods published while they
    /// were still open (by an earlier version of surveyd, or under `release: open`): they are
    /// published again once they end. Returns them as `kind/period`.
    func withdrawOpenPeriods(_ records: [PublicationRecord], cubes: PeriodCubes) throws -> [String] {
        guard release != .open else { return [] }
        var withdrawn: [Period] = []
        for record in records {
            guard let period = Period(identifier: record.period), period.kind == record.kind, kinds.contains(period.kind) else { continue }
            if !cubes.isPublishable(period) { withdrawn.append(period) }
        }
        guard !withdrawn.isEmpty else { return [] }
        // Files first, then the records: a publication stopped in between finds the records and
        // removes what is left.
        for period in withdrawn {
            let folder = "\(directory)/\(period.kind.rawValue)/\(period.identifier)"
            if FileManager.default.fileExists(atPath: folder) { try FileManager.default.removeItem(atPath: folder) }
        }
        try store.forgetPublications(withdrawn)
        return withdrawn.map { "\($0.kind.rawValue)/\($0.identifier)" }
    }
}
