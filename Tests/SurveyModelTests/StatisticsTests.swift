import Foundation
import SurveyModel
import Testing

@Suite struct StatisticsTests {
    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 5e-6) -> Bool {
        guard let a else { return false }
        return abs(a - b) < tolerance
    }

    @Test(arguments: [
        // Reference values: Newcombe (1998), "Two-sided confidence intervals for the single
        // proportion", Table I (81/263), and boundary cases computed by hand.
        (81, 263, 0.255289, 0.366210), (0, 1, 0, 0.793451), (1, 1, 0.206549, 1), (3, 10, 0.107791, 0.603222),
        (0, 10, 0, 0.277533), (10, 10, 0.722467, 1), (56, 70, 0.691834, 0.876953),
    ])
    func wilsonInterval(successes: Int, n: Int, low: Double, high: Double) throws {
        let interval = try #require(Statistics.wilson(successes, of: n))
        #expect(close(interval.low, low) && close(interval.high, high), "\(interval)")
    }

    @Test func wilsonIsUndefinedWithoutResponses() {
        #expect(Statistics.wilson(0, of: 0) == nil)
        #expect(Statistics.netIndex(positive: 0, negative: 0, of: 0) == nil)
    }

    struct NewcombeFixture: Decodable {
        struct Case: Decodable { var count1, n1, count2, n2: Int; var low, high: Double; var wilson1, wilson2: [Double] }
        var generator: String
        var cases: [Case]
    }

    @Test func wilsonAndNewcombeMatchStatsmodels() throws {
        // The change of a share between two rounds (or periods): statsmodels'
        // confint_proportions_2indep(method='newcomb'); Fixtures/make-newcombe-fixtures.py.
        let fixture = try Fixture.load("newcombe-fixtures.json", as: NewcombeFixture.self)
        #expect(fixture.cases.count >= 30)
        for reference in fixture.cases {
            let label = "\(reference.count1)/\(reference.n1) vs \(reference.count2)/\(reference.n2)"
            let i1 = try #require(Statistics.wilson(reference.count1, of: reference.n1))
            let i2 = try #require(Statistics.wilson(reference.count2, of: reference.n2))
            #expect(abs(i1.low - reference.wilson1[0]) < 1e-9 && abs(i1.high - reference.wilson1[1]) < 1e-9, "\(label): \(i1)")
            #expect(abs(i2.low - reference.wilson2[0]) < 1e-9 && abs(i2.high - reference.wilson2[1]) < 1e-9, "\(label): \(i2)")
            let p1 = Double(reference.count1) / Double(reference.n1), p2 = Double(reference.count2) / Double(reference.n2)
            let change = Statistics.newcombe(p1: p1, interval1: i1, p2: p2, interval2: i2)
            #expect(abs(change.low - reference.low) < 1e-9 && abs(change.high - reference.high) < 1e-9, "\(label): \(change)")
        }
    }

    @Test func newcombeHybridScoreMatchesThePublishedExample() throws {
        // Newcombe (1998), "Interval estimation for the difference between independent
        // proportions", example (a): 56/70 − 48/80 = 0.2000, method 10: 0.0524 to 0.3339.
        let i1 = try #require(Statistics.wilson(56, of: 70)), i2 = try #require(Statistics.wilson(48, of: 80))
        let interval = Statistics.newcombe(p1: 56.0 / 70, interval1: i1, p2: 48.0 / 80, interval2: i2)
        #expect(close(interval.low, 0.052431) && close(interval.high, 0.333873), "\(interval)")
        #expect(interval.excludesZero)
        // A change that is not significant: 3/10 vs 4/10.
        let j1 = try #require(Statistics.wilson(3, of: 10)), j2 = try #require(Statistics.wilson(4, of: 10))
        #expect(!Statistics.newcombe(p1: 0.3, interval1: j1, p2: 0.4, interval2: j2).excludesZero)
    }

    @Test(arguments: [
        (6, 2, 10, 0.4, -0.136272, 0.739074), (10, 0, 10, 1.0, 0.607509, 1.0), (50, 30, 100, 0.2, 0.025346, 0.361317),
        (0, 1, 1, -1.0, -1.0, 0.0),
    ])
    func netIndexWithMOVERInterval(positive: Int, negative: Int, n: Int, value: Double, low: Double, high: Double) throws {
        let net = try #require(Statistics.netIndex(positive: positive, negative: negative, of: n))
        #expect(close(net.value, value))
        if n > 1 {
            #expect(close(net.interval.low, low) && close(net.interval.high, high), "\(net.interval)")
        }
        #expect(net.interval.low <= net.value && net.value <= net.interval.high)
        #expect(net.interval.low >= -1 && net.interval.high <= 1)
    }
}
