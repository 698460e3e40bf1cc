import Foundation

// The provisional look (issue 27, "time to an alarm"): a chart's score after its latest released
// week plus the first days of the current week, measured against a threshold of its own that
// spends its own share of the province's budget. Statistics only: what the look may reveal of
// days not yet released, and so whether a publication may show it, is decided elsewhere.

extension BinomialCUSUM {
    /// The long-run distribution of C at the end of a week while each week's step follows
    /// `distribution` (the chain of ``averageRunLength(actual:responses:states:)``, restarted at
    /// 0 after an alarm): the stationary distribution of the chain, as (score, probability) with
    /// state 0 at C = 0 and each other state at the middle of its interval. Nil for a degenerate chain.
    func endOfWeekScores(_ distribution: LLRDistribution, states g: Int) -> [(score: Double, probability: Double)]? {
        guard let r = transitions(distribution, states: g) else { return nil }
        // P = R + a·e₀ᵀ, a the alarm probability of each state. π solves (I − P)ᵀ π = 0 with its
        // first equation replaced by Σπ = 1.
        var matrix = Array(repeating: 0.0, count: g * g)
        for j in 0..<g {
            var stays = 0.0
            for k in 0..<g { stays += r[j * g + k] }
            let alarm = max(0, 1 - stays)
            for k in 0..<g {
                let p = r[j * g + k] + (k == 0 ? alarm : 0)
                matrix[k * g + j] = (j == k ? 1 : 0) - p
            }
        }
        for j in 0..<g { matrix[j] = 1 }
        var b = Array(repeating: 0.0, count: g)
        b[0] = 1
        guard let pi = BinomialCUSUM.solve(&matrix, b, size: g) else { return nil }
        let delta = threshold / Double(g - 1)
        return pi.enumerated().map { j, p in (j == 0 ? 0 : (Double(j) - 0.5) * delta, max(0, p)) }
    }

    /// What a provisional threshold is computed from.
    public struct ProvisionalCalibration: Sendable, Hashable {
        /// The weekly chart's calibration, and the threshold it gave.
        public var weekly: Calibration
        public var weeklyThreshold: Double
        /// The days of the current week looked at, Monday on (1 to 6): the look is made after
        /// each of them, each holding a seventh of the week's responses.
        public var days: Int
        /// The in-control run length wanted of the look, in weeks: one week with a provisional
        /// crossing in that many on average.
        public var targetRunLength: Double

        public init(weekly: Calibration, weeklyThreshold: Double, days: Int, targetRunLength: Double) {
            self.weekly = weekly
            self.weeklyThreshold = weeklyThreshold
            self.days = days
            self.targetRunLength = targetRunLength
        }
    }

    /// The smallest threshold h′ ≥ h (to 0.1%) at which a chart continued day by day over the
    /// current week's first days, D₀ = C (its score after the latest week), Dₜ = max(0, Dₜ₋₁ +
    /// log LR(day t) / φ), crosses h′ on one of them in at most one week per target run length
    /// while nothing changes. C follows its long-run end-of-week distribution; each day holds
    /// Binomial(n, 1/7) of its week's n responses (the weeks' sizes as in the calibration), overdispersed as the week's; the rate is
    /// averaged over the error of π₀ as for the weekly threshold. With that threshold, the
    /// rate's inverse (weeks). Nil when the weekly chart is degenerate or h′ would exceed 100.
    public static func provisionalThreshold(_ calibration: ProvisionalCalibration) -> (threshold: Double, runLength: Double)? {
        let weekly = calibration.weekly
        let p0 = weekly.inControl, g = weekly.states
        guard p0 > 0, p0 < 1, (1...6).contains(calibration.days), calibration.targetRunLength > 1,
              calibration.weeklyThreshold > 0, g >= 2 else { return nil }
        let p1 = shifted(p0, oddsRatio: weekly.oddsRatio)
        let dispersion = max(1, weekly.dispersion.isFinite ? weekly.dispersion : 1)
        let chart = BinomialCUSUM(inControl: p0, outOfControl: p1, threshold: calibration.weeklyThreshold, dispersion: dispersion)
        // The days of one week share its size: one chain per weekly count, mixed by its weight.
        var terms: [(scores: [(score: Double, probability: Double)], day: LLRDistribution, weight: Double)] = []
        for (share, shareWeight) in weekly.actualShares {
            guard let week = LLRDistribution(responses: weekly.responses, actual: share, inControl: p0, outOfControl: p1, dispersion: dispersion),
                  let scores = chart.endOfWeekScores(week, states: g) else { return nil }
            for (n, weight) in zip(weekly.responses.counts, weekly.responses.weights) where n > 0 {
                // Weeks without a response add nothing: the look cannot cross above h.
                let daily = WeeklyResponses([n]).partial(1.0 / 7)
                guard let day = LLRDistribution(responses: daily, actual: share, inControl: p0, outOfControl: p1, dispersion: dispersion) else { continue }
                terms.append((scores, day, shareWeight * weight))
            }
        }
        /// Weeks with a provisional crossing, per week, at h′.
        func rate(_ h: Double) -> Double {
            let look = BinomialCUSUM(inControl: p0, outOfControl: p1, threshold: h, dispersion: dispersion)
            let delta = h / Double(g - 1)
            return terms.reduce(0) { total, term in
                guard let r = look.transitions(term.day, states: g) else { return total }
                // The week's start on the look's grid, then `days` steps of the chain below h′.
                var v = Array(repeating: 0.0, count: g)
                for (score, probability) in term.scores {
                    let state = score <= 0 ? 0 : min(g - 1, max(1, Int((score / delta).rounded(.up))))
                    v[state] += probability
                }
                for _ in 0..<calibration.days {
                    var next = Array(repeating: 0.0, count: g)
                    for j in 0..<g where v[j] > 0 {
                        for k in 0..<g { next[k] += v[j] * r[j * g + k] }
                    }
                    v = next
                }
                return total + term.weight * max(0, 1 - v.reduce(0, +))
            }
        }
        let target = 1 / calibration.targetRunLength
        var low = calibration.weeklyThreshold
        let atLow = rate(low)
        guard atLow > target else { return (low, atLow > 0 ? 1 / atLow : .infinity) }
        var high = low + 1
        while rate(high) > target {
            low = high
            high = low + 2 * (high - calibration.weeklyThreshold)
            if high > 100 { return nil }
        }
        for _ in 0..<60 where high - low > 1e-3 * high {
            let mid = (low + high) / 2
            if rate(mid) > target { low = mid } else { high = mid }
        }
        let r = rate(high)
        return (high, r > 0 ? 1 / r : .infinity)
    }
}

extension EarlyWarning.Chart {
    /// The chart's score after its latest watched week (0 after an alarm there, which resets it).
    public var latestScore: Double {
        guard let last = steps.last else { return 0 }
        return last.alarm ? 0 : last.score
    }

    /// The provisional look: the first day of the current week (counted from Monday, 1 on) on
    /// which the chart continued day by day from its latest score crosses its provisional
    /// threshold, given each day's responses in the watched share; nil when it does not, or for
    /// a chart without a look or in alarm at its latest week (its alarm is already shown). Days
    /// after the look's ``provisionalDays`` are not looked at: its threshold holds for those only.
    public func provisionalCrossing(_ days: [(count: Int, n: Int)]) -> Int? {
        guard let threshold = provisionalThreshold, alarm == nil else { return nil }
        var score = latestScore
        for (offset, day) in days.prefix(provisionalDays).enumerated() {
            score = max(0, score + cusum.logLikelihoodRatio(count: day.count, of: day.n))
            if score > threshold { return offset + 1 }
        }
        return nil
    }
}
