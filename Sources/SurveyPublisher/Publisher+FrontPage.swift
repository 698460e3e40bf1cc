import Crypto
import Foundation
import SurveyModel
import SurveyReport
import SurveyStore
import Synchronization

/// The net-index figures of the weeks and months already built by this process, each with the
/// digest of what its summary is built from (``Publisher/digest(current:previous:minimum:)``): the
/// weekly outlooks and the front page read them instead of building the same summaries again. One
/// entry per period (a newer digest replaces the older), so it holds at most one extract per
/// published week and month (about 10 MB for five years of 16 units × 20 topics).
final class FiguresCache: Sendable {
    private let entries = Mutex<[Period: (digest: Data, figures: NetIndexFigures)]>([:])

    func figures(_ period: Period, digest: Data) -> NetIndexFigures? {
        entries.withLock { entries in entries[period].flatMap { $0.digest == digest ? $0.figures : nil } }
    }

    func remember(_ figures: NetIndexFigures, period: Period, digest: Data) {
        guard period.kind == .week || period.kind == .month else { return }
        entries.withLock { $0[period] = (digest, figures) }
    }
}

extension Publisher {
    static let figuresCache = FiguresCache()

    /// The summary of `period` as published (its figures and withheld cells), from the cubes; the
    /// one place a publication builds a summary, so that every file and the front page agree.
    /// `history`: the figures of the weeks before a weekly period, for its outlook (nil: none is
    /// computed, for a summary built only for its figures).
    /// `withheld` and `previousWithheld`: what the period and the one before it withhold
    /// (``LinkedProtection``'s plan).
    func summary(
        _ period: Period, current: TallyCube, previous: TallyCube, revision: Int, dataThrough: String, history: [NetIndexFigures?]?,
        withheld: ProtectionMask, previousWithheld: ProtectionMask
    ) -> PeriodSummary {
        var summary = SummaryBuilder(minimumCellSize: minimumCellSize).build(
            period: period, current: current, previous: previous, revision: revision, dataThrough: dataThrough,
            withheld: withheld, previousWithheld: previousWithheld
        )
        summary.addSmallUnitEstimates()
        if period.kind == .week, let history { summary.addOutlook(history: history) }
        return summary
    }

    /// The `count` weeks before `week`, oldest first.
    static func weeks(before week: Period, count: Int) -> [Period] {
        var result: [Period] = []
        var current = week
        for _ in 0..<count {
            current = current.previous
            result.append(current)
        }
        return result.reversed()
    }

    /// The digest a weekly summary's files are built from: its own digest and those of the weeks
    /// its outlook reads.
    static func weekDigest(_ own: Data, history: [Data]) -> Data {
        var hasher = SHA256()
        hasher.update(data: own)
        for digest in history { hasher.update(data: digest) }
        return Data(hasher.finalize())
    }

    /// The figures of `periods` (nil for a period without responses), from the cache or built in
    /// parallel. `digest` gives each period's summary digest.
    func figures(_ periods: [Period], cubes: PeriodCubes, masks: [Period: ProtectionMask], digest: (Period) -> Data) -> [Period: NetIndexFigures] {
        var result: [Period: NetIndexFigures] = [:]
        var wanted: [(Period, Data)] = []
        for period in Set(periods) {
            let key = digest(period)
            if let cached = Publisher.figuresCache.figures(period, digest: key) { result[period] = cached } else { wanted.append((period, key)) }
        }
        let missing = wanted
        let built = Mutex<[Period: NetIndexFigures]>([:])
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, missing.count))
        DispatchQueue.concurrentPerform(iterations: missing.isEmpty ? 0 : workers) { worker in
            for index in stride(from: worker, to: missing.count, by: workers) {
                let (period, key) = missing[index]
                let figures = NetIndexFigures(summary(
                    period, current: cubes.cube(period), previous: cubes.cube(period.previous), revision: 0, dataThrough: "", history: nil,
                    withheld: masks[period] ?? cubes.emptyMask, previousWithheld: masks[period.previous] ?? cubes.emptyMask
                ))
                Publisher.figuresCache.remember(figures, period: period, digest: key)
                built.withLock { $0[period] = figures }
            }
        }
        return result.merging(built.withLock { $0 }) { first, _ in first }
    }
}

extension Publisher {
    /// The front page's sections: alarms, the open rounds' late and silent units, and the
    /// latest weeks' and month's figures as their summaries publish them.
    func frontPage(
        cubes: PeriodCubes, masks: [Period: ProtectionMask], records: some Sequence<PublicationRecord>, alerts: AlertsDocument?,
        rounds: [(id: Int64, active: Bool, progress: RoundProgress)], digest: (Period) -> Data
    ) -> FrontPage {
        var page = FrontPage(timeZone: timeZone)
        page.dataThrough = records.map(\.dataThrough).max()
        if let alerts {
            page.alarms = AlertsHTML.body(alerts, labels: Publisher.alertLabels(cubes.empty))
            if alerts.week != nil { page.alarms += "<p class=\"muted\"><a href=\"alerts.html\">Trang cảnh báo sớm (in được)</a> · <a href=\"alerts.json\">alerts.json</a></p>" }
        }
        for round in rounds where round.active && round.progress.phase == .open {
            let units = round.progress.units.filter(\.status.needsAttention).sorted { ($0.status.attentionRank, $0.unit) < ($1.status.attentionRank, $1.unit) }
            page.roundUnits += units.map { unit in
                FrontPage.RoundUnit(
                    round: round.progress.code, roundTitle: round.progress.title, unit: unit.name, status: unit.status,
                    received: unit.received, target: unit.target, lastBatch: unit.lastBatch, path: "rounds/\(round.progress.code)"
                )
            }
        }
        let withData = Set(cubes.periods(.week))
        var trendWeeks: [Period] = []
        if kinds.contains(.week), let latest = cubes.periods(.week).last {
            trendWeeks = Publisher.weeks(before: latest, count: NetIndexOutlook.weeks - 1) + [latest]
        }
        let month = kinds.contains(.month) ? cubes.periods(.month).last : nil
        let figures = self.figures(trendWeeks.filter(withData.contains) + (month.map { [$0] } ?? []), cubes: cubes, masks: masks, digest: digest)
        page.trend = trendWeeks.map { figures[$0] }
        page.latestWeek = trendWeeks.last.flatMap { figures[$0] }
        page.latestMonth = month.flatMap { figures[$0] }
        return page
    }
}
