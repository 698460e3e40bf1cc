import Foundation

/// Beta-binomial empirical Bayes for the shares of many small areas (units): each unit's share is
/// shrunk toward the pooled (province) share by as much as its own count is small compared with
/// the spread between units, so that a unit with few responses gets a sensible estimate.
///
/// The prior Beta(μM, (1 − μ)M) is fitted by the method of moments (Kleinman 1973): μ is the
/// pooled share Σy / Σn, and the intra-class correlation ρ = 1 / (M + 1) solves
/// Σ nᵤ(pᵤ − μ)² = μ(1 − μ)[(k − 1) + ρ(N − Σnᵤ² / N)].
/// Fallbacks, stated: with fewer than three units with responses, or μ at 0 or 1, there is no
/// shrinkage (M = 0); when the moment estimate of ρ is zero or negative (units no more different
/// than chance), M is capped at N, the province's responses: the prior never weighs more than all
/// the data together.
public struct BetaBinomialPrior: Sendable, Hashable {
    /// Prior mean: the pooled share.
    public var mean: Double
    /// Prior strength M = α + β, in responses (0 = no shrinkage).
    public var strength: Double

    public init(mean: Double, strength: Double) {
        self.mean = mean
        self.strength = strength
    }

    /// The method-of-moments fit across units (`count` of `n` per unit).
    public static func fit(_ units: [(count: Int, n: Int)]) -> BetaBinomialPrior {
        let used = units.filter { $0.n > 0 && $0.count >= 0 && $0.count <= $0.n }
        let total = Double(used.reduce(0) { $0 + $1.n })
        let successes = Double(used.reduce(0) { $0 + $1.count })
        guard total > 0 else { return BetaBinomialPrior(mean: 0, strength: 0) }
        let mu = successes / total
        guard used.count >= 3, mu > 0, mu < 1 else { return BetaBinomialPrior(mean: mu, strength: 0) }
        var s = 0.0, squares = 0.0
        for unit in used {
            let n = Double(unit.n), p = Double(unit.count) / n
            s += n * (p - mu) * (p - mu)
            squares += n * n
        }
        let k = Double(used.count)
        let denominator = total - squares / total
        let rho = denominator > 0 ? (s / (mu * (1 - mu)) - (k - 1)) / denominator : 0
        let strength = rho > 0 ? min((1 - rho) / rho, total) : total
        return BetaBinomialPrior(mean: mu, strength: max(0, strength))
    }

    /// The posterior of one unit's share: Beta(y + μM, n − y + (1 − μ)M).
    public func posterior(count: Int, of n: Int) -> BetaDistribution? {
        let a = Double(count) + mean * strength, b = Double(n - count) + (1 - mean) * strength
        guard a > 0, b > 0 else { return nil }
        return BetaDistribution(alpha: a, beta: b)
    }

    /// The shrunk share of one unit: (y + μM) / (n + M); μ when the unit has no responses.
    public func shrunkShare(count: Int, of n: Int) -> Double {
        let weight = Double(n) + strength
        return weight > 0 ? (Double(count) + mean * strength) / weight : mean
    }
}

/// A beta distribution, for posterior intervals of shares.
public struct BetaDistribution: Sendable, Hashable {
    public var alpha: Double
    public var beta: Double

    public init(alpha: Double, beta: Double) {
        self.alpha = alpha
        self.beta = beta
    }

    public var mean: Double { alpha / (alpha + beta) }

    /// The distribution function: the regularized incomplete beta function I_x(α, β).
    public func cdf(_ x: Double) -> Double {
        IncompleteBeta.regularized(a: alpha, b: beta, x: x)
    }

    /// The q-quantile, by bisection on the distribution function, to within `tolerance` (at most
    /// 64 halvings).
    public func quantile(_ q: Double, tolerance: Double = 0) -> Double {
        var low = 0.0, high = 1.0
        for _ in 0..<64 where high - low > tolerance {
            let mid = (low + high) / 2
            if cdf(mid) < q { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// The central interval holding `level` of the probability (default 95%), its ends to within
    /// `tolerance`.
    public func interval(level: Double = 0.95, tolerance: Double = 0) -> Interval {
        Interval(low: quantile((1 - level) / 2, tolerance: tolerance), high: quantile((1 + level) / 2, tolerance: tolerance))
    }
}
