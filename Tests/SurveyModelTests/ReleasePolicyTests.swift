import SurveyModel
import Testing

/// When a period may be published under each release policy.
@Suite struct ReleasePolicyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var period: String
        var grace: Int
        /// The first day it may be published.
        var first: String
        var testDescription: String { "\(period), grace \(grace)" }
    }

    static let cases: [Case] = [
        Case(period: "2026-W48", grace: 0, first: "2026-11-30"),   // Monday 23 – Sunday 29 November
        Case(period: "2026-W48", grace: 2, first: "2026-12-02"),
        Case(period: "2026-05", grace: 0, first: "2026-06-01"),    // May ends on a Sunday
        Case(period: "2026-11", grace: 0, first: "2026-12-07"),    // ends Monday 30: waits for week 49
        Case(period: "2026-11", grace: 2, first: "2026-12-09"),
        Case(period: "2026-Q1", grace: 0, first: "2026-04-06"),    // 31 March is a Tuesday (week 14)
        Case(period: "2026", grace: 0, first: "2027-01-04"),       // 31 December is in week 53, to 3 January
        Case(period: "2026-W53", grace: 1, first: "2027-01-05"),
    ]

    @Test(arguments: cases) func closedPeriodsWaitForTheirLastWeek(_ test: Case) throws {
        let period = try #require(Period(identifier: test.period))
        let first = try #require(LocalDate(iso: test.first))
        let policy = ReleasePolicy.closed(graceDays: test.grace)
        #expect(policy.isReleasable(period, today: first))
        #expect(!policy.isReleasable(period, today: first.adding(days: -1)))
    }

    @Test func openPublishesEveryPeriodAtOnce() throws {
        let period = try #require(Period(identifier: "2026-W48"))
        #expect(ReleasePolicy.open.isReleasable(period, today: try #require(LocalDate(iso: "2026-11-23"))))
    }
}
