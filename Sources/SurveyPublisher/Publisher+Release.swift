import Foundation
import SurveyModel
import SurveyReport
import SurveyStore

extension Publisher {
    /// The plan of a publication and the late changes it holds back. Every late change is shown
    /// in new versions of the periods holding it, protected with every earlier version; only what
    /// no certificate protects is held back: small retractions first, then the late parts the plan
    /// could not protect; then each held change is tried alone, so that one small late group never
    /// holds back an unrelated one. Revisions come on a schedule: at most one a day (a day after
    /// the last release), and with every first release, whose versions hold everything stored;
    /// late changes between them wait (`scheduled`), so that a period busy with late batches is not
    /// revised at every publication (each version stays in every later plan).
    func planWithHolds(_ view: PeriodCubes, planKinds: [PeriodKind], now: Date)
        -> (cubes: PeriodCubes, protection: PeriodCubes.Protection, scheduled: Set<PeriodCubes.ChangeGroup>, lastRelease: Date?) {
        let lastRelease = view.release.released.releasedAt[view.release.released.lastSeq].flatMap { Date(utcTimestamp: $0) }
        let firstRelease = view.releasedNow(kinds).contains { !view.isReleased($0) }
        let revisionDue = lastRelease.map { now < $0 || now.timeIntervalSince($0) >= Publisher.revisionInterval } ?? true
        let scheduled: Set<PeriodCubes.ChangeGroup> = release != .open && !firstRelease && !revisionDue ? view.lateGroups : []
        let retractions = view.smallRetractions(minimum: minimumCellSize)
        func plan(holding hold: Set<PeriodCubes.ChangeGroup>) -> (PeriodCubes, PeriodCubes.Protection) {
            let cubes = view.holding(hold)
            return (cubes, cubes.protection(kinds: planKinds, minimum: minimumCellSize))
        }
        var hold = retractions.union(scheduled)
        var (cubes, protection) = plan(holding: hold)
        for _ in 0..<Publisher.holdRounds where !protection.hold.isSubset(of: hold) {
            hold.formUnion(protection.hold)
            (cubes, protection) = plan(holding: hold)
        }
        if !protection.hold.isSubset(of: hold) {
            hold = view.lateGroups
            (cubes, protection) = plan(holding: hold)
        }
        // In passes (one shown can make another showable), each starting where the sequence of
        // releases stands, so that every held change is tried in turn over the publications.
        var trials = 0, showed = true
        while showed, trials < Publisher.releaseTrials {
            showed = false
            let candidates = hold.subtracting(retractions).subtracting(scheduled).sorted()
            guard !candidates.isEmpty else { break }
            let first = view.seq / 2 % candidates.count
            for group in candidates[first...] + candidates[..<first] where trials < Publisher.releaseTrials {
                trials += 1
                let trial = hold.subtracting([group])
                let (trialCubes, trialProtection) = plan(holding: trial)
                if trialProtection.hold.isSubset(of: trial) {
                    (hold, cubes, protection) = (trial, trialCubes, trialProtection)
                    showed = true
                }
            }
        }
        return (cubes, protection, scheduled, lastRelease)
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
            let units = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/units")) ?? []
            for unit in units where Publisher.isUnitFolderName(unit) {
                let unitFolder = "\(directory)/units/\(unit)/\(period.kind.rawValue)/\(period.identifier)"
                if FileManager.default.fileExists(atPath: unitFolder) { try FileManager.default.removeItem(atPath: unitFolder) }
            }
        }
        try store.forgetPublications(withdrawn)
        return withdrawn.map { "\($0.kind.rawValue)/\($0.identifier)" }
    }
}
