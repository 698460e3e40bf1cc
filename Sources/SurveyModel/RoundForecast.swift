import Foundation

/// Where a unit's count will stand at the reporting deadline if it keeps its recent pace, with a
/// 90% predictive interval, and the day it would reach its target.
///
/// Method: the rate is the mean of the counted responses received per provincial day over the
/// last ``RoundProgress/rateWindowDays`` full days before today (only days from `from` on; days
/// with nothing received count as 0). Daily arrivals are treated as over-dispersed Poisson
/// (quasi-Poisson): the dispersion φ = max(1, s² ÷ mean) of the daily counts. The count still to
/// come in the R full days after today up to `report_by` has mean μ = rate × R and a predictive
/// variance V = φ · rate · R · (1 + R ÷ n), which adds the uncertainty of a rate measured over n
/// days to that of the arrivals themselves; the interval is the 5% and 95% quantiles of the
/// negative binomial distribution with that mean and variance, added to what was received. When
/// nothing arrived in the window the point forecast adds nothing and the upper bound adds
/// R × 3.0 ÷ n (the one-sided 95% bound of a Poisson rate with no events). Today's receipts count
/// as received, not as a day of the rate. Limits: a pace that changes (a last-week rush) is not
/// foreseen, and days are assumed alike (no weekday effect).
public struct RoundForecast: Sendable, Codable, Equatable {
    /// Counted responses per day over the window.
    public var ratePerDay: Double
    /// Full days the rate was measured over.
    public var windowDays: Int
    /// φ, the variance of the daily counts over their mean (at least 1).
    public var dispersion: Double
    /// Full days from tomorrow to `report_by`, both included.
    public var remainingDays: Int
    /// Expected count by the end of `report_by`, and its 90% interval.
    public var expectedByReportBy: Double
    public var low: Int
    public var high: Int
    public var confidence = 0.9
    /// The day the target would be reached at this rate (nil when reached or the rate is 0).
    public var targetReachedOn: LocalDate?

    /// The forecast of an open round's unit on `today`; nil before the round's first full day.
    /// `daily` maps provincial day numbers to counted responses received that day.
    public static func make(round: SurveyRound, target: Int, received: Int, daily: [Int: Int], today: LocalDate) -> RoundForecast? {
        let first = max(round.from.dayNumber, today.dayNumber - RoundProgress.rateWindowDays)
        let last = today.dayNumber - 1
        guard last >= first else { return nil }
        let counts = (first...last).map { Double(daily[$0] ?? 0) }
        let n = Double(counts.count)
        let mean = counts.reduce(0, +) / n
        var dispersion = 1.0
        if counts.count >= 2, mean > 0 {
            let variance = counts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            dispersion = max(1, variance / mean)
        }
        let remaining = max(0, round.reportBy.dayNumber - today.dayNumber)
        let r = Double(remaining)
        let interval = predictiveInterval(rate: mean, dispersion: dispersion, days: r, windowDays: n)
        var reached: LocalDate?
        if received < target, mean > 0 {
            reached = today.adding(days: Int((Double(target - received) / mean).rounded(.up)))
        }
        return RoundForecast(
            ratePerDay: mean, windowDays: counts.count, dispersion: dispersion, remainingDays: remaining,
            expectedByReportBy: Double(received) + mean * r, low: received + interval.low, high: received + interval.high,
            targetReachedOn: reached
        )
    }

    /// The 90% predictive interval of the count still to come (see the type's documentation).
    static func predictiveInterval(rate: Double, dispersion: Double, days: Double, windowDays n: Double) -> (low: Int, high: Int) {
        guard days > 0 else { return (0, 0) }
        guard rate > 0 else { return (0, Int((days * 2.995_732_273_553_991 / n).rounded(.up))) }
        let mu = rate * days
        let variance = dispersion * rate * days * (1 + days / n)
        return (
            NegativeBinomial.quantile(0.05, mean: mu, variance: variance),
            NegativeBinomial.quantile(0.95, mean: mu, variance: variance)
        )
    }
}

/// The negative binomial distribution given by its mean μ and variance V > μ: SciPy's
/// `nbinom(n = μ² / (V − μ), p = μ / V)`.
enum NegativeBinomial {
    /// P(X ≤ k) = I_p(r, k + 1), the regularised incomplete beta function.
    static func cdf(_ k: Int, mean: Double, variance: Double) -> Double {
        guard k >= 0 else { return 0 }
        let r = mean * mean / (variance - mean), p = mean / variance
        return IncompleteBeta.regularized(a: r, b: Double(k) + 1, x: p)
    }

    /// The smallest k with P(X ≤ k) ≥ q (SciPy's `ppf`).
    static func quantile(_ q: Double, mean: Double, variance: Double) -> Int {
        guard variance > mean, mean > 0 else { return Int(mean.rounded()) }
        var low = -1
        var high = Int(mean + 20 * variance.squareRoot() + 10)
        while cdf(high, mean: mean, variance: variance) < q { high *= 2 }
        // Invariant: cdf(low) < q ≤ cdf(high).
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if cdf(middle, mean: mean, variance: variance) >= q { high = middle } else { low = middle }
        }
        return high
    }
}
