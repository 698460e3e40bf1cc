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
        #expect(ReleasePolicy.open.releaseDay(period) == nil)
        #expect(ReleasePolicy.open.nextReleases(after: try #require(LocalDate(iso: "2026-11-23")), kinds: PeriodKind.allCases).isEmpty)
    }

    /// Each granularity waits its own grace days: a week 2, a month and a quarter 5, a year 10.
    static let perKind = ReleasePolicy.closed(GraceDays(week: 2, month: 5, quarter: 5, year: 10))

    static let perKindCases: [Case] = [
        Case(period: "2026-W48", grace: 2, first: "2026-12-02"),
        Case(period: "2026-W49", grace: 2, first: "2026-12-09"),   // Monday 30 November – Sunday 6 December
        Case(period: "2026-11", grace: 5, first: "2026-12-12"),    // ends Monday 30: week 49 ends 6 December
        Case(period: "2026-05", grace: 5, first: "2026-06-06"),    // ends on a Sunday
        Case(period: "2026-Q4", grace: 5, first: "2027-01-09"),    // 31 December is in week 53, to 3 January
        Case(period: "2026", grace: 10, first: "2027-01-14"),
        Case(period: "2027", grace: 10, first: "2028-01-13"),      // 31 December 2027 is a Friday: week 52 ends 2 January
    ]

    @Test(arguments: perKindCases) func eachGranularityWaitsItsOwnGraceDays(_ test: Case) throws {
        let period = try #require(Period(identifier: test.period))
        let first = try #require(LocalDate(iso: test.first))
        #expect(Self.perKind.releaseDay(period) == first)
        #expect(Self.perKind.isReleasable(period, today: first))
        #expect(!Self.perKind.isReleasable(period, today: first.adding(days: -1)))
    }

    @Test func graceDaysByKind() {
        let grace = GraceDays(week: 1, month: 2, quarter: 3, year: 4)
        #expect(PeriodKind.allCases.map { grace[$0] } == [1, 2, 3, 4])
        #expect(GraceDays(all: 7) == GraceDays(week: 7, month: 7, quarter: 7, year: 7))
        #expect(ReleasePolicy.closed(graceDays: 3) == .closed(GraceDays(all: 3)))
        #expect(ReleasePolicy.standard == .closed(GraceDays(week: 0, month: 2, quarter: 2, year: 2)))
    }

    struct CalendarCase: CustomTestStringConvertible, Sendable {
        var today: String
        /// The next period of each granularity and the day it appears, as `period day`.
        var next: [String]
        var testDescription: String { today }
    }

    static let calendarCases: [CalendarCase] = [
        // Week 49 (to 6 December) appears on the 9th; November waits for week 49 and 5 days.
        CalendarCase(today: "2026-12-07", next: ["2026-W49 2026-12-09", "2026-11 2026-12-12", "2026-Q4 2027-01-09", "2026 2027-01-14"]),
        CalendarCase(today: "2026-12-09", next: ["2026-W50 2026-12-16", "2026-11 2026-12-12", "2026-Q4 2027-01-09", "2026 2027-01-14"]),
        CalendarCase(today: "2026-12-12", next: ["2026-W50 2026-12-16", "2026-12 2027-01-09", "2026-Q4 2027-01-09", "2026 2027-01-14"]),
        // Across the year: 2026 and its last quarter still wait in early January.
        CalendarCase(today: "2027-01-08", next: ["2027-W01 2027-01-13", "2026-12 2027-01-09", "2026-Q4 2027-01-09", "2026 2027-01-14"]),
        // January 2027 ends on a Sunday; 31 March 2027 is a Wednesday (its week ends 4 April).
        CalendarCase(today: "2027-01-14", next: ["2027-W02 2027-01-20", "2027-01 2027-02-06", "2027-Q1 2027-04-10", "2027 2028-01-13"]),
    ]

    @Test(arguments: calendarCases) func nextReleasesPerGranularity(_ test: CalendarCase) throws {
        let today = try #require(LocalDate(iso: test.today))
        let next = Self.perKind.nextReleases(after: today, kinds: PeriodKind.allCases)
        #expect(next.map { "\($0.period.identifier) \($0.day)" } == test.next)
        for (period, day) in next {
            #expect(day > today)
            #expect(!Self.perKind.isReleasable(period, today: today))
            #expect(Self.perKind.isReleasable(period.previous, today: today))
        }
    }

    @Test func nextReleasesOnlyForTheGivenKinds() throws {
        let today = try #require(LocalDate(iso: "2026-12-07"))
        let next = Self.perKind.nextReleases(after: today, kinds: [.month, .year])
        #expect(next.map(\.period.identifier) == ["2026-11", "2026"])
    }
}
