import Foundation

/// How much more than binomial the weekly counts of a share vary: φ, the variance of a week's
/// count over the binomial variance nπ(1 − π). Answers collected in interview sessions that share
/// an outlook (a commune, an office) vary more: with sessions of m answers correlated at ρ, φ is
/// about 1 + (m − 1)ρ.
public enum Dispersion {
    /// φ from several series of weekly counts (one per unit, over the baseline): Pearson's
    /// residuals r = (y − nπ̂) / √(nπ̂(1 − π̂)) of each week, each series around its own share, pooled
    /// with each week weighted by its responses n: Σ n·r² / Σ over series of (weeks − 1)/weeks ·
    /// Σ n. Weighting by responses makes φ the dispersion of the typical response rather than of
    /// the typical unit-week: answers in sessions vary more in a large unit's week (several
    /// sessions) than in a small one's, and the large units and the province, which sums them,
    /// carry most responses. The estimate, less its standard error when answers are binomial
    /// (√(2 / df), df the weeks less one per series), is at least 1: binomial answers give φ = 1 in
    /// most baselines instead of a threshold raised by chance. Series with fewer than two weeks
    /// with responses, or a share of 0 or 1, add nothing; 1 when none is left.
    public static func pooled(_ series: [[(count: Int, n: Int)]]) -> Double {
        var weighted = 0.0, weights = 0.0, freedom = 0
        for weeks in series {
            let used = weeks.filter { $0.n > 0 && $0.count >= 0 && $0.count <= $0.n }
            guard used.count >= 2 else { continue }
            let responses = Double(used.reduce(0) { $0 + $1.n })
            let share = Double(used.reduce(0) { $0 + $1.count }) / responses
            guard share > 0, share < 1 else { continue }
            for week in used {
                let expected = Double(week.n) * share
                weighted += (Double(week.count) - expected) * (Double(week.count) - expected) / (share * (1 - share))
            }
            weights += responses * Double(used.count - 1) / Double(used.count)
            freedom += used.count - 1
        }
        guard freedom > 0, weights > 0, weighted.isFinite else { return 1 }
        return max(1, weighted / weights - (2 / Double(freedom)).squareRoot())
    }
}
