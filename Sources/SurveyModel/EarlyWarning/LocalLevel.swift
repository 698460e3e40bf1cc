import Foundation

/// The local-level model (random walk plus noise) for a weekly series of estimates: the true
/// level moves by a random step of variance q each week, and each week's estimate scatters around
/// it with its own sampling variance (known from its responses). The Kalman filter gives the
/// level now and the expected value next week with a band: persistence made honest, not a
/// prophecy. q is estimated by maximum likelihood over a grid of values.
public struct LocalLevel: Sendable, Hashable {
    /// One week: the estimate and its sampling variance, or nil for a week without responses.
    public typealias Observation = (value: Double, variance: Double)?

    /// The fitted model after the last week.
    public struct Forecast: Sendable, Hashable {
        /// Expected value next week (the filtered level now).
        public var expected: Double
        /// Variance of the level next week (level now + one step).
        public var levelVariance: Double
        /// The step variance q chosen.
        public var stepVariance: Double

        /// The 95% band for next week's estimate, given the sampling variance it will have (0 for
        /// the band of the level itself).
        public func band(samplingVariance: Double = 0, z: Double = Statistics.z95) -> Interval {
            let half = z * max(0, levelVariance + samplingVariance).squareRoot()
            return Interval(low: expected - half, high: expected + half)
        }
    }

    /// Step variances tried (fractions²): none, and 10⁻⁶ to 10⁻² (a standard deviation of 0.1
    /// percentage point to 10 points a week) in steps of 10^⅙.
    public static let stepGrid: [Double] = [0] + (0...24).map { 1e-6 * pow(10, Double($0) / 6) }

    /// Filters the series with step variance `q`; returns the forecast and the log-likelihood of
    /// the one-step prediction errors (nil when the series has no observation).
    public static func filter(_ series: [Observation], stepVariance q: Double) -> (forecast: Forecast, logLikelihood: Double)? {
        var level = 0.0, variance = Double.infinity
        var logLikelihood = 0.0
        for observation in series {
            variance += q
            guard let observation, observation.value.isFinite, observation.variance >= 0 else { continue }
            let v = max(observation.variance, 1e-9)
            if variance.isInfinite {
                level = observation.value
                variance = v
                continue
            }
            let f = variance + v, error = observation.value - level
            logLikelihood -= 0.5 * (log(2 * Double.pi * f) + error * error / f)
            let gain = variance / f
            level += gain * error
            variance *= (1 - gain)
        }
        guard variance.isFinite else { return nil }
        return (Forecast(expected: level, levelVariance: variance + q, stepVariance: q), logLikelihood)
    }

    /// The forecast with q of greatest likelihood on ``stepGrid``.
    public static func forecast(_ series: [Observation]) -> Forecast? {
        var best: (forecast: Forecast, logLikelihood: Double)?
        for q in stepGrid {
            guard let fit = filter(series, stepVariance: q) else { return nil }
            if best == nil || fit.logLikelihood > (best?.logLikelihood ?? -.infinity) + 1e-12 { best = fit }
        }
        return best?.forecast
    }
}
