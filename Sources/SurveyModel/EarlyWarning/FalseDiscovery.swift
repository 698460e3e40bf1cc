import Foundation

/// Control of the false discovery rate of a list of comparisons (Benjamini & Hochberg 1995), with
/// p-values that agree with the intervals the summaries print: a change's p-value is the smallest
/// level α at which its (1 − α) interval, built the same way as the published 95% interval,
/// excludes zero. So p < 0.05 exactly when the published interval excludes zero.
public enum FalseDiscovery {
    /// Benjamini–Hochberg adjusted p-values ("q-values"), in the order given:
    /// q₍ᵢ₎ = min over j ≥ i of (m / j) · p₍ⱼ₎, capped at 1 (as statsmodels' `fdr_bh`).
    /// A comparison is a discovery at false discovery rate q when its adjusted p-value is ≤ q.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        guard m > 0 else { return [] }
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = Array(repeating: 1.0, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, pValues[index] * Double(m) / Double(rank))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }

    /// Which comparisons are discoveries at false discovery rate `rate` (default 5%).
    public static func discoveries(_ pValues: [Double], rate: Double = 0.05) -> [Bool] {
        benjaminiHochberg(pValues).map { $0 <= rate }
    }

    /// Two-sided p-value of "no change" for a test whose level-α interval is `interval(z)` with
    /// z = Φ⁻¹(1 − α/2): finds by bisection the z at which the interval's end nearest zero touches
    /// zero. `interval` must widen as z grows (true of Wilson, Newcombe and MOVER intervals).
    public static func pValue(estimate: Double, interval: (Double) -> Interval?) -> Double {
        guard estimate != 0, estimate.isFinite else { return 1 }
        func excludes(_ z: Double) -> Bool {
            guard let i = interval(z) else { return false }
            return estimate > 0 ? i.low > 0 : i.high < 0
        }
        var low = 0.0, high = 40.0
        if excludes(high) { return 0 }
        for _ in 0..<60 {
            let mid = (low + high) / 2
            if excludes(mid) { low = mid } else { high = mid }
        }
        return erfc(((low + high) / 2) / 2.0.squareRoot())
    }

    /// p-value of the change of the net index between two independent periods, from the counts
    /// of positive and negative sentiment: inverts Newcombe's hybrid construction over the two
    /// MOVER net-index intervals, the method of the published change interval.
    public static func netIndexChangePValue(current: (positive: Int, negative: Int, n: Int), previous: (positive: Int, negative: Int, n: Int)) -> Double? {
        guard let now = Statistics.netIndex(positive: current.positive, negative: current.negative, of: current.n),
              let then = Statistics.netIndex(positive: previous.positive, negative: previous.negative, of: previous.n)
        else { return nil }
        return pValue(estimate: now.value - then.value) { z in
            guard let a = Statistics.netIndex(positive: current.positive, negative: current.negative, of: current.n, z: z),
                  let b = Statistics.netIndex(positive: previous.positive, negative: previous.negative, of: previous.n, z: z)
            else { return nil }
            return Statistics.change(current: a.value, currentInterval: a.interval, previous: b.value, previousInterval: b.interval).interval
        }
    }

    /// p-value of the change of one share between two independent periods (Newcombe's method 10).
    public static func shareChangePValue(current: (count: Int, n: Int), previous: (count: Int, n: Int)) -> Double? {
        guard current.n > 0, previous.n > 0 else { return nil }
        let p1 = Double(current.count) / Double(current.n), p2 = Double(previous.count) / Double(previous.n)
        return pValue(estimate: p1 - p2) { z in
            guard let i1 = Statistics.wilson(current.count, of: current.n, z: z), let i2 = Statistics.wilson(previous.count, of: previous.n, z: z) else { return nil }
            return Statistics.newcombe(p1: p1, interval1: i1, p2: p2, interval2: i2)
        }
    }
}
