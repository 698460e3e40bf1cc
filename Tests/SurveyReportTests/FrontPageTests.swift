import Foundation
import SurveyModel
@testable import SurveyReport
import Testing
import TestSupport

/// The pure parts of the front page and the printed report's first page: Vietnamese times and
/// periods, heat-map cells, trend-chart geometry, the outlook and the small-unit estimates, and
/// that none of them shows a figure the summary withholds.
@Suite struct FrontPageTests {
    static let hanoi = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt

    @Test(arguments: [
        ("2026-11-29T07:05:00Z", "Asia/Ho_Chi_Minh", "14:05 ngày 29/11/2026"),
        ("2026-12-31T17:30:59Z", "Asia/Ho_Chi_Minh", "00:30 ngày 01/01/2027"),
        ("2026-11-29T07:05:00Z", "GMT", "07:05 ngày 29/11/2026"),
        ("2026-02-28T23:59:00Z", "Asia/Ho_Chi_Minh", "06:59 ngày 01/03/2026"),
        ("not a time", "Asia/Ho_Chi_Minh", "not a time"),
        ("2026-11-29T25:00:00Z", "Asia/Ho_Chi_Minh", "2026-11-29T25:00:00Z"),
    ])
    func timesAsAVietnameseReaderWritesThem(utc: String, zone: String, expected: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        #expect(VietnameseTime.time(utc: utc, in: timeZone) == expected)
    }

    @Test(arguments: [
        ("2026-W48", false, "tuần 48/2026 (23/11–29/11/2026)"),
        ("2026-W48", true, "Tuần 48/2026 (23/11–29/11/2026)"),
        ("2020-W53", false, "tuần 53/2020 (28/12–03/01/2021)"),
        ("2027-W01", false, "tuần 01/2027 (04/01–10/01/2027)"),
        ("2026-11", true, "Tháng 11/2026"),
        ("2026-03", false, "tháng 03/2026"),
        ("2026-Q4", false, "quý IV/2026"),
        ("2026", true, "Năm 2026"),
        ("garbage", true, "garbage"),
    ])
    func periodNames(identifier: String, capitalized: Bool, expected: String) {
        #expect(VietnameseTime.period(identifier, capitalized: capitalized) == expected)
    }

    static func point(_ net: Double, n: Int = 40) -> NetIndexFigure.Point {
        NetIndexFigure.Point(netIndex: net, low: net - 10, high: net + 10, responses: n, variance: 0.5 / Double(n), change: nil)
    }

    @Test(arguments: [
        (NetIndexFigure.withheld, "withheld", "ẩn"),
        (NetIndexFigure.noResponses, "none", "·"),
        (NetIndexFigure.published(point(-60)), "#c62828", "−"),
        (NetIndexFigure.published(point(-90)), "#c62828", "−"),
        (NetIndexFigure.published(point(0)), "#ffffff", "0,0"),
        (NetIndexFigure.published(point(60)), "#2e7d32", "+60,0"),
        (NetIndexFigure.published(point(12.34)), "#", "+12,3"),
    ])
    func heatMapCells(figure: NetIndexFigure, marker: String, text: String) {
        let cell = HeatMapCell(figure)
        let html = cell.html()
        #expect(html.contains(marker), "\(html)")
        switch figure {
        case .withheld, .noResponses:
            #expect(!html.contains { $0.isNumber }, "a withheld or empty cell shows no figure: \(html)")
            #expect(!html.contains("background:"))
        case let .published(point):
            guard case let .value(netIndex, fill, ink) = cell else { Issue.record("a published figure is a value"); return }
            #expect(netIndex == point.netIndex)
            #expect(fill.count == 7 && fill.hasPrefix("#"))
            // Strong fills carry white text.
            #expect((ink == "#fff") == (abs(point.netIndex) / 60 > 0.55))
            if point.netIndex < 0 { #expect(html.contains(ReportHTML.number(point.netIndex, sign: true))) }
        }
    }

    @Test(arguments: [
        ([-5.0, 12], -10.0, 20.0),
        ([], -10, 10),
        ([-100, 100], -100, 100),
        ([30, 45], -10, 50),
        ([-38, -30], -40, 10),
    ])
    func chartRangeCoversValuesAndZero(values: [Double], low: Double, high: Double) {
        let range = TrendChart.range(values)
        #expect(range.low == low && range.high == high)
        #expect(values.allSatisfy { range.low <= $0 && $0 <= range.high })
    }

    @Test func chartGeometry() {
        let chart = TrendChart(width: 130, height: 60, low: -20, high: 40, weeks: 12)
        #expect(chart.y(40) == 0 && chart.y(-20) == 60 && chart.y(10) == 30)
        #expect(chart.y(90) == 0 && chart.y(-90) == 60, "values outside the range are clamped to the chart")
        #expect(chart.x(0) == 5 && chart.x(12) == 125, "12 weeks and the outlook's slot share the width")
        #expect((0..<12).allSatisfy { chart.x($0) < chart.x($0 + 1) })
        // Gaps break the line: two runs, one segment each side of the gap; a lone week is a lone M.
        let path = chart.linePath([10, 20, nil, 0, -10, nil, 5])
        #expect(path.filter { $0 == "M" }.count == 3 && path.filter { $0 == "L" }.count == 2, "\(path)")
        #expect(path.hasPrefix("M5.0,30.0 L15.0,20.0 M35.0,40.0"))
        #expect(chart.linePath([nil, nil]).isEmpty)
    }

    @Test func bandsAreDrawnOverRunsOfAtLeastTwoWeeks() {
        let chart = TrendChart(width: 130, height: 60, low: -20, high: 40, weeks: 12)
        let band = PeriodSummary.Outlook(expected: 10, low: 0, high: 20, weeks: 5)
        let polygons = chart.bandPolygons([nil, band, band, band, nil, band, nil, band, band])
        #expect(polygons.count == 2, "a one-week run has no area")
        let first = polygons.first?.split(separator: " ") ?? []
        #expect(first.count == 6)
        // Upper edge left to right at y(20) = 20, then the lower edge back at y(0) = 40.
        #expect(first.prefix(3).allSatisfy { $0.hasSuffix(",20.0") } && first.suffix(3).allSatisfy { $0.hasSuffix(",40.0") })
        #expect(first.first == "15.0,20.0" && first.last == "15.0,40.0")
        // The outlook's slot (index 12) is never part of the band.
        #expect(chart.bandPolygons(Array(repeating: band, count: 13)).first?.contains("125.0") == false)
    }

    @Test func outlookFollowsTheSeriesAndNeedsTwoPublishedWeeks() throws {
        #expect(NetIndexOutlook.next([]) == nil)
        #expect(NetIndexOutlook.next([nil, Self.point(20), nil]) == nil)
        let steady = try #require(NetIndexOutlook.next(Array(repeating: Self.point(20), count: 12)))
        #expect(abs(steady.expected - 20) < 0.01)
        #expect(steady.low < 20 && 20 < steady.high && steady.weeks == 12)
        let rising = try #require(NetIndexOutlook.next((0..<12).map { Self.point(Double($0) * 4, n: 400) }))
        #expect(rising.expected > 30, "a steady rise moves the level: \(rising.expected)")
        let bands = NetIndexOutlook.bands([Self.point(10), nil, Self.point(12), Self.point(14)])
        #expect(bands.count == 5)
        #expect(bands[0] == nil && bands[1] == nil && bands[2] == nil, "no band before two published weeks")
        #expect(bands[3] != nil && bands[4] == NetIndexOutlook.next([Self.point(10), nil, Self.point(12), Self.point(14)]))
    }

    /// With opinion steady, next week's published net index falls outside the band about one week
    /// in twenty (the band is 95%); the figure is stated in docs/SUMMARIES.md.
    @Test func outlookBandMissesAboutOneWeekInTwenty() {
        var generator = SeededGenerator(state: 18)
        let runs = 2000
        var misses = 0
        for _ in 0..<runs {
            var series: [NetIndexFigure.Point?] = []
            for _ in 0...12 {
                let n = Int.random(in: 20...80, using: &generator)
                var positive = 0, negative = 0
                for _ in 0..<n {
                    let u = Double.random(in: 0..<1, using: &generator)
                    if u < 0.5 { positive += 1 } else if u < 0.7 { negative += 1 }
                }
                var cell = PeriodSummary.Cell(suppressed: false)
                cell.responses = n
                cell.counts = [positive, n - positive - negative, negative]
                cell.netIndex = Double(positive - negative) / Double(n) * 100
                cell.netIndexLow = -100
                cell.netIndexHigh = 100
                series.append(NetIndexFigure(cell, polarities: [1, 0, -1]).point)
            }
            guard let outlook = NetIndexOutlook.next(Array(series.prefix(12))), let actual = series.last??.netIndex else { continue }
            if actual < outlook.low || actual > outlook.high { misses += 1 }
        }
        let rate = Double(misses) / Double(runs)
        #expect(rate > 0.02 && rate < 0.09, "missed \(rate * 100)% of weeks")
    }

    /// A summary of the fixture's unit totals with few responses.
    static func weekly(_ current: TallyCube) -> PeriodSummary {
        let period = Period(identifier: "2026-W48") ?? Period.containing(LocalDate(dayNumber: 0), kind: .week)
        var summary = SummaryBuilder(minimumCellSize: 5).build(period: period, current: current, previous: SummaryFixture.previous, revision: 1, dataThrough: "2026-11-29T07:05:00Z")
        summary.addSmallUnitEstimates()
        return summary
    }

    @Test func smallUnitsGetShrunkEstimatesAndWithheldOnesNothing() throws {
        let summary = Self.weekly(SummaryFixture.current)
        let totals = summary.topics.flatMap { $0.units.map(\.total) }
        #expect(totals.contains { $0.suppressed })
        for cell in totals {
            if cell.suppressed || (cell.responses ?? 0) >= PeriodSummary.smallUnitResponses {
                #expect(cell.sharesEb == nil && cell.sharesEbLow == nil && cell.sharesEbHigh == nil)
                continue
            }
            let estimates = try #require(cell.sharesEb)
            #expect(estimates.count == summary.sentiments.count)
            for (index, estimate) in estimates.enumerated() {
                guard let estimate, let low = cell.sharesEbLow?[index], let high = cell.sharesEbHigh?[index] else { continue }
                #expect(0 <= low && low <= estimate && estimate <= high && high <= 100)
            }
        }
        // Group cells and the province never carry them.
        #expect(summary.topics.allSatisfy { $0.province.sharesEb == nil && $0.units.allSatisfy { $0.groups.allSatisfy { $0.cell.sharesEb == nil } } })
    }

    @Test func estimatesDoNotDependOnWithheldCounts() {
        // Huyện Võ Nhai's CDS total (unit 1) is published; Công an's YTE total (unit 2, 3 responses)
        // is withheld. Changing the withheld counts changes no estimate.
        var other = SummaryFixture.current
        other[2, 1, 0, 0] = 1
        other[2, 1, 0, 2] = 2
        let (a, b) = (Self.weekly(SummaryFixture.current), Self.weekly(other))
        #expect(a.topics[1].units[2].total.suppressed && b.topics[1].units[2].total.suppressed)
        #expect(a.topics.map { $0.units.map(\.total.sharesEb) } == b.topics.map { $0.units.map(\.total.sharesEb) })
    }

    @Test func outlookIsAddedToPublishedCellsOnlyAndWrittenAsJSONEncoderWould() throws {
        var summary = Self.weekly(SummaryFixture.current)
        let history = [SummaryFixture.previous, SummaryFixture.current, SummaryFixture.previous].map { NetIndexFigures(Self.weekly($0)) }
        summary.addOutlook(history: history)
        let totals = summary.topics.flatMap { $0.units.map(\.total) } + summary.topics.map(\.province)
        #expect(totals.filter(\.suppressed).allSatisfy { $0.outlook == nil })
        #expect(totals.contains { $0.outlook != nil })
        #expect(try SummaryJSON.render(summary) == SummaryJSON.renderWithEncoder(summary))
        #expect(try SummaryJSON.decode(try SummaryJSON.render(summary)) == summary)
    }

    @Test func reportPageOneIsTheSummary() throws {
        let summary = Self.weekly(SummaryFixture.current)
        let page = ReportHTML.summaryPage(summary, title: "Báo cáo", timeZone: Self.hanoi)
        for text in ["Tóm tắt", "Cần chú ý", "Đồng tình (%)", "Không đồng tình (%)", "Chuyển đổi số", "Toàn tỉnh", "14:05 ngày 29/11/2026"] {
            #expect(page.contains(text), "\(text) missing")
        }
        // The heat map withholds exactly what the summary withholds.
        let withheld = summary.topics.flatMap { $0.units.map(\.total) + [$0.province] }.filter(\.suppressed).count
        #expect(page.components(separatedBy: "class=\"hm withheld\"").count - 1 == withheld)
        #expect(withheld > 0)
        let html = try #require(String(data: ReportHTML.render(summary, timeZone: Self.hanoi), encoding: .utf8))
        let summaryEnd = try #require(html.range(of: "</section>")?.lowerBound)
        let firstTopic = try #require(html.range(of: "<section class=\"topic\">")?.lowerBound)
        #expect(html.range(of: "<section class=\"summary-page\">")?.lowerBound ?? firstTopic > html.startIndex && summaryEnd < firstTopic)
        #expect(html.contains("@page { size: A4") && html.contains(".summary-page { break-after: page"))
        #expect(html.contains("Dự kiến tuần tới"), "weekly reports have the outlook column")
        #expect(html == html.precomposedStringWithCanonicalMapping)
    }

    @Test func frontPageWithholdsWhatTheSummariesWithhold() {
        let weeks = [SummaryFixture.previous, SummaryFixture.current].map { NetIndexFigures(Self.weekly($0)) }
        var page = FrontPage(timeZone: Self.hanoi)
        page.trend = weeks
        page.latestWeek = weeks.last
        page.dataThrough = "2026-11-29T07:05:00Z"
        let html = page.html()
        let summary = Self.weekly(SummaryFixture.current)
        let withheld = summary.topics.flatMap { $0.units.map(\.total) + [$0.province] }.filter(\.suppressed).count
        #expect(html.components(separatedBy: "class=\"hm withheld\"").count - 1 == withheld)
        #expect(html.contains("14:05 ngày 29/11/2026"))
        #expect(html.components(separatedBy: "<svg class=\"trend\"").count - 1 == summary.topics.count * (summary.units.count + 1))
        // A withheld week is a cross at the foot of its chart, never a dot with a figure.
        #expect(html.contains("class=\"withheld\""))
        #expect(!html.contains("<script"))
        #expect(html == html.precomposedStringWithCanonicalMapping)
    }

    /// The release calendar in index.json and on the front page: the next week, month, quarter and
    /// year of the published granularities, each with its own grace days (week 2, month 5, …).
    @Test func releaseCalendarShowsTheNextPeriodOfEachPublishedKind() throws {
        let policy = ReleasePolicy.closed(GraceDays(week: 2, month: 5, quarter: 5, year: 10))
        var index = SummaryIndex(title: "Tổng hợp", granularities: [])
        let today: LocalDate = try #require(LocalDate(iso: "2026-12-09"))
        index.release = .init(policy, today: today, kinds: [.week, .month, .year])
        let release = try #require(index.release)
        #expect(release.graceDays == 2)
        #expect(release.graceDaysByPeriod == GraceDays(week: 2, month: 5, quarter: 5, year: 10))
        #expect(release.next == [
            .init(kind: .week, period: "2026-W50", date: "2026-12-16"),
            .init(kind: .month, period: "2026-11", date: "2026-12-12"),
            .init(kind: .year, period: "2026", date: "2027-01-14"),
        ])
        let json = String(decoding: try index.json(), as: UTF8.self)
        #expect(json.contains(#""grace_days":2,"grace_days_by_period":{"month":5,"quarter":5,"week":2,"year":10}"#), "\(json)")
        #expect(json.contains(#""next":[{"date":"2026-12-16","kind":"week","period":"2026-W50"}"#), "\(json)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode(SummaryIndex.self, from: index.json()) == index)

        let html = String(decoding: index.html(), as: UTF8.self)
        #expect(html.contains("<h2>Lịch công bố</h2>"))
        #expect(html.contains("<li>Tuần 50/2026 (07/12–13/12/2026): ngày 16/12/2026</li>"), "\(html)")
        #expect(html.contains("<li>Tháng 11/2026: ngày 12/12/2026</li>"))
        #expect(html.contains("<li>Năm 2026: ngày 14/01/2027</li>"))
        #expect(!html.contains("Quý"), "quarters are not published")
        #expect(html.contains("sau khi kết thúc: tuần 2 ngày, tháng 5 ngày, năm 10 ngày, với mọi ý kiến đã nhận"))
        #expect(!html.contains("<script"))
    }

    @Test func noCalendarWhenPeriodsAreOpen() throws {
        var index = SummaryIndex(title: "Tổng hợp", granularities: [])
        let today: LocalDate = try #require(LocalDate(iso: "2026-12-09"))
        index.release = .init(.open, today: today, kinds: PeriodKind.allCases)
        #expect(index.release?.next == nil && index.release?.graceDaysByPeriod == nil)
        #expect(!String(decoding: index.html(), as: UTF8.self).contains("Lịch công bố"))
        let json = String(decoding: try index.json(), as: UTF8.self)
        #expect(!json.contains("next") && !json.contains("grace_days"))
    }

    /// Uniform grace days read as before: one number for every period.
    @Test func uniformGraceDaysAreOneNumber() throws {
        var index = SummaryIndex(title: "Tổng hợp", granularities: [])
        let today: LocalDate = try #require(LocalDate(iso: "2026-12-07"))
        index.release = .init(.closed(graceDays: 2), today: today, kinds: [.week])
        let html = String(decoding: index.html(), as: UTF8.self)
        #expect(html.contains("sau khi kết thúc 2 ngày"))
        #expect(html.contains("<li>Tuần 49/2026 (30/11–06/12/2026): ngày 09/12/2026</li>"))
    }
}
