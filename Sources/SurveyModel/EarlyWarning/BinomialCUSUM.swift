import Foundation

/// The binomial likelihood-ratio CUSUM of Höhle (2010, "Online change-point detection in
/// categorical time series"; R package `surveillance`, `categoricalCUSUM`) for one share: each
/// week's count y of n adds the exact log-likelihood ratio of the out-of-control share π₁ against
/// the in-control share π₀,
///
///     log LRₜ = y · log(π₁ / π₀) + (n − y) · log((1 − π₁) / (1 − π₀)),
///
/// and Cₜ = max(0, Cₜ₋₁ + log LRₜ) raises an alarm when Cₜ > h, after which C is reset to 0.
/// A week with few responses moves C little; a week with none not at all.
///
/// With a ``dispersion`` φ > 1 (answers that vary more than binomial, as when they come in
/// interview sessions that share an outlook) each week adds log LRₜ / φ, the quasi-likelihood
/// ratio, and run lengths are computed with counts drawn from a beta-binomial of variance φ·nπ(1 − π).
public struct BinomialCUSUM: Sendable, Hashable {
    /// π₀, the share expected when nothing has changed.
    public var inControl: Double
    /// π₁, the share the chart is tuned to detect.
    public var outOfControl: Double
    /// h, the alarm threshold.
    public var threshold: Double
    /// φ ≥ 1, the variance of a week's count over the binomial variance (1: binomial).
    public var dispersion: Double

    public init(inControl: Double, outOfControl: Double, threshold: Double, dispersion: Double = 1) {
        self.inControl = inControl
        self.outOfControl = outOfControl
        self.threshold = threshold
        self.dispersion = max(1, dispersion.isFinite ? dispersion : 1)
    }

    /// The share whose odds are `oddsRatio` times the odds of `share`: π₁ = Rπ₀ / (1 − π₀ + Rπ₀).
    /// R > 1 watches for a rise, R < 1 for a fall.
    public static func shifted(_ share: Double, oddsRatio: Double) -> Double {
        oddsRatio * share / (1 - share + oddsRatio * share)
    }

    /// The exact binomial log-likelihood ratio of one week over the dispersion (0 when n = 0).
    public func logLikelihoodRatio(count: Int, of n: Int) -> Double {
        BinomialCUSUM.logLikelihoodRatio(count: count, of: n, inControl: inControl, outOfControl: outOfControl) / dispersion
    }

    static func logLikelihoodRatio(count: Int, of n: Int, inControl p0: Double, outOfControl p1: Double) -> Double {
        guard n > 0 else { return 0 }
        return Double(count) * log(p1 / p0) + Double(n - count) * log((1 - p1) / (1 - p0))
    }

    /// One week of the chart.
    public struct Step: Sendable, Hashable {
        /// Cₜ before any reset: the evidence against the in-control share.
        public var score: Double
        /// Cₜ > h.
        public var alarm: Bool
    }

    /// Runs the chart over weekly counts, from C₀ = `start`, resetting to 0 after each alarm.
    public func run(_ weeks: [(count: Int, n: Int)], start: Double = 0) -> [Step] {
        var c = start
        return weeks.map { week in
            c = max(0, c + logLikelihoodRatio(count: week.count, of: week.n))
            let step = Step(score: c, alarm: c > threshold)
            if step.alarm { c = 0 }
            return step
        }
    }
}

extension BinomialCUSUM {
    /// The smallest threshold ``calibrated(inControl:oddsRatio:n:targetRunLength:states:)`` returns.
    public static let minimumThreshold = 0.01

    /// Number of CUSUM states of the Markov-chain approximation used for thresholds.
    public static let defaultStates = 40

    /// The average run length of the chart while the true share is `actual` and every week has
    /// `n` responses, by the Markov-chain approximation of Brook & Evans (1972) with Hawkins'
    /// Simpson rule, discretised exactly as `surveillance::LRCUSUM.runlength` does: state 1 is
    /// C = 0, states 2…g the intervals of (0, h] cut at g − 1 equal steps, state g + 1 (C > h)
    /// absorbing; ARL = first entry of (I − R)⁻¹ 1. Infinite when the threshold is out of reach to
    /// double precision; nil for a degenerate chart (n = 0, h ≤ 0, a share at 0 or 1).
    public func averageRunLength(actual: Double, n: Int, states g: Int = defaultStates) -> Double? {
        averageRunLength(actual: actual, responses: WeeklyResponses([n]), states: g)
    }

    /// The average run length when each week's responses are drawn from `responses` (the weekly
    /// counts of a baseline, weeks without responses included): the same Markov chain with the
    /// week's log-likelihood ratio distributed as the mixture over those counts.
    public func averageRunLength(actual: Double, responses: WeeklyResponses, states g: Int = defaultStates) -> Double? {
        guard let distribution = LLRDistribution(responses: responses, actual: actual, inControl: inControl, outOfControl: outOfControl, dispersion: dispersion) else { return nil }
        return averageRunLength(distribution, states: g)
    }

    func averageRunLength(_ distribution: LLRDistribution, states g: Int) -> Double? {
        guard var matrix = transitions(distribution, states: g) else { return nil }
        for j in 0..<g {
            for k in 0..<g { matrix[j * g + k] = (j == k ? 1 : 0) - matrix[j * g + k] }
        }
        // A singular I − R: the chain (to double precision) never reaches the threshold.
        guard let solution = BinomialCUSUM.solve(&matrix, Array(repeating: 1, count: g), size: g), let arl = solution.first, arl.isFinite, arl > 0 else { return .infinity }
        return arl
    }

    /// R, the chain's transitions among its g states below the threshold (row-major, g × g; what
    /// a row lacks of 1 is the probability of an alarm from that state). State 0 is C = 0, state
    /// j ≥ 1 the interval ((j − 1)Δ, jΔ] with Δ = h/(g − 1). Nil for g < 2 or h ≤ 0.
    func transitions(_ distribution: LLRDistribution, states g: Int) -> [Double]? {
        guard g >= 2, threshold > 0 else { return nil }
        // S = (−∞, 0, Δ, …, h) with Δ = h/(g−1): state j covers (S[j], S[j+1]]. Every argument of
        // the distribution function below is a multiple of Δ/2 between −gΔ and gΔ (or −∞):
        // tabulated once, 4g + 1 values.
        let delta = threshold / Double(g - 1)
        let half = (0...(4 * g)).map { distribution.cdf(Double($0 - 2 * g) * delta / 2) }
        /// P(log LR ≤ i·Δ/2), and 0 at −∞ (i = nil).
        func cdf(_ i: Int?) -> Double {
            guard let i else { return 0 }
            return half[min(max(i + 2 * g, 0), 4 * g)]
        }
        /// S[k] in half-steps (nil: −∞).
        func edge(_ k: Int) -> Int? { k == 0 ? nil : 2 * (k - 1) }
        func minus(_ a: Int?, _ b: Int) -> Int? { a.map { $0 - b } }
        var matrix = Array(repeating: 0.0, count: g * g)
        for j in 0..<g {
            for k in 0..<g {
                let a = edge(k), b = edge(k + 1)
                let p: Double
                if j == 0 {
                    p = cdf(b) - cdf(a)
                } else if let c = edge(j), let d = edge(j + 1) {
                    let m = c + 1
                    p = (cdf(minus(b, c)) + 4 * cdf(minus(b, m)) + cdf(minus(b, d)) - cdf(minus(a, c)) - 4 * cdf(minus(a, m)) - cdf(minus(a, d))) / 6
                } else {
                    p = 0
                }
                matrix[j * g + k] = p
            }
        }
        return matrix
    }

    /// P(Y = y) for Y ~ Binomial(n, p).
    public static func binomialProbability(_ y: Int, _ n: Int, _ p: Double) -> Double {
        guard y >= 0, y <= n else { return 0 }
        if p <= 0 { return y == 0 ? 1 : 0 }
        if p >= 1 { return y == n ? 1 : 0 }
        let logChoose = lgamma(Double(n) + 1) - lgamma(Double(y) + 1) - lgamma(Double(n - y) + 1)
        return exp(logChoose + Double(y) * log(p) + Double(n - y) * log1p(-p))
    }

    /// P(Y = y) for Y beta-binomial with n trials, mean share p and variance φ·np(1 − p)
    /// (intra-class correlation ρ = (φ − 1)/(n − 1), at most 0.95); binomial when φ = 1 or n < 2.
    public static func overdispersedProbability(_ y: Int, _ n: Int, _ p: Double, dispersion: Double) -> Double {
        guard dispersion > 1, n >= 2, p > 0, p < 1 else { return binomialProbability(y, n, p) }
        guard y >= 0, y <= n else { return 0 }
        let (a, b) = betaParameters(n, p, dispersion: dispersion)
        func logBeta(_ x: Double, _ z: Double) -> Double { lgamma(x) + lgamma(z) - lgamma(x + z) }
        let logChoose = lgamma(Double(n) + 1) - lgamma(Double(y) + 1) - lgamma(Double(n - y) + 1)
        return exp(logChoose + logBeta(Double(y) + a, Double(n - y) + b) - logBeta(a, b))
    }

    /// The beta distribution Beta(a, b) of the share behind n answers of mean p and variance
    /// φ·np(1 − p): intra-class correlation ρ = (φ − 1)/(n − 1), at most 0.95 (φ > 1, n ≥ 2).
    static func betaParameters(_ n: Int, _ p: Double, dispersion: Double) -> (a: Double, b: Double) {
        let rho = min(0.95, (dispersion - 1) / Double(n - 1))
        return (p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho)
    }

    /// P(Y = y) for y = 0…n, Y binomial or overdispersed as in
    /// ``overdispersedProbability(_:_:_:dispersion:)``: by the ratio of successive terms, in logs
    /// (one pass instead of three log-gamma calls per term).
    static func probabilities(_ n: Int, _ p: Double, dispersion: Double) -> [Double] {
        guard n > 0, p > 0, p < 1 else { return (0...max(0, n)).map { binomialProbability($0, n, p) } }
        var logs = [Double](repeating: 0, count: n + 1)
        if dispersion > 1, n >= 2 {
            let (a, b) = betaParameters(n, p, dispersion: dispersion)
            // P(0) = B(a, n + b) / B(a, b); P(y + 1) / P(y) = (n − y)(y + a) / ((y + 1)(n − y − 1 + b)).
            logs[0] = lgamma(Double(n) + b) + lgamma(a + b) - lgamma(Double(n) + a + b) - lgamma(b)
            for y in 0..<n {
                let k = Double(y)
                logs[y + 1] = logs[y] + log((Double(n) - k) * (k + a)) - log((k + 1) * (Double(n) - k - 1 + b))
            }
        } else {
            let odds = log(p) - log1p(-p)
            logs[0] = Double(n) * log1p(-p)
            for y in 0..<n { logs[y + 1] = logs[y] + log(Double(n - y)) - log(Double(y + 1)) + odds }
        }
        return logs.map { exp($0) }
    }

    /// Solves A x = b by Gaussian elimination with partial pivoting (A is overwritten).
    static func solve(_ a: inout [Double], _ b: [Double], size g: Int) -> [Double]? {
        guard g > 0, a.count == g * g, b.count == g else { return nil }
        var b = b
        // Buffers of exactly g × g and g elements (checked above): the loops stay inside them.
        let solvable = a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in
                for column in 0..<g {
                    var pivot = column
                    for row in column + 1..<g where abs(a[row * g + column]) > abs(a[pivot * g + column]) { pivot = row }
                    guard abs(a[pivot * g + column]) > 1e-300 else { return false }
                    if pivot != column {
                        for k in 0..<g { a.swapAt(pivot * g + k, column * g + k) }
                        b.swapAt(pivot, column)
                    }
                    let diagonal = a[column * g + column]
                    for row in column + 1..<g {
                        let factor = a[row * g + column] / diagonal
                        guard factor != 0 else { continue }
                        for k in column..<g { a[row * g + k] -= factor * a[column * g + k] }
                        b[row] -= factor * b[column]
                    }
                }
                return true
            }
        }
        guard solvable else { return nil }
        var x = Array(repeating: 0.0, count: g)
        for row in stride(from: g - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in row + 1..<g { sum -= a[row * g + k] * x[k] }
            x[row] = sum / a[row * g + row]
        }
        return x
    }

    /// The smallest threshold (to 0.1% of h) whose in-control average run length, with `n` responses
    /// every week, is at least `targetRunLength`: a chart for π₀ against π₁ = the odds-ratio shift.
    /// Nil when π₀ is 0 or 1, n is 0, or the target cannot be reached below h = 100.
    public static func calibrated(inControl p0: Double, oddsRatio: Double, n: Int, targetRunLength: Double, states: Int = defaultStates) -> BinomialCUSUM? {
        calibrated(inControl: p0, oddsRatio: oddsRatio, responses: WeeklyResponses([n]), targetRunLength: targetRunLength, states: states)
    }

    /// The same, with each week's responses drawn from `responses`.
    public static func calibrated(inControl p0: Double, oddsRatio: Double, responses: WeeklyResponses, targetRunLength: Double, states: Int = defaultStates) -> BinomialCUSUM? {
        calibrated(Calibration(inControl: p0, oddsRatio: oddsRatio, responses: responses, targetRunLength: targetRunLength, states: states))?.chart
    }

    /// What a threshold is computed from.
    public struct Calibration: Sendable, Hashable {
        /// π₀, as estimated from the baseline.
        public var inControl: Double
        public var oddsRatio: Double
        /// The weekly responses the chart expects.
        public var responses: WeeklyResponses
        /// The in-control average run length wanted, in weeks.
        public var targetRunLength: Double
        /// φ ≥ 1 (see ``BinomialCUSUM/dispersion``).
        public var dispersion: Double
        /// The standard error of π₀'s estimate: the share that holds when nothing changes may lie
        /// that far from π₀, and the false-alarm rate is averaged over it (0: π₀ is known).
        public var uncertainty: Double
        public var states: Int

        public init(inControl: Double, oddsRatio: Double, responses: WeeklyResponses, targetRunLength: Double,
                    dispersion: Double = 1, uncertainty: Double = 0, states: Int = BinomialCUSUM.defaultStates) {
            self.inControl = inControl
            self.oddsRatio = oddsRatio
            self.responses = responses
            self.targetRunLength = targetRunLength
            self.dispersion = dispersion
            self.uncertainty = uncertainty
            self.states = states
        }

        /// The shares the false-alarm rate is averaged over, with their weights: π₀ ± √3·s and π₀
        /// (the three-point Gauss–Hermite rule for a normal error of standard deviation s), kept
        /// inside (0, 1).
        var actualShares: [(share: Double, weight: Double)] {
            guard uncertainty > 0, uncertainty.isFinite else { return [(inControl, 1)] }
            let spread = 3.0.squareRoot() * uncertainty
            func inside(_ p: Double) -> Double { min(max(p, inControl / 4), 1 - (1 - inControl) / 4) }
            return [(inside(inControl - spread), 1.0 / 6), (inControl, 2.0 / 3), (inside(inControl + spread), 1.0 / 6)]
        }
    }

    /// The smallest threshold (to 0.1% of h) whose false-alarm rate, averaged over the error of
    /// π₀ (``Calibration/uncertainty``), is at most one per target run length; with that chart,
    /// its in-control average run length (the inverse of that rate). Nil when π₀ is 0 or 1, no
    /// week has responses, or the target cannot be reached below h = 100.
    public static func calibrated(_ calibration: Calibration) -> (chart: BinomialCUSUM, runLength: Double)? {
        let p0 = calibration.inControl, oddsRatio = calibration.oddsRatio, states = calibration.states
        guard p0 > 0, p0 < 1, oddsRatio > 0, oddsRatio != 1, calibration.targetRunLength > 1 else { return nil }
        let p1 = shifted(p0, oddsRatio: oddsRatio)
        let dispersion = max(1, calibration.dispersion.isFinite ? calibration.dispersion : 1)
        var distributions: [(LLRDistribution, Double)] = []
        for (share, weight) in calibration.actualShares {
            guard let distribution = LLRDistribution(responses: calibration.responses, actual: share, inControl: p0, outOfControl: p1, dispersion: dispersion) else { return nil }
            distributions.append((distribution, weight))
        }
        func chart(_ h: Double) -> BinomialCUSUM { BinomialCUSUM(inControl: p0, outOfControl: p1, threshold: h, dispersion: dispersion) }
        /// False alarms per week at h, averaged over the shares.
        func rate(_ h: Double) -> Double {
            let c = chart(h)
            return distributions.reduce(0) { total, entry in
                let arl = c.averageRunLength(entry.0, states: states) ?? .infinity
                return total + (arl.isFinite && arl > 0 ? entry.1 / arl : 0)
            }
        }
        // The run length grows about exponentially with h: find the root of log(1 / rate(h)) −
        // log target by the Illinois variant of regula falsi inside a bracket found by doubling.
        let goal = log(calibration.targetRunLength)
        func f(_ h: Double) -> Double {
            let r = rate(h)
            return r > 0 ? -log(r) - goal : .infinity
        }
        func result(_ h: Double) -> (chart: BinomialCUSUM, runLength: Double) {
            let r = rate(h)
            return (chart(h), r > 0 ? 1 / r : .infinity)
        }
        // With many responses a week, in-control evidence for π₁ is so rare that even a tiny h
        // reaches the target: thresholds stop at ``minimumThreshold``.
        var low = minimumThreshold, high = max(1, 2 * minimumThreshold)
        var fLow = f(low)
        if fLow >= 0 { return result(low) }
        var fHigh = f(high)
        while fHigh < 0 {
            (low, fLow) = (high, fHigh)
            high *= 2
            if high > 100 { return nil }
            fHigh = f(high)
        }
        var side = 0
        // The discretised ARL has small jumps in h: every fourth step bisects, and 60 steps stop it.
        for step in 0..<60 where high - low > 1e-3 * high {
            var mid = fHigh.isFinite && fLow.isFinite && step % 4 != 3 ? high - fHigh * (high - low) / (fHigh - fLow) : (low + high) / 2
            if !(mid > low && mid < high) { mid = (low + high) / 2 }
            let fMid = f(mid)
            if fMid < 0 {
                (low, fLow) = (mid, fMid)
                if side == -1 { fHigh /= 2 }
                side = -1
            } else {
                (high, fHigh) = (mid, fMid)
                if side == 1 { fLow /= 2 }
                side = 1
            }
        }
        return result(high)
    }
}

/// The weekly responses a chart expects: an empirical distribution of counts per week, kept to at
/// most ``maximumBins`` values (equal-count groups of the sorted counts, each at its median, with
/// its share of the weeks as weight), weeks without responses as their own value.
public struct WeeklyResponses: Sendable, Hashable {
    public static let maximumBins = 8
    public private(set) var counts: [Int]
    public private(set) var weights: [Double]

    public init(_ weekly: [Int]) {
        let sorted = weekly.filter { $0 >= 0 }.sorted()
        counts = []
        weights = []
        guard !sorted.isEmpty else { return }
        let total = Double(sorted.count)
        let zeros = sorted.prefix { $0 == 0 }.count
        if zeros > 0 {
            counts.append(0)
            weights.append(Double(zeros) / total)
        }
        let positive = Array(sorted.dropFirst(zeros))
        let bins = min(WeeklyResponses.maximumBins, positive.count)
        guard bins > 0 else { return }
        for bin in 0..<bins {
            let group = positive[bin * positive.count / bins..<(bin + 1) * positive.count / bins]
            guard !group.isEmpty else { continue }
            let count = group[group.startIndex + group.count / 2]
            if counts.last == count {
                weights[weights.count - 1] += Double(group.count) / total
            } else {
                counts.append(count)
                weights.append(Double(group.count) / total)
            }
        }
    }

    /// The responses of the first days of such a week: each response falls on those days with
    /// probability `fraction`, so a week of n gives Binomial(n, fraction) (values below 1e-7 of
    /// the weight dropped).
    public func partial(_ fraction: Double) -> WeeklyResponses {
        var mass: [Int: Double] = [:]
        let f = min(max(fraction, 0), 1)
        for (n, weight) in zip(counts, weights) {
            let probabilities = BinomialCUSUM.probabilities(n, f, dispersion: 1)
            for (k, p) in probabilities.enumerated() where p * weight > 1e-7 { mass[k, default: 0] += p * weight }
        }
        var result = WeeklyResponses([])
        let total = mass.values.reduce(0, +)
        for (k, weight) in mass.sorted(by: { $0.key < $1.key }) {
            result.counts.append(k)
            result.weights.append(weight / max(total, .leastNormalMagnitude))
        }
        return result
    }

    /// The median of the counts with responses (0 if none).
    public var typical: Int {
        var cumulative = 0.0
        let positive = zip(counts, weights).filter { $0.0 > 0 }
        let mass = positive.reduce(0) { $0 + $1.1 }
        for (count, weight) in positive {
            cumulative += weight
            if cumulative >= mass / 2 { return count }
        }
        return 0
    }
}

/// The distribution function x ↦ P(log LR / φ ≤ x) of one week's step when the true share is
/// `actual` and the week's responses follow a ``WeeklyResponses``: exact, from the binomial
/// distribution of each count (a step function, as `LRCUSUM.runlength` builds it), or its
/// beta-binomial of the same mean and φ times the variance when φ > 1; tabulated once and reused
/// for every threshold tried.
struct LLRDistribution {
    /// The possible values of log LR, ascending, and P(log LR ≤ value) at each.
    private let values: [Double]
    private let cumulative: [Double]

    init?(responses: WeeklyResponses, actual: Double, inControl p0: Double, outOfControl p1: Double, dispersion: Double = 1) {
        guard p0 > 0, p0 < 1, p1 > 0, p1 < 1, dispersion >= 1, responses.counts.contains(where: { $0 > 0 }) else { return nil }
        let up = log(p1 / p0) / dispersion, down = log((1 - p1) / (1 - p0)) / dispersion
        var points: [(value: Double, probability: Double)] = []
        for (n, weight) in zip(responses.counts, responses.weights) {
            let probabilities = BinomialCUSUM.probabilities(n, actual, dispersion: dispersion)
            for y in 0...n {
                let probability = weight * (y < probabilities.count ? probabilities[y] : 0)
                guard probability > 0 else { continue }
                points.append((Double(y) * up + Double(n - y) * down, probability))
            }
        }
        points.sort { $0.value < $1.value }
        var values: [Double] = [], cumulative: [Double] = []
        var total = 0.0
        for point in points {
            total += point.probability
            if let last = values.last, point.value - last <= 1e-12 * max(1, abs(last)) {
                cumulative[cumulative.count - 1] = min(1, total)
            } else {
                values.append(point.value)
                cumulative.append(min(1, total))
            }
        }
        self.values = values
        self.cumulative = cumulative
    }

    /// P(log LR ≤ x).
    func cdf(_ x: Double) -> Double {
        guard x.isFinite else { return x > 0 ? 1 : 0 }
        let limit = x + 1e-12 * max(1, abs(x))
        // The number of values ≤ limit.
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] <= limit { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? 0 : cumulative[low - 1]
    }
}
