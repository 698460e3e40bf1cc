import Foundation
import SurveyModel
import SurveyReport
import SurveyStore

extension Publisher {
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

    /// A span's counts (``TallyCube`` layout) as database rows.
    static func tallies(_ counts: [Int], ids: PeriodCubes.IDs) -> [ReleasedTally] {
        let (t, g, s) = (ids.topics.count, ids.groups.count, ids.sentiments.count)
        var result: [ReleasedTally] = []
        for (index, count) in counts.enumerated() where count > 0 {
            let u = index / (t * g * s), tt = index / (g * s) % t, gg = index / s % g, ss = index % s
            guard u < ids.units.count else { continue }
            result.append(ReleasedTally(unitID: ids.units[u], topicID: ids.topics[tt], groupID: ids.groups[gg], sentimentID: ids.sentiments[ss], count: count, floor: count))
        }
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
