import SurveyModel
import Testing

@Suite struct PeriodTests {
    @Test(arguments: [
        ("2026-11-22", "2026-W47"), ("2026-11-23", "2026-W48"),
        // ISO week 1 can start in December.
        ("2024-12-30", "2025-W01"), ("2025-12-29", "2026-W01"), ("2019-12-30", "2020-W01"),
        // Week 53, and early January days belonging to the previous year's last week.
        ("2020-12-31", "2020-W53"), ("2021-01-03", "2020-W53"), ("2021-01-04", "2021-W01"),
        ("2026-12-31", "2026-W53"), ("2027-01-03", "2026-W53"), ("2027-01-04", "2027-W01"),
        ("2024-02-29", "2024-W09"), ("2023-01-01", "2022-W52"),
    ])
    func isoWeeks(date: String, week: String) throws {
        let day = try #require(LocalDate(iso: date))
        #expect(Period.containing(day, kind: .week).identifier == week)
    }

    @Test(arguments: [
        ("2026-11-22", "2026-11", "2026-Q4", "2026"),
        ("2024-02-29", "2024-02", "2024-Q1", "2024"),
        ("2026-03-31", "2026-03", "2026-Q1", "2026"),
        ("2026-04-01", "2026-04", "2026-Q2", "2026"),
        ("2026-12-31", "2026-12", "2026-Q4", "2026"),
    ])
    func monthsQuartersYears(date: String, month: String, quarter: String, year: String) throws {
        let day = try #require(LocalDate(iso: date))
        #expect(Period.containing(day, kind: .month).identifier == month)
        #expect(Period.containing(day, kind: .quarter).identifier == quarter)
        #expect(Period.containing(day, kind: .year).identifier == year)
    }

    @Test func weeksInYear() {
        #expect(Period.isoWeeksInYear(2020) == 53)
        #expect(Period.isoWeeksInYear(2026) == 53)
        #expect(Period.isoWeeksInYear(2025) == 52)
        #expect(Period(kind: .week, year: 2025, index: 53) == nil)
        #expect(Period(kind: .week, year: 2026, index: 53) != nil)
    }

    @Test(arguments: PeriodKind.allCases)
    func boundsAndNeighboursAreConsistent(kind: PeriodKind) throws {
        // Walk ten years of consecutive periods: each starts the day after the previous ends and
        // contains exactly its own days.
        var period = Period.containing(try #require(LocalDate(iso: "2019-06-15")), kind: kind)
        for _ in 0..<(kind == .week ? 520 : kind == .month ? 120 : kind == .quarter ? 40 : 10) {
            let next = period.next
            #expect(next.start == period.end.adding(days: 1))
            #expect(next.previous == period)
            #expect(period.contains(period.start) && period.contains(period.end))
            #expect(!period.contains(next.start))
            #expect(Period(identifier: period.identifier) == period)
            #expect(period < next)
            period = next
        }
    }

    @Test func februaryOfLeapYearEndsOn29th() throws {
        let february = try #require(Period(identifier: "2024-02"))
        #expect(february.end.description == "2024-02-29")
        #expect(try #require(Period(identifier: "2025-02")).end.description == "2025-02-28")
        #expect(try #require(Period(identifier: "2026-W01")).start.description == "2025-12-29")
    }

    @Test(arguments: ["2026-W54", "2026-13", "2026-Q5", "26", "2026-", "2026-W1x", "abcd"])
    func invalidIdentifiers(text: String) {
        #expect(Period(identifier: text) == nil)
    }

    @Test func rollUpSumsPerUnitAndPeriod() throws {
        let d = { (text: String) in LocalDate(iso: text)! }
        let counts = rollUp([
            ("U01", d("2026-11-01"), 3), ("U01", d("2026-11-30"), 4), ("U01", d("2026-12-01"), 5),
            ("U02", d("2026-11-15"), 7),
        ], to: .month)
        #expect(counts == [
            PeriodCount(unit: "U01", period: "2026-11", responses: 7),
            PeriodCount(unit: "U01", period: "2026-12", responses: 5),
            PeriodCount(unit: "U02", period: "2026-11", responses: 7),
        ])
        #expect(rollUp([("U01", d("2026-11-01"), 3), ("U01", d("2026-12-31"), 4)], to: .quarter)
            == [PeriodCount(unit: "U01", period: "2026-Q4", responses: 7)])
    }
}
