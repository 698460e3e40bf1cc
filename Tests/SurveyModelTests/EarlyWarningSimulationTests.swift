import Foundation
@testable import SurveyModel
import Testing
import TestSupport

/// Draws Binomial(n, p) by inverting a cached distribution function (fast enough for the
/// simulations below in a debug build).
struct BinomialDraws {
    private var tables: [Int: [Double]] = [:]
    let p: Double

    init(p: Double) { self.p = p }

    mutating func draw(_ n: Int, using generator: inout SeededGenerator) -> Int {
        guard n > 0 else { return 0 }
        let table: [Double]
        if let cached = tables[n] {
            table = cached
        } else {
            var total = 0.0
            table = (0...n).map { y in
                total += BinomialCUSUM.binomialProbability(y, n, p)
                return total
            }
            tables[n] = table
        }
        let u = Double.random(in: 0..<1, using: &generator)
        var low = 0, high = n
        while low < high {
            let mid = (low + high) / 2
            if table[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Opinions of one series: negative share, and positive share among the rest.
struct OpinionDraws {
    var negative: BinomialDraws
    var positiveAmongRest: BinomialDraws

    init(positive: Double, negative: Double) {
        self.negative = BinomialDraws(p: negative)
        positiveAmongRest = BinomialDraws(p: positive / (1 - negative))
    }

    mutating func draw(_ n: Int, using generator: inout SeededGenerator) -> (positive: Int, negative: Int) {
        let neg = negative.draw(n, using: &generator)
        return (positiveAmongRest.draw(n - neg, using: &generator), neg)
    }
}

/// Debug-build checks of the charts' operating characteristics; the figures quoted in
/// docs/SUMMARIES.md ("Early warning: simulated") come from `alarm-sim` (bench/AlarmSimulation,
/// release build: 680 charts, clustered answers, a publication a week), run by scripts/test.
@Suite(.serialized) struct EarlyWarningSimulationTests {
    /// Nothing changes: 16 units × 3 topics (102 charts, budget 1 a week, so a run length of 102
    /// weeks each), 52 weeks watched after 52 of baseline, two provinces. The alarm episodes that
    /// open across the family (what the journal logs and the commission sees; a crossing soon after
    /// a reset, while the episode is still open, is not a new alarm) stay within the budget.
    /// Weekly responses per unit and topic: always 150, or varying uniformly from 30 to 270 around
    /// the median the thresholds assume (the binned mixture of weekly counts leaves about 15% more
    /// there: 25% allowed). The count varies more than Poisson (a chart whose π₀ came out low
    /// alarms more than once, and a province chart with its units'), so chance is allowed twice the
    /// Poisson variance: three such standard deviations.
    @Test(arguments: [false, true])
    func falseAlarmsStayWithinTheBudget(varyingResponses: Bool) {
        var generator = SeededGenerator.forTest()
        let seed = generator.seed
        var settings = EarlyWarningSettings()
        settings.watchedWeeks = 52
        settings.watchEntriesPerWeek = 0
        let provinces = 2, topicsCount = 3, units = 16, weeks = settings.baselineWeeks + settings.watchedWeeks
        var draws = OpinionDraws(positive: 0.5, negative: 0.2)
        let clock = ContinuousClock(), start = clock.now
        // An episode opens at a crossing and closes at the first later week whose CUSUM is back at 0.
        func episodes(_ steps: [BinomialCUSUM.Step]) -> Int {
            var open = false, count = 0
            for step in steps {
                if step.alarm {
                    if !open { count += 1 }
                    open = true
                } else if step.score == 0 {
                    open = false
                }
            }
            return count
        }
        var alarms = 0, crossings = 0, stated = 0.0
        for _ in 0..<provinces {
            var topics: [TopicWeeks] = []
            for _ in 0..<topicsCount {
                var topic = TopicWeeks(units: units, weeks: weeks)
                for i in 0..<units * weeks {
                    let n = varyingResponses ? Int.random(in: 30...270, using: &generator) : 150
                    let d = draws.draw(n, using: &generator)
                    topic.positive[i] = d.positive
                    topic.negative[i] = d.negative
                    topic.responses[i] = n
                }
                topics.append(topic)
            }
            let family = EarlyWarning(settings: settings).family(topics)
            #expect(family.charts.count == (units + 1) * topicsCount * 2, "seed \(seed)")
            #expect(family.runLength == Double(family.charts.count) && family.expectedFalseAlarms <= settings.falseAlarmsPerWeek)
            alarms += family.charts.reduce(0) { $0 + episodes($1.steps) }
            crossings += family.charts.reduce(0) { $0 + $1.steps.filter(\.alarm).count }
            stated += family.expectedFalseAlarms / Double(provinces)
        }
        let watched = Double(provinces * settings.watchedWeeks)
        print("simulation in control (responses \(varyingResponses ? "30…270" : "150") a week): \(provinces) × \((units + 1) * topicsCount * 2) charts, stated \(stated) false alarms/week, observed \(Double(alarms) / watched) (\(alarms) episodes, \(crossings) crossings in \(Int(watched)) weeks), \(clock.now - start)")
        let allowed = settings.falseAlarmsPerWeek * watched * (varyingResponses ? 1.25 : 1)
        #expect(Double(alarms) <= allowed + 3 * (2 * allowed).squareRoot(), "seed \(seed): \(alarms) alarms, budget \(allowed)")
        // And not absurdly conservative either (the threshold is computed, not padded).
        #expect(Double(alarms) >= 0.4 * stated * watched, "seed \(seed): \(alarms) alarms, \(stated * watched) expected")
    }

    /// One unit's negative share moves from 20% to 40% at 40 responses a week: at the run length
    /// of the example's family (16 units and the province × 7 topics × 2 directions = 238 charts
    /// at 1 false alarm a week), its chart alarms within 4 weeks in at least 90% of runs.
    @Test func aShiftFrom20To40PercentIsFlaggedWithinFourWeeks() {
        var generator = SeededGenerator.forTest()
        let seed = generator.seed
        let engine = EarlyWarning()
        let runs = 100, units = 16, baseline = engine.settings.baselineWeeks, shifted = 4
        var baseDraws = OpinionDraws(positive: 0.5, negative: 0.2), shiftedDraws = OpinionDraws(positive: 0.4, negative: 0.4)
        var delays: [Int] = []
        for _ in 0..<runs {
            var topic = TopicWeeks(units: units, weeks: baseline + shifted)
            for unit in 0..<units {
                for week in 0..<baseline + shifted {
                    let i = unit * topic.weeks + week
                    let d = unit == 0 && week >= baseline ? shiftedDraws.draw(40, using: &generator) : baseDraws.draw(40, using: &generator)
                    topic.positive[i] = d.positive
                    topic.negative[i] = d.negative
                    topic.responses[i] = 40
                }
            }
            guard let chart = engine.chart(topic, unit: 0, share: .negativeRising, runLength: 238) else { continue }
            let offset = baseline - chart.firstWatchedWeek
            if let first = chart.steps.indices.first(where: { $0 >= offset && chart.steps[$0].alarm }) { delays.append(first - offset + 1) }
        }
        let rate = Double(delays.count) / Double(runs)
        let meanDelay = Double(delays.reduce(0, +)) / Double(max(1, delays.count))
        print("simulation 20%→40% at 40/week, run length 238: flagged within 4 weeks in \(delays.count)/\(runs) runs (\(rate)), mean delay \(meanDelay) weeks among those")
        #expect(rate >= 0.9, "seed \(seed): \(delays.count)/\(runs)")
    }
}
