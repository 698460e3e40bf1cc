import Foundation
@testable import SurveyModel
import Testing

/// A round of 35 reporting days: collection 2026-11-01…2026-11-30, report by 2026-12-05, silent
/// after 7 days, 100 responses a unit: the even pace expects 100 × (today − from) ÷ 35.
let novemberRound = SurveyRound(
    code: "R1", title: "Đợt thử", topics: ["DAIHOI"], from: day("2026-11-01"), to: day("2026-11-30"),
    reportBy: day("2026-12-05"), silentAfterDays: 7, defaultTarget: 100, unitTargets: ["TPTN": 200]
)
let hanoi = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt

func day(_ text: String) -> LocalDate {
    LocalDate(iso: text) ?? LocalDate(dayNumber: 0)
}

func instant(_ text: String) -> Date {
    (try? Date(text, strategy: .iso8601)) ?? Date(timeIntervalSince1970: 0)
}

@Suite struct RoundProgressTests {
    @Test(arguments: [
        // today, received, last batch day, status
        ("2026-10-31", 0, nil, RoundStatus.notStarted),          // before from
        ("2026-11-01", 0, nil, .notStarted),                     // first day: nothing expected yet
        ("2026-11-07", 0, nil, .behind),                         // 6 quiet days (< 7), 0 < 0.8 × 17.1
        ("2026-11-08", 0, nil, .silent),                         // 7 days since from, never sent
        ("2026-11-08", 20, "2026-11-02", .onTrack),              // 6 quiet days; 20 ≥ 0.8 × 20
        ("2026-11-09", 20, "2026-11-02", .silent),               // 7 quiet days
        ("2026-11-08", 16, "2026-11-07", .onTrack),              // exactly 80% of 20
        ("2026-11-08", 15, "2026-11-07", .behind),               // just below
        ("2026-11-20", 100, "2026-11-05", .complete),            // complete beats silent
        ("2026-12-05", 99, "2026-12-05", .onTrack),              // the deadline day is still open
        ("2026-12-06", 99, "2026-12-05", .missed),               // the day after: closed below target
        ("2026-12-06", 100, "2026-12-05", .complete),
        ("2026-12-06", 0, nil, .missed),                         // never sent, closed
    ] as [(String, Int, String?, RoundStatus)])
    func statusBoundaries(today: String, received: Int, last: String?, expected: RoundStatus) {
        let status = RoundProgress.status(
            round: novemberRound, target: 100, received: received, lastBatchDay: last.map(day), today: day(today)
        )
        #expect(status == expected, "\(today) \(received) \(last ?? "-")")
    }

    @Test func aZeroTargetIsCompleteOnceOpen() {
        #expect(RoundProgress.status(round: novemberRound, target: 0, received: 0, lastBatchDay: nil, today: day("2026-11-20")) == .complete)
        #expect(RoundProgress.status(round: novemberRound, target: 0, received: 0, lastBatchDay: nil, today: day("2026-10-20")) == .notStarted)
    }

    @Test(arguments: [("2026-10-30", RoundPhase.upcoming), ("2026-11-01", .open), ("2026-12-05", .open), ("2026-12-06", .closed)])
    func phases(today: String, phase: RoundPhase) {
        #expect(RoundProgress.phase(novemberRound, today: day(today)) == phase)
    }

    @Test func defaultsOfTheDefinition() {
        let round = SurveyRound(code: "X", title: "X", topics: ["A"], from: day("2026-01-01"), to: day("2026-01-31"), defaultTarget: 5)
        #expect(round.reportBy == day("2026-02-03"))
        #expect(round.silentAfterDays == 7)
        #expect(novemberRound.target(for: "tptn") == 200 && novemberRound.target(for: "VN") == 100)
        #expect(novemberRound.contains(topic: "daihoi", collectedOn: day("2026-11-30")))
        #expect(!novemberRound.contains(topic: "DAIHOI", collectedOn: day("2026-12-01")))
        #expect(!novemberRound.contains(topic: "CANBO", collectedOn: day("2026-11-10")))
    }

    func row(_ unit: String, batch: Int64, at time: String, count: Int, held: Bool = false, collaborator: Int64 = 1, group: String = "ND") -> RoundCount {
        RoundCount(batch: batch, unit: unit, collaborator: collaborator, receivedAt: instant(time), held: held, topic: "DAIHOI", group: group, count: count)
    }

    /// Late is decided by the provincial day: 23:59:59 on report_by is on time, midnight after is
    /// late, though both are the same day in UTC.
    @Test func lateIsReckonedInTheProvincialTimeZone() throws {
        let counts = [
            row("VN", batch: 1, at: "2026-12-05T16:59:59Z", count: 3),
            row("VN", batch: 2, at: "2026-12-05T17:00:00Z", count: 4),
        ]
        let progress = RoundProgress.compute(
            round: novemberRound, units: [SurveyUnit(code: "VN", name: "Võ Nhai")], activeCollaborators: [:], counts: counts,
            now: instant("2026-12-06T02:00:00Z"), timeZone: hanoi
        )
        let unit = try #require(progress.units.first)
        #expect(unit.received == 7 && unit.late == 4 && unit.batches == 2)
        #expect(unit.lastBatch == "2026-12-06T00:00:00+07:00")
        #expect(progress.province.unitsOnTime == 1)
        let utc = RoundProgress.compute(
            round: novemberRound, units: [SurveyUnit(code: "VN", name: "Võ Nhai")], activeCollaborators: [:], counts: counts,
            now: instant("2026-12-06T02:00:00Z"), timeZone: .gmt
        )
        #expect(utc.units.first?.late == 0)
    }

    /// Silence too: at 00:00 local on 11-09 a unit last heard from on 11-02 has been quiet 7 days
    /// (silent); in UTC it is still 11-08 (6 days).
    @Test func silenceIsReckonedInTheProvincialTimeZone() throws {
        let counts = [row("VN", batch: 1, at: "2026-11-02T03:00:00Z", count: 30)]
        let units = [SurveyUnit(code: "VN", name: "Võ Nhai")]
        let local = RoundProgress.compute(round: novemberRound, units: units, activeCollaborators: [:], counts: counts, now: instant("2026-11-08T17:00:00Z"), timeZone: hanoi)
        let utc = RoundProgress.compute(round: novemberRound, units: units, activeCollaborators: [:], counts: counts, now: instant("2026-11-08T17:00:00Z"), timeZone: .gmt)
        #expect(local.today == day("2026-11-09") && local.units.first?.daysSinceLastBatch == 7 && local.units.first?.status == .silent)
        #expect(utc.today == day("2026-11-08") && utc.units.first?.daysSinceLastBatch == 6 && utc.units.first?.status == .onTrack)
    }

    @Test func provinceFiguresAndOrder() throws {
        let units = ["TPTN", "VN", "DT", "PB"].map { SurveyUnit(code: $0, name: "Đơn vị \($0)") }
        let counts = [
            row("TPTN", batch: 1, at: "2026-11-03T02:00:00Z", count: 150, group: "CB"),
            row("TPTN", batch: 1, at: "2026-11-03T02:00:00Z", count: 60, group: "ND"),   // 210 ≥ 200: complete
            row("VN", batch: 2, at: "2026-11-20T02:00:00Z", count: 40, collaborator: 2),
            row("VN", batch: 3, at: "2026-11-21T02:00:00Z", count: 10, held: true, collaborator: 3),
            row("DT", batch: 4, at: "2026-11-02T02:00:00Z", count: 5, collaborator: 4), // silent since 11-02
        ]
        let progress = RoundProgress.compute(
            round: novemberRound, units: units, activeCollaborators: ["VN": 3], counts: counts,
            now: instant("2026-11-21T05:00:00Z"), timeZone: hanoi
        )
        #expect(progress.phase == .open && progress.schema == "surveyd.round/1")
        #expect(progress.units.map(\.unit) == ["PB", "DT", "VN", "TPTN"], "silent first (least complete first), complete last")
        #expect(progress.units.map(\.status) == [.silent, .silent, .behind, .complete])
        let vn = try #require(progress.units.first { $0.unit == "VN" })
        #expect(vn.received == 40 && vn.held == 10 && vn.batches == 1 && vn.collaboratorsSent == 2 && vn.collaboratorsActive == 3)
        #expect(vn.daysSinceLastBatch == 0 && vn.firstBatch == "2026-11-20T09:00:00+07:00")
        let tptn = try #require(progress.units.first { $0.unit == "TPTN" })
        #expect(tptn.byGroup == ["CB": 150, "ND": 60] && tptn.byTopic == ["DAIHOI": 210] && tptn.target == 200)
        let province = progress.province
        #expect(province.unitsExpected == 4 && province.unitsReported == 3 && province.unitsOnTime == 3)
        #expect(province.reportingRate == 0.75 && province.target == 500 && province.received == 255 && province.held == 10)
        #expect(province.completion == Double(200 + 40 + 5) / 500, "one unit's surplus does not count for another")
        #expect(province.statuses["silent"] == 2 && province.statuses["complete"] == 1 && province.statuses["missed"] == 0)
    }

    /// Reference quantiles from SciPy (Tests/Reference/round_forecast_reference.py).
    @Test(arguments: [
        (10.0, 12.0, 5, 16), (50.0, 200.0, 29, 75), (3.5, 4.0, 1, 7), (1000.0, 1500.0, 937, 1064), (0.8, 5.0, 0, 5),
        (250_000.0, 900_000.0, 248_441, 251_562),
    ])
    func negativeBinomialQuantilesMatchSciPy(mean: Double, variance: Double, low: Int, high: Int) {
        #expect(NegativeBinomial.quantile(0.05, mean: mean, variance: variance) == low)
        #expect(NegativeBinomial.quantile(0.95, mean: mean, variance: variance) == high)
    }

    /// The whole forecast against SciPy (Tests/Reference/round_forecast_reference.py): daily counts of
    /// the full days before today, days remaining to report_by.
    @Test(arguments: [
        ([10, 12, 8, 15, 9, 11, 10], 20, 169, 263),
        ([0, 0, 40, 0, 0, 35, 0], 10, 11, 285),
        ([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], 30, 116, 187),
    ])
    func forecastMatchesSciPy(daily: [Int], remaining: Int, low: Int, high: Int) throws {
        let today = day("2026-11-20")
        let first = today.adding(days: -daily.count)
        // The round started before the window: only the last 14 days make the rate.
        let round = SurveyRound(
            code: "F", title: "F", topics: ["A"], from: first.adding(days: -3), to: today.adding(days: remaining),
            reportBy: today.adding(days: remaining), defaultTarget: 1000
        )
        var counts = Dictionary(uniqueKeysWithValues: daily.enumerated().map { (first.dayNumber + $0.offset, $0.element) })
        counts[first.dayNumber - 2] = daily.count < 14 ? 0 : 999   // outside a 14-day window
        let received = 500
        let forecast = try #require(RoundForecast.make(round: round, target: 1000, received: received, daily: counts, today: today))
        let rate = Double(daily.reduce(0, +)) / Double(forecast.windowDays)
        #expect(forecast.remainingDays == remaining)
        if daily.count == 14 {
            #expect(forecast.windowDays == 14 && forecast.ratePerDay == rate)
            #expect(forecast.low == received + low && forecast.high == received + high)
        } else {
            // The window reaches back to from: the days before the listed ones count as zeros.
            #expect(forecast.windowDays == daily.count + 3)
        }
        #expect(abs(forecast.expectedByReportBy - (Double(received) + rate * Double(remaining))) < 1e-9)
        #expect(forecast.low <= Int(forecast.expectedByReportBy) && Int(forecast.expectedByReportBy) <= forecast.high)
        let days = Int((500 / rate).rounded(.up))
        #expect(forecast.targetReachedOn == today.adding(days: days))
    }

    @Test func forecastIntervalOfTheSevenDayCasesMatchesSciPy() {
        for (daily, remaining, low, high) in [([10, 12, 8, 15, 9, 11, 10], 20, 169, 263), ([0, 0, 40, 0, 0, 35, 0], 10, 11, 285)] {
            let n = Double(daily.count), rate = Double(daily.reduce(0, +)) / n
            let variance = daily.reduce(0.0) { $0 + (Double($1) - rate) * (Double($1) - rate) } / (n - 1)
            let interval = RoundForecast.predictiveInterval(rate: rate, dispersion: max(1, variance / rate), days: Double(remaining), windowDays: n)
            #expect(interval.low == low && interval.high == high, "\(daily)")
        }
    }

    @Test func forecastEdges() throws {
        let today = day("2026-11-10")
        #expect(RoundForecast.make(round: novemberRound, target: 100, received: 0, daily: [:], today: day("2026-11-01")) == nil, "no full day yet")
        let quiet = try #require(RoundForecast.make(round: novemberRound, target: 100, received: 20, daily: [:], today: today))
        // Nothing in 9 days, 25 days left: the point adds nothing, the bound adds 25 × 3.0 / 9.
        #expect(quiet.ratePerDay == 0 && quiet.expectedByReportBy == 20 && quiet.low == 20 && quiet.high == 20 + 9 && quiet.targetReachedOn == nil)
        let last = try #require(RoundForecast.make(round: novemberRound, target: 100, received: 20, daily: [day("2026-12-04").dayNumber: 5], today: day("2026-12-05")))
        #expect(last.remainingDays == 0 && last.low == 20 && last.high == 20 && last.expectedByReportBy == 20)
    }

    @Test func alertsOnlyOnChangesOfState() throws {
        let units = [SurveyUnit(code: "VN", name: "Võ Nhai")]
        func progress(_ now: String, _ counts: [RoundCount]) -> RoundProgress {
            RoundProgress.compute(round: novemberRound, units: units, activeCollaborators: [:], counts: counts, now: instant(now), timeZone: hanoi)
        }
        var state = RoundJournalState()
        var (events, next) = RoundAlerts.events(previous: state, progress: progress("2026-10-30T05:00:00Z", []))
        #expect(events.isEmpty && next.phase == .upcoming)
        state = next
        (events, next) = RoundAlerts.events(previous: state, progress: progress("2026-11-01T05:00:00Z", []))
        #expect(events == [.opened(round: "R1")])
        state = next
        let silent = progress("2026-11-08T05:00:00Z", [])
        (events, next) = RoundAlerts.events(previous: state, progress: silent)
        #expect(events.count == 1)
        guard case let .attention(_, unit, previous) = try #require(events.first) else { Issue.record("\(events)"); return }
        #expect(unit.status == .silent && previous == .notStarted)
        state = next
        (events, _) = RoundAlerts.events(previous: state, progress: progress("2026-11-09T05:00:00Z", []))
        #expect(events.isEmpty, "still silent: no second warning")
        let back = progress("2026-11-09T05:00:00Z", [row("VN", batch: 1, at: "2026-11-09T02:00:00Z", count: 30)])
        (events, next) = RoundAlerts.events(previous: state, progress: back)
        guard case let .recovered(_, recovered, from) = try #require(events.first) else { Issue.record("\(events)"); return }
        #expect(recovered.status == .onTrack && from == .silent && events.count == 1)
        state = next
        (events, next) = RoundAlerts.events(previous: state, progress: progress("2026-12-06T05:00:00Z", [row("VN", batch: 1, at: "2026-11-09T02:00:00Z", count: 30)]))
        guard case let .closed(_, province) = try #require(events.first) else { Issue.record("\(events)"); return }
        #expect(events.count == 1 && province.received == 30, "no per-unit event once closed")
        (events, _) = RoundAlerts.events(previous: next, progress: progress("2026-12-07T05:00:00Z", []))
        #expect(events.isEmpty)
    }
}
