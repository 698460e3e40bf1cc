import Foundation
@testable import SurveyModel
import Testing
import TestSupport

/// Reference fixtures committed beside the tests (see Fixtures/*.R, *.py and check-fixtures.sh).
enum Fixture {
    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(contentsOf: url))
    }

    struct BH: Decodable {
        struct Case: Decodable { var p: [Double]; var adjusted: [Double]; var reject: [Bool] }
        var generator: String
        var cases: [Case]
    }

    struct CUSUM: Decodable {
        struct Scores: Decodable {
            var inControl, oddsRatio, outOfControl, threshold: Double
            var counts, n: [Int]
            var scores: [Double]
            var alarms: [Bool]
        }
        struct RunLength: Decodable {
            var inControl, oddsRatio, outOfControl, actual: Double
            var n: Int
            var threshold: Double
            var states: Int
            var arl: Double
        }
        struct Beta: Decodable { var alpha, beta, q, quantile, cdfAt03: Double }
        struct FamilyThreshold: Decodable {
            var inControl, oddsRatio: Double
            var n: Int
            var target: Double
            var states: Int
            var threshold, arl: Double
        }
        var generator: String
        var scores: [Scores]
        var runLengths: [RunLength]
        var familyThresholds: [FamilyThreshold]
        var beta: [Beta]
    }

    struct BetaBinomial: Decodable {
        struct Case: Decodable { var n: Int; var p, dispersion: Double; var pmf: [Double] }
        var generator: String
        var cases: [Case]
    }
}

@Suite struct FalseDiscoveryTests {
    @Test func benjaminiHochbergMatchesStatsmodels() throws {
        let fixture = try Fixture.load("bh-fixtures.json", as: Fixture.BH.self)
        #expect(fixture.cases.count >= 5)
        for (index, reference) in fixture.cases.enumerated() {
            let adjusted = FalseDiscovery.benjaminiHochberg(reference.p)
            #expect(adjusted.count == reference.adjusted.count)
            for (mine, theirs) in zip(adjusted, reference.adjusted) {
                #expect(abs(mine - theirs) < 1e-12, "case \(index): \(mine) vs \(theirs)")
            }
            #expect(FalseDiscovery.discoveries(reference.p) == reference.reject, "case \(index)")
        }
    }

    @Test func emptyListHasNoDiscoveries() {
        #expect(FalseDiscovery.benjaminiHochberg([]).isEmpty)
    }

    /// The p-value agrees with the published interval: p < 0.05 exactly when the 95% interval
    /// excludes zero, and at z = Φ⁻¹(1 − p/2) the interval touches zero.
    @Test(arguments: [
        (60, 20, 100, 40, 30, 100), (56, 10, 70, 48, 20, 80), (3, 4, 10, 4, 3, 10), (10, 0, 10, 0, 10, 10),
        (30, 30, 90, 31, 30, 90), (100, 15, 130, 40, 40, 120), (5, 5, 12, 5, 5, 12),
    ])
    func netIndexPValueAgreesWithTheInterval(p1: Int, m1: Int, n1: Int, p2: Int, m2: Int, n2: Int) throws {
        let p = try #require(FalseDiscovery.netIndexChangePValue(current: (p1, m1, n1), previous: (p2, m2, n2)))
        let a = try #require(Statistics.netIndex(positive: p1, negative: m1, of: n1))
        let b = try #require(Statistics.netIndex(positive: p2, negative: m2, of: n2))
        let published = Statistics.change(current: a.value, currentInterval: a.interval, previous: b.value, previousInterval: b.interval)
        #expect((p < 0.05) == published.interval.excludesZero, "p = \(p), interval \(published.interval)")
        #expect(p >= 0 && p <= 1)
        if a.value == b.value { #expect(p == 1) }
    }

    @Test func shareChangePValueMatchesNewcombeExample() throws {
        // Newcombe's example (a): 56/70 vs 48/80, 95% interval 0.0524…0.3339 → p well below 0.05;
        // 3/10 vs 4/10 → not significant.
        let p = try #require(FalseDiscovery.shareChangePValue(current: (56, 70), previous: (48, 80)))
        #expect(p < 0.05 && p > 0.001, "\(p)")
        let q = try #require(FalseDiscovery.shareChangePValue(current: (3, 10), previous: (4, 10)))
        #expect(q > 0.5, "\(q)")
        #expect(FalseDiscovery.shareChangePValue(current: (0, 0), previous: (1, 2)) == nil)
    }
}

@Suite struct BinomialCUSUMTests {
    @Test func scoresAndAlarmsMatchCategoricalCUSUM() throws {
        let fixture = try Fixture.load("cusum-fixtures.json", as: Fixture.CUSUM.self)
        #expect(!fixture.scores.isEmpty)
        for (index, reference) in fixture.scores.enumerated() {
            let p1 = BinomialCUSUM.shifted(reference.inControl, oddsRatio: reference.oddsRatio)
            #expect(abs(p1 - reference.outOfControl) < 1e-15)
            let chart = BinomialCUSUM(inControl: reference.inControl, outOfControl: p1, threshold: reference.threshold)
            let steps = chart.run(Array(zip(reference.counts, reference.n)).map { (count: $0, n: $1) })
            #expect(steps.map(\.alarm) == reference.alarms, "case \(index)")
            for (step, score) in zip(steps, reference.scores) {
                #expect(abs(step.score - score) < 1e-9, "case \(index): \(step.score) vs \(score)")
            }
        }
    }

    @Test func runLengthsMatchLRCUSUMRunlength() throws {
        let fixture = try Fixture.load("cusum-fixtures.json", as: Fixture.CUSUM.self)
        #expect(!fixture.runLengths.isEmpty)
        for reference in fixture.runLengths {
            let chart = BinomialCUSUM(inControl: reference.inControl, outOfControl: reference.outOfControl, threshold: reference.threshold)
            let arl = try #require(chart.averageRunLength(actual: reference.actual, n: reference.n, states: reference.states))
            #expect(abs(arl / reference.arl - 1) < 1e-6, "\(reference): \(arl)")
        }
    }

    @Test func aWeekWithoutResponsesIsNoEvidence() {
        let chart = BinomialCUSUM(inControl: 0.2, outOfControl: 0.33, threshold: 4)
        #expect(chart.logLikelihoodRatio(count: 0, of: 0) == 0)
        // Five responses, all negative, weigh less than forty at the same share.
        #expect(chart.logLikelihoodRatio(count: 5, of: 5) < chart.logLikelihoodRatio(count: 40, of: 40))
        let steps = chart.run([(3, 5), (0, 0), (0, 0)])
        #expect(steps[1].score == steps[0].score && steps[2].score == steps[0].score)
    }

    @Test(arguments: [(0.2, 2.0, 40), (0.2, 2.0, 150), (0.5, 0.5, 150), (0.05, 2.0, 10), (0.7, 0.5, 40), (0.3, 2.0, 2400)])
    func calibratedThresholdReachesTheTargetRunLength(p0: Double, oddsRatio: Double, n: Int) throws {
        let chart = try #require(BinomialCUSUM.calibrated(inControl: p0, oddsRatio: oddsRatio, n: n, targetRunLength: 104))
        let arl = try #require(chart.averageRunLength(actual: p0, n: n))
        #expect(arl >= 104, "\(chart): \(arl)")
        var lower = chart
        lower.threshold *= 0.99
        // The smallest such threshold (to the search's 0.1%), unless even the floor reaches it.
        if chart.threshold > BinomialCUSUM.minimumThreshold {
            #expect((lower.averageRunLength(actual: p0, n: n) ?? 0) < 104, "threshold not the smallest: \(chart)")
        } else {
            #expect(n >= 1000, "floor reached at small n: \(chart)")
        }
        #expect((oddsRatio > 1) == (chart.outOfControl > p0))
    }

    /// A family's thresholds (each chart's run length charts / budget: 238 and 680 weeks) are
    /// where R's LRCUSUM.runlength reaches the target (its root by uniroot, at a jump of the
    /// discretised run length: within 1%).
    @Test func familyThresholdsMatchR() throws {
        let fixture = try Fixture.load("cusum-fixtures.json", as: Fixture.CUSUM.self)
        #expect(fixture.familyThresholds.count >= 5)
        for reference in fixture.familyThresholds {
            let chart = try #require(BinomialCUSUM.calibrated(inControl: reference.inControl, oddsRatio: reference.oddsRatio, n: reference.n,
                                                              targetRunLength: reference.target, states: reference.states))
            #expect(abs(chart.threshold / reference.threshold - 1) < 0.01, "\(reference): \(chart.threshold)")
            #expect((chart.averageRunLength(actual: reference.inControl, n: reference.n, states: reference.states) ?? 0) >= reference.target)
        }
    }

    /// Weekly counts that vary φ times more than binomial are beta-binomial with the same mean:
    /// the probabilities match SciPy's betabinom, and φ = 1 is the binomial.
    @Test func overdispersedCountsMatchSciPy() throws {
        let fixture = try Fixture.load("betabinom-fixtures.json", as: Fixture.BetaBinomial.self)
        #expect(fixture.cases.count >= 6)
        for reference in fixture.cases {
            let mine = BinomialCUSUM.probabilities(reference.n, reference.p, dispersion: reference.dispersion)
            #expect(mine.count == reference.pmf.count)
            for (y, (a, b)) in zip(mine, reference.pmf).enumerated() {
                #expect(abs(a - b) <= 1e-10 * max(b, 1e-300) + 1e-300, "\(reference.n) \(reference.p) φ \(reference.dispersion) y \(y): \(a) vs \(b)")
                #expect(abs(BinomialCUSUM.overdispersedProbability(y, reference.n, reference.p, dispersion: reference.dispersion) - b) <= 1e-10 * b + 1e-300)
            }
            let mean = zip(mine.indices, mine).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            let variance = zip(mine.indices, mine).reduce(0.0) { $0 + (Double($1.0) - mean) * (Double($1.0) - mean) * $1.1 }
            let binomial = Double(reference.n) * reference.p * (1 - reference.p)
            let rho = min(0.95, (reference.dispersion - 1) / Double(reference.n - 1))
            #expect(abs(mean - Double(reference.n) * reference.p) < 1e-8)
            #expect(abs(variance / (binomial * (1 + Double(reference.n - 1) * rho)) - 1) < 1e-8)
        }
        for (n, p) in [(40, 0.2), (600, 0.3), (1, 0.5)] {
            let binomial = BinomialCUSUM.probabilities(n, p, dispersion: 1)
            for y in 0...n { #expect(abs(binomial[y] - BinomialCUSUM.binomialProbability(y, n, p)) <= 1e-11 * binomial[y] + 1e-300) }
        }
    }

    /// The threshold allows for how far π₀'s estimate may be from the share that holds: the
    /// false-alarm rate averaged over π₀ ± √3·s (weights 1/6, 2/3, 1/6) is at most 1 / target,
    /// so a short baseline gets a higher threshold; overdispersed counts raise it too.
    @Test(arguments: [(0.0, 1.0), (0.01, 1.0), (0.03, 1.0), (0.0, 2.0), (0.01, 2.0)])
    func thresholdsAllowForTheBaselineAndTheDispersion(uncertainty: Double, dispersion: Double) throws {
        let responses = WeeklyResponses([40])
        let calibration = BinomialCUSUM.Calibration(inControl: 0.2, oddsRatio: 2, responses: responses, targetRunLength: 238,
                                                    dispersion: dispersion, uncertainty: uncertainty)
        let (chart, runLength) = try #require(BinomialCUSUM.calibrated(calibration))
        #expect(runLength >= 238 && chart.dispersion == dispersion)
        var rate = 0.0
        for (share, weight) in [(0.2 - 3.0.squareRoot() * uncertainty, 1.0 / 6), (0.2, 2.0 / 3), (0.2 + 3.0.squareRoot() * uncertainty, 1.0 / 6)] {
            rate += weight / (try #require(chart.averageRunLength(actual: share, responses: responses)))
        }
        #expect(abs(rate * runLength - 1) < 1e-9, "rate \(rate), run length \(runLength)")
        let plain = try #require(BinomialCUSUM.calibrated(inControl: 0.2, oddsRatio: 2, n: 40, targetRunLength: 238))
        if uncertainty > 0 || dispersion > 1 {
            // In the log-likelihood's own units (h·φ): higher than the binomial chart with π₀ known.
            #expect(chart.threshold * chart.dispersion > plain.threshold * 1.01, "\(chart) vs \(plain)")
        } else {
            #expect(abs(chart.threshold - plain.threshold) < 1e-12)
        }
    }

    @Test func calibrationRefusesDegenerateShares() {
        #expect(BinomialCUSUM.calibrated(inControl: 0, oddsRatio: 2, n: 40, targetRunLength: 104) == nil)
        #expect(BinomialCUSUM.calibrated(inControl: 0.2, oddsRatio: 2, n: 0, targetRunLength: 104) == nil)
        #expect(BinomialCUSUM.calibrated(inControl: 0.2, oddsRatio: 1, n: 40, targetRunLength: 104) == nil)
    }
}

@Suite struct EmpiricalBayesTests {
    @Test func betaQuantilesMatchR() throws {
        let fixture = try Fixture.load("cusum-fixtures.json", as: Fixture.CUSUM.self)
        #expect(fixture.beta.count >= 9)
        for reference in fixture.beta {
            let beta = BetaDistribution(alpha: reference.alpha, beta: reference.beta)
            #expect(abs(beta.quantile(reference.q) - reference.quantile) < 1e-9, "\(reference)")
            #expect(abs(beta.cdf(0.3) - reference.cdfAt03) < 1e-9, "\(reference)")
        }
    }

    @Test func homogeneousUnitsAreShrunkHardHeterogeneousOnesLittle() {
        // Units that differ no more than chance: ρ ≤ 0, the prior weighs all the data (N).
        let same = BetaBinomialPrior.fit([(20, 100), (21, 100), (19, 100), (20, 100)])
        #expect(abs(same.mean - 0.2) < 1e-12 && same.strength == 400)
        // Units far apart: a weak prior, each unit keeps most of its own share.
        let apart = BetaBinomialPrior.fit([(10, 100), (50, 100), (90, 100), (30, 100), (70, 100)])
        #expect(apart.strength > 0 && apart.strength < 10, "\(apart)")
        #expect(abs(apart.shrunkShare(count: 10, of: 100) - 0.1) < 0.05)
        // A small unit is pulled toward the province.
        let prior = BetaBinomialPrior.fit([(20, 100), (30, 100), (25, 100), (35, 100), (2, 4)])
        let small = prior.shrunkShare(count: 2, of: 4)
        #expect(small < 0.5 && small > prior.mean, "\(small) \(prior)")
        let interval = prior.posterior(count: 2, of: 4)?.interval()
        #expect((interval?.low ?? 1) < small && small < (interval?.high ?? 0))
    }

    @Test func fallbacksAreStated() {
        // Fewer than three units: no shrinkage.
        #expect(BetaBinomialPrior.fit([(1, 10), (5, 10)]).strength == 0)
        // Share 0 everywhere: no shrinkage, mean 0.
        let zero = BetaBinomialPrior.fit([(0, 10), (0, 10), (0, 10)])
        #expect(zero.strength == 0 && zero.mean == 0)
        // No responses at all.
        #expect(BetaBinomialPrior.fit([]).strength == 0)
        #expect(BetaBinomialPrior(mean: 0.3, strength: 10).shrunkShare(count: 0, of: 0) == 0.3)
    }
}

@Suite struct LocalLevelTests {
    @Test func aFlatSeriesForecastsItsMeanWithNoStep() throws {
        let series: [LocalLevel.Observation] = Array(repeating: (0.3, 0.001), count: 12)
        let forecast = try #require(LocalLevel.forecast(series))
        #expect(abs(forecast.expected - 0.3) < 1e-9)
        #expect(forecast.stepVariance == 0)
        let band = forecast.band(samplingVariance: 0.001)
        #expect(band.low < 0.3 && band.high > 0.3 && band.high - band.low < 0.2)
    }

    @Test func aSteadyDriftIsFollowedAndMissingWeeksWidenTheBand() throws {
        let drift: [LocalLevel.Observation] = (0..<20).map { (0.1 + 0.02 * Double($0), 0.0005) }
        let forecast = try #require(LocalLevel.forecast(drift))
        #expect(forecast.stepVariance > 0)
        #expect(abs(forecast.expected - 0.48) < 0.03, "\(forecast)")
        let gap = try #require(LocalLevel.forecast(drift + [nil, nil, nil]))
        #expect(gap.levelVariance > forecast.levelVariance)
        #expect(LocalLevel.forecast([nil, nil]) == nil)
    }
}

@Suite struct WeeklyResponsesTests {
    @Test func countsAreBinnedWithEmptyWeeksApart() {
        let constant = WeeklyResponses(Array(repeating: 150, count: 52))
        #expect(constant.counts == [150] && constant.weights == [1])
        let mixed = WeeklyResponses([0, 0, 10, 20, 30, 40])
        #expect(mixed.counts.first == 0 && abs((mixed.weights.first ?? 0) - 2.0 / 6) < 1e-12)
        #expect(abs(mixed.weights.reduce(0, +) - 1) < 1e-12)
        let many = WeeklyResponses(Array(1...100))
        #expect(many.counts.count == WeeklyResponses.maximumBins && many.counts == many.counts.sorted())
        #expect(many.typical >= 38 && many.typical <= 63, "\(many)")
        #expect(WeeklyResponses([]).counts.isEmpty)
    }

    @Test func emptyWeeksLengthenTheRunAndVaryingCountsShortenIt() throws {
        let chart = try #require(BinomialCUSUM.calibrated(inControl: 0.2, oddsRatio: 2, n: 100, targetRunLength: 104))
        let steady = try #require(chart.averageRunLength(actual: 0.2, n: 100))
        // Half the weeks empty: about twice as long.
        let gappy = try #require(chart.averageRunLength(actual: 0.2, responses: WeeklyResponses([0, 100])))
        #expect(gappy > 1.8 * steady && gappy < 2.2 * steady, "\(gappy) vs \(steady)")
        // Same median, wider spread: false alarms come sooner.
        let spread = try #require(chart.averageRunLength(actual: 0.2, responses: WeeklyResponses([20, 60, 100, 140, 180])))
        #expect(spread < steady, "\(spread) vs \(steady)")
    }
}

@Suite struct DispersionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var series: [[(count: Int, n: Int)]]
        var expected: Double
        var testDescription: String { name }
    }

    /// Pearson's residuals pooled over the series, weighted by responses (Σ n·r² / Σ (W−1)/W·Σn),
    /// less √(2/df), at least 1.
    static let cases: [Case] = [
        Case(name: "no series", series: [], expected: 1),
        Case(name: "one week each: no degrees of freedom", series: [[(4, 20)], [(5, 20)]], expected: 1),
        Case(name: "share 0 adds nothing", series: [[(0, 20), (0, 30)]], expected: 1),
        Case(name: "steady weeks: binomial at most", series: [[(4, 20), (4, 20), (4, 20), (4, 20)]], expected: 1),
        // Share 0.5, n = 20: n·r² = (y − 10)² / 0.25 = 400 for each of 4 weeks, over 3/4 · 80, less √(2/3).
        Case(name: "weeks all one way then the other", series: [[(0, 20), (20, 20), (0, 20), (20, 20)]], expected: 80.0 / 3 - (2.0 / 3).squareRoot()),
        // Two series pooled: 1600 + 0 over 60 + 1/2 · 20, 4 df.
        Case(name: "pooled with a steady series", series: [[(0, 20), (20, 20), (0, 20), (20, 20)], [(5, 10), (5, 10)]], expected: 1600.0 / 70 - (2.0 / 4).squareRoot()),
        Case(name: "weeks without responses are skipped", series: [[(0, 20), (0, 0), (20, 20), (0, 0)]], expected: 40.0 / 1 - 2.0.squareRoot()),
    ]

    @Test(arguments: cases) func pooledPearson(_ test: Case) {
        #expect(abs(Dispersion.pooled(test.series) - test.expected) < 1e-12, "\(Dispersion.pooled(test.series))")
    }
}

@Suite struct FamilyTests {
    /// 16 units × `topics` topics of `weeks` weeks at 40 responses, share 0.2 negative and 0.5
    /// positive, drawn deterministically.
    static func province(topics: Int, weeks: Int, seed: UInt64 = 1) -> [TopicWeeks] {
        var generator = SeededGenerator(state: seed)
        var draws = OpinionDraws(positive: 0.5, negative: 0.2)
        return (0..<topics).map { _ in
            var topic = TopicWeeks(units: 16, weeks: weeks)
            for i in 0..<16 * weeks {
                let d = draws.draw(40, using: &generator)
                topic.positive[i] = d.positive
                topic.negative[i] = d.negative
                topic.responses[i] = 40
            }
            return topic
        }
    }

    /// One budget for the province: each chart's run length is charts / budget, and the
    /// expected false alarms across the family stay at most the budget; adding topics raises
    /// every threshold.
    @Test func theBudgetIsSharedByEveryChart() throws {
        var settings = EarlyWarningSettings()
        settings.watchEntriesPerWeek = 0
        let engine = EarlyWarning(settings: settings)
        let small = engine.family(Self.province(topics: 1, weeks: 20))
        #expect(small.charts.count == 34 && small.runLength == 34 && small.watchRunLength == nil)
        #expect(small.expectedFalseAlarms <= 1 && small.expectedFalseAlarms > 0.8, "\(small.expectedFalseAlarms)")
        let large = engine.family(Self.province(topics: 3, weeks: 20))
        #expect(large.charts.count == 102 && large.runLength == 102)
        #expect(large.expectedFalseAlarms <= 1 && large.expectedFalseAlarms > 0.8)
        // The same series (topic 0, same seed) gets a higher threshold in the larger family.
        for chart in small.charts {
            let same = try #require(large.charts.first { $0.topic == 0 && $0.unit == chart.unit && $0.share == chart.share })
            // (The province's 640 responses a week put both at the floor.)
            if chart.unit == nil { #expect(same.cusum.threshold >= chart.cusum.threshold) } else { #expect(same.cusum.threshold > chart.cusum.threshold, "\(chart.unit ?? -1)") }
        }
        var half = settings
        half.falseAlarmsPerWeek = 0.5
        let quieter = EarlyWarning(settings: half).family(Self.province(topics: 1, weeks: 20))
        #expect(quieter.runLength == 68 && quieter.expectedFalseAlarms <= 0.5)
    }

    /// The watch list's threshold is below the alarm's, with its own budget.
    @Test func theWatchListHasALooserThreshold() {
        let family = EarlyWarning().family(Self.province(topics: 1, weeks: 20))
        #expect(family.watchRunLength == 34.0 / 5)
        #expect((family.expectedWatchEntries ?? 0) <= 5 && (family.expectedWatchEntries ?? 0) > 3)
        for chart in family.charts {
            // The province's 640 responses a week reach both run lengths at the floor.
            if chart.unit == nil {
                #expect((chart.watchCUSUM?.threshold ?? .infinity) <= chart.cusum.threshold)
            } else {
                #expect((chart.watchCUSUM?.threshold ?? .infinity) < chart.cusum.threshold)
            }
            #expect(chart.alarm == nil || chart.watch == nil)
        }
    }

    /// Cold start: charts run as soon as 2 baseline weeks exist (3 weeks of data), with the
    /// baseline taking half of a short history; a short baseline raises the threshold.
    @Test(arguments: [(2, 0, 0), (3, 2, 1), (4, 2, 2), (10, 5, 5), (26, 13, 13), (40, 27, 13), (80, 52, 13)])
    func watchingStartsAsSoonAsABaselineExists(weeks: Int, baseline: Int, watched: Int) throws {
        let engine = EarlyWarning()
        let topic = Self.province(topics: 1, weeks: weeks)[0]
        let window = engine.window(topic)
        #expect((window.map { topic.weeks - $0.firstWatched } ?? 0) == watched)
        #expect((window?.baseline.count ?? 0) == baseline)
        let family = engine.family([topic])
        #expect(family.charts.count == (watched > 0 ? 34 : 0))
    }

    @Test func aShortBaselineRaisesTheThreshold() throws {
        let engine = EarlyWarning()
        let short = try #require(engine.chart(Self.province(topics: 1, weeks: 3)[0], unit: 0, share: .negativeRising, runLength: 238))
        let long = try #require(engine.chart(Self.province(topics: 1, weeks: 60)[0], unit: 0, share: .negativeRising, runLength: 238))
        #expect(short.uncertainty > 1.5 * long.uncertainty)
        #expect(short.cusum.threshold * short.cusum.dispersion > long.cusum.threshold * long.cusum.dispersion, "\(short.cusum) \(long.cusum)")
    }

    /// Answers in sessions that share an outlook vary more than binomial: φ is estimated from the
    /// units' baselines and the chart's steps are divided by it.
    @Test func clusteredAnswersAreMeasuredAndDiscounted() throws {
        var topic = Self.province(topics: 1, weeks: 30)[0]
        // Every unit alternates between weeks of 4 and 12 negative answers of 40 (share 0.2, φ ≈ 2.6).
        for u in 0..<16 { for w in 0..<30 { topic.negative[u * 30 + w] = w % 2 == 0 ? 4 : 12; topic.positive[u * 30 + w] = 20 } }
        let chart = try #require(EarlyWarning().chart(topic, unit: 3, share: .negativeRising, runLength: 238))
        #expect(chart.cusum.dispersion > 2 && chart.cusum.dispersion < 3.5, "\(chart.cusum)")
        #expect(abs(chart.cusum.logLikelihoodRatio(count: 12, of: 40) * chart.cusum.dispersion
                    - BinomialCUSUM(inControl: chart.cusum.inControl, outOfControl: chart.cusum.outOfControl, threshold: 1).logLikelihoodRatio(count: 12, of: 40)) < 1e-9)
    }
}
