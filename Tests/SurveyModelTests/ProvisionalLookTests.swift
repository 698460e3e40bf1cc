import Foundation
@testable import SurveyModel
import Testing
import TestSupport

/// The provisional look's statistics (issue 27): a threshold that spends its own share of the
/// budget on the current week's first days, checked against a simulation of the thing it claims.
@Suite struct ProvisionalLookTests {
    /// A weekly chart for π₀ at `n` responses a week and its provisional threshold.
    static func calibrated(p0: Double, n: Int, weeks: Double, lookWeeks: Double, days: Int)
        throws -> (chart: BinomialCUSUM, look: (threshold: Double, runLength: Double))
    {
        let weekly = BinomialCUSUM.Calibration(inControl: p0, oddsRatio: 2, responses: WeeklyResponses([n]), targetRunLength: weeks)
        let chart = try #require(BinomialCUSUM.calibrated(weekly)).chart
        let look = try #require(BinomialCUSUM.provisionalThreshold(.init(weekly: weekly, weeklyThreshold: chart.threshold, days: days, targetRunLength: lookWeeks)))
        return (chart, look)
    }

    /// While nothing changes, the weeks in which the look crosses its threshold come as often as
    /// its stated run length says: the weekly chart run over simulated weeks whose responses fall
    /// on days at random, the look made over each week's first days from the score the chart
    /// had at the week's start. Binomial answers, π₀ known: the calibration's own assumptions,
    /// so what is checked is the Markov chain over the days and the long-run start.
    /// `sizes`: the weeks' responses, each week drawing one (the days of a week share its size).
    @Test(arguments: [(0.2, [40], 2), (0.2, [40], 6), (0.1, [150], 2), (0.35, [20], 1), (0.2, [10, 80], 3), (0.25, [0, 30, 60], 2)])
    func looksCrossAsOftenAsStated(p0: Double, sizes: [Int], days: Int) throws {
        let weekly = BinomialCUSUM.Calibration(inControl: p0, oddsRatio: 2, responses: WeeklyResponses(sizes), targetRunLength: 30)
        let chart = try #require(BinomialCUSUM.calibrated(weekly)).chart
        let look = try #require(BinomialCUSUM.provisionalThreshold(.init(weekly: weekly, weeklyThreshold: chart.threshold, days: days, targetRunLength: 60)))
        #expect(look.threshold >= chart.threshold)
        // At its target, unless the weekly threshold already crosses less (h′ = h).
        #expect(look.runLength >= 60 && (look.runLength < 66 || look.threshold == chart.threshold), "run length \(look.runLength)")
        var g = SeededGenerator.forTest()
        let seed = g.seed
        func uniform() -> Double { Double(g.next() >> 11) / Double(1 << 53) }
        let weeks = 40_000
        var crossings = 0, score = 0.0
        for _ in 0..<weeks {
            let n = sizes[min(sizes.count - 1, Int(uniform() * Double(sizes.count)))]
            var daily = Array(repeating: (count: 0, n: 0), count: 7)
            for _ in 0..<n {
                let day = min(6, Int(uniform() * 7))
                daily[day].n += 1
                if uniform() < p0 { daily[day].count += 1 }
            }
            var provisional = score
            for day in daily.prefix(days) {
                provisional = max(0, provisional + chart.logLikelihoodRatio(count: day.count, of: day.n))
                if provisional > look.threshold {
                    crossings += 1
                    break
                }
            }
            let week = daily.reduce(into: (count: 0, n: 0)) { $0.count += $1.count; $0.n += $1.n }
            score = max(0, score + chart.logLikelihoodRatio(count: week.count, of: week.n))
            if score > chart.threshold { score = 0 }
        }
        // The stated rate, with room for the chain's discretisation (10%) and 4 s.d. of chance
        // (twice the Poisson variance: a crossing makes one the next week likelier).
        let expected = Double(weeks) / look.runLength
        #expect(abs(Double(crossings) - expected) < 0.1 * expected + 4 * (2 * expected).squareRoot(),
                "\(crossings) weeks with a crossing in \(weeks), \(expected) stated (SURVEYD_TEST_SEED=\(seed))")
    }

    /// A look that may spend less crosses less: its threshold rises with its run length, and
    /// never sits below the weekly one.
    @Test func aLongerRunLengthRaisesTheLooksThreshold() throws {
        let short = try Self.calibrated(p0: 0.2, n: 40, weeks: 238, lookWeeks: 500, days: 2)
        let long = try Self.calibrated(p0: 0.2, n: 40, weeks: 238, lookWeeks: 2000, days: 2)
        #expect(short.look.threshold >= short.chart.threshold)
        #expect(long.look.threshold > short.look.threshold)
        #expect(long.look.runLength > short.look.runLength)
    }

    /// The look continues the chart day by day from its latest score, resets at 0 and names the
    /// first day past the threshold; a chart in alarm, or without a look, does not look.
    @Test func theLookNamesTheFirstDayPastItsThreshold() throws {
        var settings = EarlyWarningSettings()
        settings.provisionalShare = 0.2
        settings.provisionalDays = 3
        var topic = TopicWeeks(units: 1, weeks: 30)
        for week in 0..<30 {
            topic.responses[week] = 40
            topic.negative[week] = 8
            topic.positive[week] = 20
        }
        let engine = EarlyWarning(settings: settings)
        let chart = try #require(engine.chart(topic, unit: 0, share: .negativeRising, runLength: 238, provisionalRunLength: 1000))
        let threshold = try #require(chart.provisionalThreshold)
        #expect(chart.alarm == nil && threshold >= chart.cusum.threshold)
        // A quiet day, then days with every answer negative until the threshold is crossed.
        let quiet = (count: 1, n: 6)
        #expect(chart.provisionalCrossing([quiet, quiet, quiet]) == nil)
        let loud = (count: 6, n: 6)
        let step = chart.cusum.logLikelihoodRatio(count: 6, of: 6)
        let needed = Int(((threshold - chart.latestScore) / step).rounded(.down)) + 1
        let days = [quiet] + Array(repeating: loud, count: 2)
        #expect(chart.provisionalCrossing(days) == (needed <= 2 ? needed + 1 : nil), "needed \(needed) loud days")
        var withoutLook = settings
        withoutLook.provisionalShare = 0
        let plain = try #require(EarlyWarning(settings: withoutLook).chart(topic, unit: 0, share: .negativeRising, runLength: 238))
        #expect(plain.provisionalThreshold == nil && plain.provisionalCrossing([loud, loud, loud]) == nil)
    }

    /// The family splits the budget: the weekly charts spend (1 − share), the look the share,
    /// and what both are expected to raise stays within the budget.
    @Test func theFamilySplitsTheBudget() {
        var settings = EarlyWarningSettings()
        settings.watchEntriesPerWeek = 0
        settings.provisionalShare = 0.25
        var topic = TopicWeeks(units: 4, weeks: 20)
        for index in topic.responses.indices {
            topic.responses[index] = 40 + index % 7
            topic.negative[index] = 8 + index % 3
            topic.positive[index] = 20 - index % 4
        }
        let family = EarlyWarning(settings: settings).family([topic])
        #expect(family.charts.count == 10)
        #expect(family.runLength == 10 / 0.75 && family.provisionalRunLength == 10 / 0.25)
        #expect(family.expectedFalseAlarms <= 1 + 1e-9 && family.expectedFalseAlarms > 0.8, "\(family.expectedFalseAlarms)")
        #expect((family.expectedProvisionalAlarms ?? 0) <= 0.25 + 1e-9)
    }

    /// Spending the slack (the daemon's way): the weekly charts keep the whole budget's thresholds
    /// (the same as with no look), the look's charts share what those leave, and together they
    /// stay within the budget; a remembered look threshold is the one computed.
    @Test func theLookSpendsWhatTheWeeklyChartsLeave() throws {
        var topic = TopicWeeks(units: 4, weeks: 20)
        for index in topic.responses.indices {
            topic.responses[index] = 40 + index % 7
            topic.negative[index] = 8 + index % 3
            topic.positive[index] = 20 - index % 4
        }
        var plain = EarlyWarningSettings()
        plain.watchEntriesPerWeek = 0
        var settings = plain
        settings.provisionalSpendsSlack = true
        settings.provisionalDays = 2
        #expect(settings.looksProvisionally && settings.weeklyBudget == 1 && settings.provisionalBudget == 0)
        let without = EarlyWarning(settings: plain).family([topic])
        let cache = ThresholdCache()
        let family = EarlyWarning(settings: settings).family([topic], thresholds: cache)
        #expect(family.charts.map(\.cusum.threshold) == without.charts.map(\.cusum.threshold))
        let weekly = without.expectedFalseAlarms
        #expect(weekly < 1)
        let target = try #require(family.provisionalRunLength)
        #expect(abs(target - 10 / (1 - weekly)) < 1e-9)
        #expect(family.charts.allSatisfy { ($0.provisionalThreshold ?? 0) >= $0.cusum.threshold && $0.provisionalDays == 2 })
        #expect(family.expectedFalseAlarms <= 1 + 1e-9 && family.expectedFalseAlarms > weekly, "\(family.expectedFalseAlarms)")
        #expect((family.expectedProvisionalAlarms ?? 0) <= 1 - weekly + 1e-9)
        // The second family reads its look thresholds from the cache: the same.
        let again = EarlyWarning(settings: settings).family([topic], thresholds: cache)
        #expect(again.charts.map(\.provisionalThreshold) == family.charts.map(\.provisionalThreshold))
    }
}
