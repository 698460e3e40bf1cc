import Foundation
import SurveyModel
import SurveyReport
import SurveyStore

// Disclosure control: the revision rule (docs/SUMMARIES.md, "Revisions"). The plan and its
// certificates are in SurveyReport/DisclosureControl/; the tables of every version the plan
// protects together are in VersionTables.swift beside this (docs/ARCHITECTURE.md).

extension Publisher {
    /// How many times a publication plans again after holding back late changes that no
    /// certificate protects, before it holds back every late change.
    static let holdRounds = 8

    /// The shortest time between two revisions of released periods: a day.
    static let revisionInterval: TimeInterval = 86_400

    /// How many held changes a publication tries to show one by one (each costs a plan; the
    /// plans are remembered, so a publication with nothing new repeats none).
    static let releaseTrials = 4

    /// The plan of a publication and the late changes it holds back. Every late change is shown
    /// in new versions of the periods holding it, protected with every earlier version; only what
    /// no certificate protects is held back: small retractions first, then the late parts the plan
    /// could not protect; then each held change is tried alone, so that one small late group never
    /// holds back an unrelated one. Revisions come on a schedule: at most one a day (a day after
    /// the last release), and with every first release, whose versions hold everything stored;
    /// late changes between them wait (`scheduled`), so that a period busy with late batches is not
    /// revised at every publication (each version stays in every later plan).
    func planUnderRevisionRule(_ view: PeriodCubes, planKinds: [PeriodKind], now: Date)
        -> (cubes: PeriodCubes, protection: PeriodCubes.Protection, scheduled: Set<PeriodCubes.ChangeGroup>, lastRelease: Date?) {
        let lastRelease = view.release.released.releasedAt[view.release.released.lastSeq].flatMap { Date(utcTimestamp: $0) }
        let firstRelease = view.releasedNow(kinds).contains { !view.isReleased($0) } || view.roundsReleasedNow.contains { !view.isReleased(round: $0.id) }
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
}
