import Foundation
import SurveyModel
import SurveyReport
import SurveyStore

// The stages of a publication, in order (``Publisher/publish(now:lockTimeout:)`` runs them; the
// render and write stage is ``Publisher/render(_:extra:beforeRename:)``). Each takes what the one
// before gave. They reach the database only through ``PublicationStore``: `read`,
// `recordRelease`, `withdrawOpenPeriods`, then the records written after the files.

/// What one publication reads, all from one snapshot of the database.
struct PublicationInput {
    /// Every period's counts as the database holds them (before any late change is held back).
    var cubes: PeriodCubes
    /// The granularities the plan covers: those published, and those released before.
    var planKinds: [PeriodKind]
    /// Each period's last publication.
    var records: [PublicationRecord]
    var awaiting: (batches: Int, responses: Int)
    var rounds: [RoundInputs]
    /// The release calendar, today, and what was released before.
    var release: ReleaseInput
    /// The current week's first days as stored, when the provisional look may follow them.
    var look: LookDays?
}

/// What a publication may show: the counts after holding back the late changes that no
/// protection covers yet, each period's mask, and what it releases.
struct PublicationPlan {
    var cubes: PeriodCubes
    var masks: [Period: ProtectionMask]
    /// What each shown round's results withhold, by the round's row id.
    var roundMasks: [Int64: ProtectionMask]
    var withheld: Publisher.Withheld
    /// The periods this publication releases (first versions and revisions).
    var releasedNow: [Period]
    /// The rounds whose results this publication releases a version of.
    var roundsReleasedNow: [RoundTable]
    var held: Publisher.HeldChanges
    var look: LookDays?
}

/// The digest of what each period's summary is built from, computed once per period.
final class PeriodDigests {
    private let cubes: PeriodCubes
    private let masks: [Period: ProtectionMask]
    private let minimum: Int
    private var known: [Period: Data] = [:]

    init(cubes: PeriodCubes, masks: [Period: ProtectionMask], minimum: Int) {
        self.cubes = cubes
        self.masks = masks
        self.minimum = minimum
    }

    /// ``Publisher/digest(current:previous:minimum:masks:)`` of a period.
    func base(_ period: Period) -> Data {
        if let digest = known[period] { return digest }
        let digest = Publisher.digest(
            current: cubes.cube(period), previous: cubes.cube(period.previous), minimum: minimum,
            masks: [masks[period] ?? cubes.emptyMask, masks[period.previous] ?? cubes.emptyMask]
        )
        known[period] = digest
        return digest
    }

    /// A period's digest as recorded: a week's also covers the weeks its outlook reads.
    func recorded(_ period: Period) -> Data {
        period.kind == .week
            ? Publisher.weekDigest(base(period), history: Publisher.weeks(before: period, count: NetIndexOutlook.weeks - 1).map(base))
            : base(period)
    }
}

extension Publisher {
    /// Stage 1, read: everything the publication uses, from one snapshot, so that each period's
    /// files describe one state of the database.
    func read(now: Date) throws -> PublicationInput {
        let release = ReleaseInput(policy: self.release, today: LocalDate(instant: now, in: timeZone), kinds: kinds)
        return try store.readPublicationInput { snapshot in
            let dimensions = try snapshot.summaryDimensions()
            var release = release
            if release.policy != .open { release.released = try snapshot.releasedState() }
            // The plan covers every granularity released so far, published now or not: files of a
            // kind no longer configured stay in readers' hands, and their masks still bind.
            let planKinds = Set(kinds).union(release.released.periods.map(\.kind)).sorted()
            // Weekly tallies are read even when weeks are not published: the alarms run on them.
            let readKinds = planKinds.contains(.week) ? planKinds : planKinds + [.week]
            var cubes = try PeriodCubes(snapshot: snapshot, dimensions: dimensions, kinds: readKinds, release: release)
            let rounds = try snapshot.roundInputs()
            cubes.addRounds(rounds.map(\.stored), cuts: try snapshot.spanCuts())
            cubes.addProvisionalLooks(try snapshot.provisionalLooks())
            return PublicationInput(
                cubes: cubes, planKinds: planKinds, records: try snapshot.publications(), awaiting: try snapshot.awaitingApproval(),
                rounds: rounds, release: release, look: try lookDays(snapshot, cubes: cubes, today: release.today)
            )
        }
    }

    /// The early warning as this publisher runs it: the provisional look off under
    /// `publish.release: open`, where the current week is published as it fills.
    var effectiveEarlyWarning: EarlyWarningSettings {
        var settings = earlyWarning
        if release == .open { settings.provisionalDays = 0 }
        return settings
    }

    /// The days of the first week not yet published after the latest published with data (weeks
    /// without data between are skipped), before today and up to the provisional look's days, as
    /// stored; nil when the look is off, weeks are not published, no week is published yet, or
    /// that week has no day before today.
    func lookDays(_ snapshot: any PublicationReading, cubes: PeriodCubes, today: LocalDate) throws -> LookDays? {
        let settings = effectiveEarlyWarning
        guard settings.looksProvisionally, kinds.contains(.week), let latest = cubes.periods(.week).last else { return nil }
        var week = latest.next
        while week.start.dayNumber < today.dayNumber, cubes.isPublishable(week) { week = week.next }
        let days = min(today.dayNumber - week.start.dayNumber, settings.provisionalDays)
        guard days >= 1 else { return nil }
        var look = LookDays(week: week, days: days, units: cubes.empty.units.count, topics: cubes.empty.topics.count, sentiments: cubes.empty.sentiments.count)
        let units = Dictionary(cubes.ids.units.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let topics = Dictionary(cubes.ids.topics.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let sentiments = Dictionary(cubes.ids.sentiments.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        // A response collected on Monday is received no sooner than Monday less the future
        // tolerance (a day more for the time zone).
        let since = Date(timeIntervalSince1970: Double(week.start.dayNumber - futureToleranceDays - 1) * 86_400).utcTimestamp
        let first = week.start.dayNumber
        try snapshot.forEachDailyCount(days: first...(first + days - 1), receivedSince: since) { unit, day, topic, sentiment, count in
            guard let u = units[unit], let t = topics[topic], let s = sentiments[sentiment] else { return }
            look.add(count, unit: u, topic: t, day: day - first, sentiment: s)
        }
        return look
    }

    /// Stage 2, plan: what every period withholds, planned for all periods and versions together
    /// (``planUnderRevisionRule(_:planKinds:now:)``), and which late changes wait. Pure.
    func plan(_ input: PublicationInput, now: Date) -> PublicationPlan {
        let (cubes, protection, scheduled, lastRelease) = planUnderRevisionRule(input.cubes, planKinds: input.planKinds, now: now)
        let releasedNow = cubes.releasedNow(kinds)
        var held = cubes.heldChanges(kinds: kinds, releasedNow: Set(releasedNow))
        if !scheduled.isEmpty, let lastRelease { held.nextRevision = lastRelease.addingTimeInterval(Publisher.revisionInterval).utcTimestamp }
        return PublicationPlan(
            cubes: cubes, masks: protection.masks, roundMasks: protection.roundMasks, withheld: protection.withheld, releasedNow: releasedNow,
            roundsReleasedNow: cubes.roundsReleasedNow, held: held, look: input.look
        )
    }

    /// Stage 3, release: records what the publication releases for good (periods with their
    /// masks, and the spans' new counts), before any file is written. Returns the periods
    /// released for the first time, those revised, and the late days released.
    func recordRelease(_ plan: PublicationPlan, timestamp: String) throws -> (released: [String], revised: [String], lateReleased: Int) {
        let cubes = plan.cubes
        let changed = cubes.changedDays
        var record = Release(seq: cubes.release.released.lastSeq + 1, releasedAt: timestamp)
        record.cuts = cubes.cuts
        for period in plan.releasedNow {
            record.periods.append(period)
            record.withheld[period] = Publisher.positions(plan.masks[period] ?? cubes.emptyMask, ids: cubes.ids)
        }
        for day in changed {
            record.tallies[day] = Publisher.tallies(cubes.spanCounts[day] ?? [], ids: cubes.ids)
        }
        for round in plan.roundsReleasedNow {
            record.rounds[round.id] = ReleasedRoundVersion(
                seq: record.seq, from: round.window.from.dayNumber, to: round.window.to.dayNumber, topicIDs: round.topicIDs,
                withheld: Publisher.positions(plan.roundMasks[round.id] ?? cubes.emptyMask, ids: cubes.ids)
            )
        }
        guard try store.recordRelease(record) else { throw ReleaseTakenError() }
        return (
            plan.releasedNow.filter { !cubes.isReleased($0) }.map { "\($0.kind.rawValue)/\($0.identifier)" },
            plan.releasedNow.filter { cubes.isReleased($0) }.map { "\($0.kind.rawValue)/\($0.identifier)" },
            changed.filter { cubes.latestCounts($0) != nil }.count
        )
    }

    /// Stage 4, choose: the periods whose summaries must be (re)built, as jobs with their new
    /// records (a period whose digest and files are unchanged is skipped), and the weeks'
    /// outlook history. Returns the jobs and how many periods were unchanged.
    func changedPeriods(
        _ plan: PublicationPlan, published: [String: PublicationRecord], digests: PeriodDigests, timestamp: String
    ) -> (jobs: [Job], unchanged: Int) {
        let cubes = plan.cubes
        var jobs: [Job] = []
        var unchangedCount = 0
        let unitCodes = cubes.empty.units.map(\.code).filter(Publisher.isUnitFolderName)
        for kind in kinds {
            for period in cubes.periods(kind) {
                let key = "\(kind.rawValue)/\(period.identifier)"
                let digest = digests.recorded(period)
                let old = published[key]
                // One access(2) per file: FileManager's fileExists costs about 40 µs each on Linux,
                // 0.2 s for the units' views of five years of periods.
                let filesPresent = ["summary.json", "summary.csv", "report.html"].allSatisfy { Publisher.exists("\(directory)/\(key)/\($0)") }
                    && unitCodes.allSatisfy { Publisher.exists("\(directory)/\(Publisher.unitFolder($0))/\(key)/report.html") }
                if let old, old.digest == digest, filesPresent {
                    unchangedCount += 1
                    continue
                }
                let current = cubes.cube(period)
                let unchanged = old?.digest == digest
                let record = PublicationRecord(
                    kind: kind, period: period.identifier,
                    revision: old.map { unchanged ? $0.revision : $0.revision + 1 } ?? 1,
                    digest: digest, responses: current.total,
                    dataThrough: old.flatMap { unchanged ? $0.dataThrough : nil } ?? timestamp
                )
                jobs.append(Job(
                    period: period, current: current, previous: cubes.cube(period.previous),
                    withheld: plan.masks[period] ?? cubes.emptyMask, previousWithheld: plan.masks[period.previous] ?? cubes.emptyMask,
                    record: record, baseDigest: digests.base(period)
                ))
            }
        }
        // The figures of the weeks the new weekly summaries' outlooks read.
        let historyWeeks = jobs.filter { $0.period.kind == .week }.flatMap { Publisher.weeks(before: $0.period, count: NetIndexOutlook.weeks - 1) }
        let history = figures(historyWeeks, cubes: cubes, masks: plan.masks) { digests.base($0) }
        for index in jobs.indices where jobs[index].period.kind == .week {
            jobs[index].history = Publisher.weeks(before: jobs[index].period, count: NetIndexOutlook.weeks - 1).map { history[$0] }
        }
        return (jobs, unchangedCount)
    }

    /// Stage 5, alarms: the early-warning charts on the weeks as published, with the previous
    /// `alerts.json` (its episodes, for the journal, and its revised flags).
    func alarms(_ plan: PublicationPlan, timestamp: String) -> (previous: AlertsDocument?, current: AlertsDocument) {
        let previous = publishedAlerts()
        // Weeks this publication revises: an alarm resting on them comes from revised data, and
        // says so as long as it stays open.
        var document = Publisher.alerts(
            cubes: plan.cubes, settings: effectiveEarlyWarning, minimumCellSize: minimumCellSize, generatedAt: timestamp,
            weekMasks: kinds.contains(.week) ? plan.masks : nil,
            revisedWeeks: Set(plan.releasedNow.filter { $0.kind == .week && plan.cubes.isReleased($0) }), look: plan.look,
            previous: previous
        )
        document.keepRevisedFlags(of: previous)
        return (previous, document)
    }

    /// The provisional alarms of `document` as the database records them (week, unit and topic ids).
    /// Each once: the two charts of a unit's topic (up and down) tell about the same counts.
    func provisionalLooks(_ document: AlertsDocument, cubes: PeriodCubes) -> [ProvisionalLook] {
        var seen = Set<ProvisionalLook>()
        return (document.provisional ?? []).compactMap { alarm -> ProvisionalLook? in
            guard let week = Period(identifier: alarm.week), week.kind == .week,
                  let t = cubes.empty.topics.firstIndex(where: { $0.code == alarm.topic }), cubes.ids.topics.indices.contains(t) else { return nil }
            var unitID: Int64?
            if let code = alarm.unit {
                guard let u = cubes.empty.units.firstIndex(where: { $0.code == code }), cubes.ids.units.indices.contains(u) else { return nil }
                unitID = cubes.ids.units[u]
            }
            let look = ProvisionalLook(weekStart: week.start.dayNumber, unitID: unitID, topicID: cubes.ids.topics[t])
            return seen.insert(look).inserted ? look : nil
        }
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
