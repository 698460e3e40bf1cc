import Foundation

/// A two-sided interval, in the unit of the estimate it belongs to.
public struct Interval: Hashable, Sendable, Codable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    /// Whether the interval lies entirely on one side of zero.
    public var excludesZero: Bool { low > 0 || high < 0 }
}

/// Interval estimates for survey shares: Wilson score intervals for one share, the net index
/// (share positive − share negative) with a MOVER interval, and Newcombe's hybrid score interval
/// for the change of either between two independent periods.
public enum Statistics {
    /// z for a two-sided 95% interval.
    public static let z95 = 1.959_963_984_540_054

    /// Wilson score interval for `successes` out of `n` (shares as fractions); nil when n = 0.
    public static func wilson(_ successes: Int, of n: Int, z: Double = z95) -> Interval? {
        guard n > 0 else { return nil }
        let n = Double(n), p = Double(successes) / n, z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return Interval(low: max(0, center - half), high: min(1, center + half))
    }

    /// Newcombe's hybrid score interval (his method 10) for p1 − p2 of two independent samples,
    /// from each share and its own interval.
    public static func newcombe(p1: Double, interval1: Interval, p2: Double, interval2: Interval) -> Interval {
        let d = p1 - p2
        let low = d - ((p1 - interval1.low) * (p1 - interval1.low) + (interval2.high - p2) * (interval2.high - p2)).squareRoot()
        let high = d + ((interval1.high - p1) * (interval1.high - p1) + (p2 - interval2.low) * (p2 - interval2.low)).squareRoot()
        return Interval(low: low, high: high)
    }

    /// The net index of one sample: share positive − share negative (fractions, −1…1), with an
    /// interval built the same way from the two Wilson intervals (Zou & Donner's MOVER, which is
    /// Newcombe's method extended to correlated shares, with the multinomial correlation).
    /// `z` sets the level (default 95%).
    public static func netIndex(positive: Int, negative: Int, of n: Int, z: Double = z95) -> (value: Double, interval: Interval)? {
        guard n > 0, let lp = wilson(positive, of: n, z: z), let ln = wilson(negative, of: n, z: z) else { return nil }
        let pp = Double(positive) / Double(n), pn = Double(negative) / Double(n)
        let spread = (pp * (1 - pp) * pn * (1 - pn)).squareRoot()
        let correlation = spread > 0 ? -(pp * pn) / spread : 0
        let d = pp - pn
        let a = pp - lp.low, b = ln.high - pn
        let c = lp.high - pp, e = pn - ln.low
        let low = d - max(0, a * a + b * b - 2 * correlation * a * b).squareRoot()
        let high = d + max(0, c * c + e * e - 2 * correlation * c * e).squareRoot()
        return (d, Interval(low: max(-1, low), high: min(1, high)))
    }

    /// The change of an estimate between two independent periods with Newcombe's hybrid
    /// construction applied to the two estimates' intervals.
    public static func change(current: Double, currentInterval: Interval, previous: Double, previousInterval: Interval) -> (value: Double, interval: Interval) {
        (current - previous, newcombe(p1: current, interval1: currentInterval, p2: previous, interval2: previousInterval))
    }
}
