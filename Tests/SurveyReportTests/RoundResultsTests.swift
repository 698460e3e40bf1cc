import Foundation
import SurveyModel
import SurveyReport
import Testing

/// A round's results built from counts and masks (issue 29): the same statistics as a period's
/// summary over the round's topics, each topic compared with its own previous round, the coverage
/// from the round's progress, and the files.
@Suite struct RoundResultsTests {
    static func day(_ text: String) -> LocalDate { LocalDate(iso: text) ?? LocalDate(dayNumber: 0) }

    static func round(_ code: String, _ topics: [String], _ from: String, _ to: String) -> SurveyRound {
        SurveyRound(code: code, title: "Đợt \(code)", topics: topics, from: day(from), to: day(to), defaultTarget: 100)
    }

    static let hanoi = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt

    /// The round's progress as of a day after its reporting deadline: one batch per unit and
    /// topic, unit VN's received late, unit CA silent.
    static func progress(_ round: SurveyRound, _ cube: TallyCube) -> RoundProgress {
        var counts: [RoundCount] = []
        for (u, unit) in cube.units.enumerated() where unit.code != "CA" {
            for (t, topic) in cube.topics.enumerated() where round.topics.contains(topic.code) {
                for (g, group) in cube.groups.enumerated() {
                    let n = cube.cell(unit: u, topic: t, group: g).reduce(0, +)
                    guard n > 0 else { continue }
                    // 10:00 in Hanoi on the round's last day, or the day after its deadline.
                    let day = unit.code == "VN" ? round.reportBy.adding(days: 1) : round.to
                    let received = Date(timeIntervalSince1970: Double(day.dayNumber) * 86_400 + 3 * 3_600)
                    counts.append(RoundCount(
                        batch: Int64(u * 10 + t), unit: unit.code, collaborator: Int64(u), receivedAt: received, held: false,
                        topic: topic.code, group: group.code, count: n
                    ))
                }
            }
        }
        let now = Date(timeIntervalSince1970: Double(round.reportBy.adding(days: 5).dayNumber) * 86_400 + 3 * 3_600)
        return RoundProgress.compute(round: round, units: cube.units, activeCollaborators: [:], counts: counts, now: now, timeZone: hanoi)
    }

    static func single(_ cube: TallyCube) -> ProtectionMask { ProtectionMask(singleTable: cube, minimum: 5) }

    @Test(arguments: [
        // (rounds before, topic, the one compared with)
        ([round("A", ["CDS"], "2026-03-02", "2026-03-12"), round("B", ["CDS", "YTE"], "2026-06-04", "2026-06-13")], "CDS", "B"),
        ([round("A", ["CDS"], "2026-03-02", "2026-03-12"), round("B", ["YTE"], "2026-06-04", "2026-06-13")], "CDS", "A"),
        ([round("A", ["cds"], "2026-03-02", "2026-03-12")], "CDS", "A"), // topic codes in any case
        ([round("B", ["YTE"], "2026-06-04", "2026-06-13")], "CDS", nil),
        // A round that ends after the current one starts is not a previous round.
        ([round("L", ["CDS"], "2026-12-01", "2026-12-20")], "CDS", nil),
        ([round("A", ["CDS"], "2026-03-02", "2026-03-12"), round("L", ["CDS"], "2027-01-04", "2027-01-14")], "CDS", "A"),
    ] as [([SurveyRound], String, String?)])
    func previousRoundIsTheLatestEarlierOneSharingTheTopic(rounds: [SurveyRound], topic: String, expected: String?) {
        let current = Self.round("C", ["CDS", "YTE"], "2026-11-05", "2026-11-14")
        #expect(RoundResultsBuilder.previousRound(of: current, topic: topic, among: rounds + [current])?.code == expected)
    }

    @Test func resultsAreThePeriodStatisticsOverTheRoundsTopics() throws {
        // The round asks only YTE; its counts are the fixture's current month, the previous
        // round's its previous month: the YTE rows must equal the month's summary's.
        let current = Self.round("C", ["YTE"], "2026-11-05", "2026-11-14")
        let previous = Self.round("P", ["YTE", "CDS"], "2026-05-07", "2026-05-16")
        let builder = RoundResultsBuilder(minimumCellSize: 5)
        let now = RoundResultsBuilder.CountedRound(round: current, cube: SummaryFixture.current, withheld: Self.single(SummaryFixture.current))
        let before = RoundResultsBuilder.CountedRound(round: previous, cube: SummaryFixture.previous, withheld: Self.single(SummaryFixture.previous))
        let results = builder.build(now, earlier: [before], progress: Self.progress(current, SummaryFixture.current), revision: 1, dataThrough: "2026-11-20T01:00:00Z")
        #expect(results.schema == "surveyd.round-results/1")
        #expect(results.summary.period == .init(kind: .round, id: "C", start: Self.day("2026-11-05"), end: Self.day("2026-11-14")))
        #expect(results.summary.previousPeriod == "P")
        #expect(results.topics == ["YTE"] && results.summary.topics.map(\.code) == ["YTE"])
        #expect(results.comparedWith == [.init(topic: "YTE", round: "P", title: "Đợt P", from: Self.day("2026-05-07"), to: Self.day("2026-05-16"))])
        var month = SummaryFixture.summary
        month.addSmallUnitEstimates()
        let yte = try #require(month.topics.first { $0.code == "YTE" })
        #expect(results.summary.topics.first == yte)
        #expect(results.summary.responses == (0..<3).reduce(0) { u, unit in u + (0..<2).reduce(0) { $0 + SummaryFixture.current.cell(unit: unit, topic: 1, group: $1).reduce(0, +) } })
        // The change list holds only YTE's comparisons, under the same false-discovery control.
        #expect(results.summary.significantChanges.allSatisfy { $0.topic == "YTE" })
    }

    @Test func eachTopicIsComparedWithItsOwnPreviousRound() throws {
        // CDS was last asked in round A (the fixture's previous month), YTE in round B (the
        // current month's counts: no change at all).
        let current = Self.round("C", ["CDS", "YTE"], "2026-11-05", "2026-11-14")
        let a = Self.round("A", ["CDS", "YTE"], "2026-03-05", "2026-03-14"), b = Self.round("B", ["YTE"], "2026-06-04", "2026-06-13")
        let results = RoundResultsBuilder(minimumCellSize: 5).build(
            .init(round: current, cube: SummaryFixture.current, withheld: Self.single(SummaryFixture.current)),
            earlier: [
                .init(round: a, cube: SummaryFixture.previous, withheld: Self.single(SummaryFixture.previous)),
                .init(round: b, cube: SummaryFixture.current, withheld: Self.single(SummaryFixture.current)),
            ],
            progress: Self.progress(current, SummaryFixture.current), revision: 2, dataThrough: "2026-11-20T01:00:00Z"
        )
        #expect(results.comparedWith.map(\.round) == ["A", "B"])
        #expect(results.summary.previousPeriod == "A,B")
        let cds = try #require(results.summary.topics.first { $0.code == "CDS" }), yte = try #require(results.summary.topics.first { $0.code == "YTE" })
        let previousCDS = (0..<3).reduce(0) { u, unit in u + (0..<2).reduce(0) { $0 + SummaryFixture.previous.cell(unit: unit, topic: 0, group: $1).reduce(0, +) } }
        #expect(cds.province.previousResponses == previousCDS)
        #expect(yte.province.previousResponses == yte.province.responses)
        #expect(yte.province.netIndexChange?.change == 0)
        #expect(!results.summary.significantChanges.contains { $0.topic == "YTE" })
        // Every published share change is Newcombe's interval on the two rounds' counts
        // (checked against statsmodels in StatisticsTests).
        let counts = try #require(cds.province.counts)
        let before = (0..<3).map { s in (0..<3).reduce(0) { u, unit in u + (0..<2).reduce(0) { $0 + SummaryFixture.previous[unit, 0, $1, s] } } }
        let n = counts.reduce(0, +), m = before.reduce(0, +)
        for (s, change) in try #require(cds.province.shareChanges).enumerated() {
            let i1 = try #require(Statistics.wilson(counts[s], of: n)), i2 = try #require(Statistics.wilson(before[s], of: m))
            let p1 = Double(counts[s]) / Double(n), p2 = Double(before[s]) / Double(m)
            let interval = Statistics.newcombe(p1: p1, interval1: i1, p2: p2, interval2: i2)
            #expect(abs(change.low - interval.low * 100) < 0.006 && abs(change.high - interval.high * 100) < 0.006, "sentiment \(s): \(change)")
        }
    }

    @Test func withoutAPreviousRoundNothingIsCompared() {
        let current = Self.round("C", ["CDS", "YTE"], "2026-11-05", "2026-11-14")
        let results = RoundResultsBuilder(minimumCellSize: 5).build(
            .init(round: current, cube: SummaryFixture.current, withheld: Self.single(SummaryFixture.current)), earlier: [],
            progress: Self.progress(current, SummaryFixture.current), revision: 1, dataThrough: "2026-11-20T01:00:00Z"
        )
        #expect(results.comparedWith.allSatisfy { $0.round == nil })
        #expect(results.summary.previousPeriod.isEmpty && results.summary.significantChanges.isEmpty)
        #expect(results.summary.topics.allSatisfy { $0.province.netIndexChange == nil && $0.units.allSatisfy { $0.total.netIndexChange == nil } })
        // No previous figure at all, not a previous count of 0.
        #expect(results.summary.topics.allSatisfy { topic in
            topic.province.previousResponses == nil && topic.units.allSatisfy { $0.total.previousResponses == nil && $0.groups.allSatisfy { $0.cell.previousResponses == nil } }
        })
        #expect(String(decoding: RoundResultsReport.html(results), as: UTF8.self).contains("chưa có đợt trước cùng chủ đề để so sánh"))
    }

    @Test func whatThePlanWithholdsCarriesNoFigure() throws {
        // A mask from the plan (here: every unit total of CDS and one large cell) is kept as it is,
        // even where the round's own table would show the cell.
        let current = Self.round("C", ["CDS"], "2026-11-05", "2026-11-14")
        var mask = Self.single(SummaryFixture.current)
        for u in 0..<3 { mask.withhold(topic: 0, unit: u, group: nil) }
        mask.withhold(topic: 0, unit: 0, group: 1)
        let results = RoundResultsBuilder(minimumCellSize: 5).build(
            .init(round: current, cube: SummaryFixture.current, withheld: mask), earlier: [],
            progress: Self.progress(current, SummaryFixture.current), revision: 1, dataThrough: "2026-11-20T01:00:00Z"
        )
        let cds = try #require(results.summary.topics.first)
        #expect(cds.units.allSatisfy { $0.total == .withheld })
        // Its sum of responses is that of the province totals shown, none here.
        #expect(cds.province.suppressed ? results.summary.responses == 0 : results.summary.responses == cds.province.responses)
        #expect(cds.units[0].groups[1].cell == .withheld)
        // The small cell of VN (2 responses) is withheld by the single-table plan too.
        #expect(cds.units[1].groups[0].cell == .withheld)
        let csv = String(decoding: RoundResultsReport.csv(results), as: UTF8.self)
        let vnTotal = try #require(csv.split(separator: "\r\n").first { $0.hasPrefix("C,VN,") && $0.contains(",ALL,Tất cả,") })
        #expect(vnTotal.contains(",,1,"), "\(vnTotal)")
    }

    @Test func coverageComesFromTheRoundsProgress() throws {
        let current = Self.round("C", ["CDS", "YTE"], "2026-11-05", "2026-11-14")
        let progress = Self.progress(current, SummaryFixture.current)
        let cube = SummaryFixture.current
        func build(_ mask: ProtectionMask) -> RoundResults {
            RoundResultsBuilder(minimumCellSize: 5).build(
                .init(round: current, cube: cube, withheld: mask), earlier: [], progress: progress, revision: 1, dataThrough: "2026-11-20T01:00:00Z"
            )
        }
        let nothing = ProtectionMask(topics: cube.topics.count, units: cube.units.count, groups: cube.groups.count)
        let results = build(nothing)
        let coverage = results.coverage
        #expect(coverage.received == progress.province.received && coverage.target == 300)
        #expect(coverage.unitsExpected == 3 && coverage.unitsReported == 2 && coverage.unitsOnTime == 1)
        let vn = try #require(coverage.units.first { $0.unit == "VN" }), ca = try #require(coverage.units.first { $0.unit == "CA" })
        #expect(vn.late == vn.received && vn.received == 77)
        #expect(ca.received == 0 && ca.status == "missed")
        let html = String(decoding: RoundResultsReport.html(results), as: UTF8.self)
        #expect(html.contains("Mức độ bao phủ: nhận \(coverage.received ?? -1)/300 ý kiến theo chỉ tiêu"))
        #expect(html.contains("\(vn.late ?? -1) ý kiến nhận sau hạn báo cáo, đã tính vào kết quả"))

        // A withheld unit total of one of the round's topics: that unit's counts are withheld too
        // (their sum would give it back); a withheld province total withholds the province's.
        let vnIndex = try #require(cube.units.firstIndex { $0.code == "VN" })
        let yte = try #require(cube.topics.firstIndex { $0.code == "YTE" })
        var mask = nothing
        mask.withhold(topic: yte, unit: vnIndex, group: nil)
        let cut = build(mask).coverage
        let vnCut = try #require(cut.units.first { $0.unit == "VN" })
        #expect(vnCut.received == nil && vnCut.late == nil && vnCut.completion == nil && vnCut.target == vn.target && vnCut.status == vn.status)
        #expect(cut.units.filter { $0.unit != "VN" } == coverage.units.filter { $0.unit != "VN" })
        #expect(cut.received == coverage.received)
        mask.withhold(topic: yte, unit: nil, group: nil)
        let none = build(mask).coverage
        #expect(none.received == nil && none.late == nil && none.completion == nil && none.target == coverage.target)
        let page = String(decoding: RoundResultsReport.html(build(mask)), as: UTF8.self)
        #expect(page.contains("Mức độ bao phủ: nhận –/300 ý kiến theo chỉ tiêu"))
    }

    @Test func filesHoldTheResults() throws {
        let current = Self.round("Q4-2026", ["CDS", "YTE"], "2026-11-05", "2026-11-14")
        let previous = Self.round("Q2-2026", ["CDS", "YTE"], "2026-05-07", "2026-05-16")
        let results = RoundResultsBuilder(minimumCellSize: 5).build(
            .init(round: current, cube: SummaryFixture.current, withheld: Self.single(SummaryFixture.current)),
            earlier: [.init(round: previous, cube: SummaryFixture.previous, withheld: Self.single(SummaryFixture.previous), revision: 2)],
            progress: Self.progress(current, SummaryFixture.current), revision: 3, dataThrough: "2026-11-20T01:00:00Z"
        )
        // Compared with the previous round's second version: said in the file and on the page.
        #expect(results.comparedWith.map(\.revision) == [2, 2])
        let json = try RoundResultsReport.json(results)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode(RoundResults.self, from: json) == results)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["round"] as? String == "Q4-2026" && object["report_by"] as? String == "2026-11-17")
        #expect((object["summary"] as? [String: Any])?["period"].flatMap { ($0 as? [String: Any])?["kind"] as? String } == "round")
        #expect((object["compared_with"] as? [[String: Any]])?.compactMap { $0["revision"] as? Int } == [2, 2])

        let csv = String(decoding: RoundResultsReport.csv(results), as: UTF8.self)
        let lines = csv.split(separator: "\r\n")
        // Per topic: 3 units × 2 groups, 3 unit totals, 2 province groups, the province.
        #expect(lines.count == 1 + 2 * (6 + 3 + 2 + 1))
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("Q4-2026,") })

        let html = String(decoding: RoundResultsReport.html(results), as: UTF8.self)
        let firstPage = try #require(html.range(of: "<section class=\"summary-page\">"))
        let pageEnd = try #require(html.range(of: "</section>", range: firstPage.upperBound..<html.endIndex))
        let page = String(html[firstPage.lowerBound..<pageEnd.upperBound])
        #expect(page.contains("<h1>Kết quả đợt điều tra – Đợt Q4-2026</h1>"))
        #expect(page.contains("thu thập từ 05/11/2026 đến 14/11/2026"))
        #expect(page.contains("so sánh với đợt Q2-2026 (07/05/2026–16/05/2026), số liệu điều chỉnh lần 1"))
        #expect(page.contains("Cần chú ý: thay đổi có ý nghĩa so với đợt trước"))
        #expect(page.contains("Mức độ bao phủ"))
        // After the first page: the coverage by unit, then the change list and the topics.
        let rest = html[pageEnd.upperBound...]
        let coverage = try #require(rest.range(of: "Mức độ bao phủ theo đơn vị")), changes = try #require(rest.range(of: "Thay đổi có ý nghĩa so với đợt trước: danh sách đầy đủ"))
        #expect(coverage.lowerBound < changes.lowerBound)
        #expect(!html.contains("kỳ trước") && !html.contains("Kỳ trước"))
    }

    @Test func periodReportsKeepTheirWords() {
        let html = String(decoding: ReportHTML.render(SummaryFixture.summary), as: UTF8.self)
        #expect(html.contains("Cần chú ý: thay đổi có ý nghĩa so với kỳ trước"))
        #expect(html.contains("<th class=\"n\">Kỳ trước</th><th class=\"n\">Kỳ này</th>") || SummaryFixture.summary.significantChanges.isEmpty)
        #expect(!html.contains("đợt trước"))
    }
}
