import Foundation
import SurveyModel
import Testing
import TestSupport

@Suite struct LocalDateTests {
    /// The arithmetic UTC timestamp equals Foundation's ISO 8601 format for any instant, before
    /// and after 1970, and at the edges of days.
    @Test func utcTimestampsMatchFoundationsFormat() {
        let style = Date.ISO8601FormatStyle.iso8601.year().month().day().dateSeparator(.dash)
            .time(includingFractionalSeconds: false).timeZone(separator: .omitted)
        var generator = SeededGenerator.forTest()
        var instants: [Double] = [0, -1, -0.5, 86_399.999, 86_400, 1_795_000_000, -86_401, 253_402_300_799]
        for _ in 0..<2000 { instants.append(Double.random(in: -2_000_000_000...4_000_000_000, using: &generator)) }
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(date.utcTimestamp == date.formatted(style), "\(seconds)")
        }
    }

    @Test(arguments: [
        ("1970-01-01", 0), ("1970-01-02", 1), ("1969-12-31", -1), ("2000-03-01", 11_017), ("2026-11-22", 20_779),
    ])
    func dayNumbers(text: String, day: Int) throws {
        let date = try #require(LocalDate(iso: text))
        #expect(date.dayNumber == day)
        #expect(date.description == text)
        #expect(LocalDate(dayNumber: day) == date)
    }

    @Test(arguments: ["2026-13-01", "2026-02-29", "2025-00-10", "2026-1-01", "26-01-01", "2026/01/01", "2026-01-32", "", "２０２６-01-01"])
    func invalidDatesAreRefused(text: String) {
        #expect(LocalDate(iso: text) == nil)
    }

    @Test func leapDays() throws {
        #expect(LocalDate(iso: "2024-02-29") != nil)
        #expect(LocalDate(iso: "2000-02-29") != nil)
        #expect(LocalDate(iso: "1900-02-29") == nil)
        let leap = try #require(LocalDate(iso: "2024-02-28"))
        #expect(leap.adding(days: 1).description == "2024-02-29")
        #expect(leap.adding(days: 2).description == "2024-03-01")
    }

    @Test func roundTripOverFourCenturies() {
        // Every day from 1900 to 2300 survives a round trip through components.
        var mismatches: [Int] = []
        for day in stride(from: -25_567, through: 120_000, by: 1) {
            let date = LocalDate(dayNumber: day)
            let (y, m, d) = date.components
            if LocalDate(year: y, month: m, day: d) != date || LocalDate(iso: date.description) != date {
                mismatches.append(day)
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test func tallySpansLieInOneWeekAndOneMonth() throws {
        let first = try #require(LocalDate(iso: "2019-12-01")), last = try #require(LocalDate(iso: "2031-01-31"))
        var spans = Set<Int>()
        for number in first.dayNumber...last.dayNumber {
            let day = LocalDate(dayNumber: number), start = day.tallySpanStart
            #expect(start <= day)
            #expect(start.isoWeekday == 1 || start.day == 1, "\(start) starts neither a week nor a month")
            for kind in [PeriodKind.week, .month, .quarter, .year] {
                #expect(Period.containing(start, kind: kind) == Period.containing(day, kind: kind), "\(day) and \(start), \(kind)")
            }
            // The span is maximal: the day before its start is in another week or month.
            let before = start.adding(days: -1)
            #expect(Period.containing(before, kind: .week) != Period.containing(start, kind: .week)
                || Period.containing(before, kind: .month) != Period.containing(start, kind: .month))
            spans.insert(start.dayNumber)
        }
        // About one span per week plus one per month.
        #expect(spans.count > (last.dayNumber - first.dayNumber) / 7 && spans.count < (last.dayNumber - first.dayNumber) / 7 + 12 * 12)
        #expect(LocalDate(iso: "2026-12-02")?.tallySpanStart == LocalDate(iso: "2026-12-01"))
        #expect(LocalDate(iso: "2026-11-29")?.tallySpanStart == LocalDate(iso: "2026-11-23"))
        #expect(LocalDate(iso: "2026-01-01")?.tallySpanStart == LocalDate(iso: "2026-01-01"))
    }

    @Test func isoWeekdays() throws {
        #expect(try #require(LocalDate(iso: "2026-11-22")).isoWeekday == 7) // Sunday
        #expect(try #require(LocalDate(iso: "2026-11-23")).isoWeekday == 1) // Monday
        #expect(try #require(LocalDate(iso: "1970-01-01")).isoWeekday == 4) // Thursday
        #expect(try #require(LocalDate(iso: "1969-12-29")).isoWeekday == 1)
    }

    @Test func lateUTCEveningIsNextDayInHoChiMinh() throws {
        let zone = try #require(TimeZone(identifier: "Asia/Ho_Chi_Minh"))
        // 2026-11-22 17:30 UTC is 2026-11-23 00:30 in UTC+7.
        let day = try #require(LocalDate(iso: "2026-11-22")).dayNumber
        let instant = Date(timeIntervalSince1970: Double(day * 86_400 + 17 * 3600 + 1800))
        #expect(LocalDate(instant: instant, in: .gmt).description == "2026-11-22")
        #expect(LocalDate(instant: instant, in: zone).description == "2026-11-23")
        // 16:59:59 UTC is still the 22nd there.
        let before = instant.addingTimeInterval(-1801)
        #expect(LocalDate(instant: before, in: zone).description == "2026-11-22")
    }

    @Test func instantsBeforeEpoch() {
        #expect(LocalDate(instant: Date(timeIntervalSince1970: -1), in: .gmt).description == "1969-12-31")
        #expect(LocalDate(instant: Date(timeIntervalSince1970: -86_400), in: .gmt).description == "1969-12-31")
        #expect(LocalDate(instant: Date(timeIntervalSince1970: -86_401), in: .gmt).description == "1969-12-30")
    }

    @Test func codableAsISOText() throws {
        let date = try #require(LocalDate(iso: "2026-11-22"))
        let data = try JSONEncoder().encode([date])
        #expect(String(decoding: data, as: UTF8.self) == "[\"2026-11-22\"]")
        #expect(try JSONDecoder().decode([LocalDate].self, from: data) == [date])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([LocalDate].self, from: Data("[\"2026-02-30\"]".utf8)) }
    }
}
