import Foundation
import SurveyModel
import Testing

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
        var generator: String
        var scores: [Scores]
        var runLengths: [RunLength]
        var beta: [Beta]
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
