import Foundation
import SurveyModel
import SurveyReport
import Testing
import TestSupport

@Suite struct SummaryTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// Compares with the golden file; `UPDATE_GOLDEN=1` rewrites it.
    func matchesGolden(_ data: Data, _ name: String) throws {
        let url = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try data.write(to: url)
        }
        let expected = try Data(contentsOf: url)
        #expect(data == expected, "\(name) differs from the golden file; inspect and rerun with UPDATE_GOLDEN=1")
    }

    @Test func summaryJSONMatchesGoldenFile() throws {
        try matchesGolden(try SummaryJSON.render(SummaryFixture.summary), "summary.json")
    }

    @Test func summaryCSVMatchesGoldenFileByteForByte() throws {
        let csv = SummaryCSV.render(SummaryFixture.summary)
        try matchesGolden(csv, "summary.csv")
        #expect(csv.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = try #require(String(data: csv, encoding: .utf8))
        #expect(text.hasSuffix("\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.contains("\"Chăm sóc sức khỏe, \"\"y tế\"\"\""))
    }

    @Test func fastJSONWriterMatchesJSONEncoderByteForByte() throws {
        var summary = SummaryFixture.summary
        summary.topics[1].title = "Tab\there, \"quotes\", back\\slash, a/b, control \u{01}, Việt"
        #expect(try SummaryJSON.render(summary) == SummaryJSON.renderWithEncoder(summary))
        #expect(try SummaryJSON.render(SummaryFixture.summary) == SummaryJSON.renderWithEncoder(SummaryFixture.summary))
    }

    /// Numbers take a fast path when they have at most two decimals: any value, rounded or not,
    /// must still come out as JSONEncoder writes it.
    @Test func fastJSONNumbersMatchJSONEncoder() throws {
        var summary = SummaryFixture.summary
        var generator = SeededGenerator.forTest()
        var values: [Double] = [0, -0.0, 0.01, -0.01, 0.1, 99.99, 100, -100, 12.5, 1e-7, 123456.78, 1e15 + 0.5, 3.14159, -2.675, 0.295, 1.005]
        for _ in 0..<2000 { values.append(Double(Int.random(in: -10_000_000...10_000_000, using: &generator)) / 100) }
        for _ in 0..<500 { values.append(Double.random(in: -1000...1000, using: &generator)) }
        let cell = summary.topics[0].province
        let template = try #require(summary.topics[0].provinceGroups.first)
        summary.topics[0].units = []
        let count: Int = values.count
        summary.topics[0].provinceGroups = stride(from: 0, to: count, by: 3).map { (start: Int) -> PeriodSummary.GroupCell in
            var cell = cell
            cell.shares = values[start..<min(start + 3, count)].map { Optional($0) }
            cell.netIndex = values[start]
            var group = template
            group.group = "G\(start)"
            group.cell = cell
            return group
        }
        let fast = try SummaryJSON.render(summary), reference = try SummaryJSON.renderWithEncoder(summary)
        if fast != reference {
            let a = String(decoding: fast, as: UTF8.self).split(separator: ","), b = String(decoding: reference, as: UTF8.self).split(separator: ",")
            let first = zip(a, b).first { $0 != $1 }
            Issue.record("first difference: \(first.map { "\($0.0) vs \($0.1)" } ?? "length")")
        }
    }

    @Test func jsonRoundTrips() throws {
        let summary = SummaryFixture.summary
        #expect(try SummaryJSON.decode(try SummaryJSON.render(summary)) == summary)
    }

    @Test func cellsHoldCountsSharesAndChanges() throws {
        let summary = SummaryFixture.summary
        #expect(summary.responses == SummaryFixture.current.total)
        let cds = try #require(summary.topics.first)
        // Province, topic CDS: 131 positive, 30 neutral, 24 negative of 185.
        let province = cds.province
        #expect(province.responses == 185)
        #expect(province.counts == [131, 30, 24])
        #expect(province.shares?.first == 70.81)
        let low = try #require(province.sharesLow?.first ?? nil), high = try #require(province.sharesHigh?.first ?? nil)
        #expect(low < 70.81 && high > 70.81)
        #expect(province.netIndex == 57.84)
        // Previous: 88 / 46 / 54 of 188 → net index 18.09; the rise is significant.
        #expect(province.previousNetIndex == 18.09)
        let change = try #require(province.netIndexChange)
        #expect(change.change == 39.75)
        #expect(change.significant && change.low > 0)
        #expect(summary.significantChanges.first?.topic == "CDS")
        #expect(summary.significantChanges.map { abs($0.change.change) } == summary.significantChanges.map { abs($0.change.change) }.sorted(by: >))
    }

    @Test func smallCellsAreWithheldWithTheirComplements() throws {
        let summary = SummaryFixture.summary
        let cds = try #require(summary.topics.first)
        // VN cadres: 2 answers → withheld; so is a complement in the VN row and CB column.
        let vn = try #require(cds.units.first { $0.unit == "VN" })
        #expect(vn.groups[0].cell == .withheld)
        #expect(vn.groups[0].cell.responses == nil)
        #expect(vn.groups.filter(\.cell.suppressed).count >= 2 || vn.total.suppressed)
        #expect(summary.suppressedCells > 1)
        // CA has no citizens' answers: zero is published, not withheld.
        let ca = try #require(cds.units.first { $0.unit == "CA" })
        #expect(ca.groups[1].cell.responses == 0)
        #expect(ca.groups[1].cell.netIndex == nil)
    }

    @Test(arguments: [(12.345, 2, "12.35"), (-0.004, 2, "0.00"), (-7.25, 1, "-7.3"), (100, 2, "100.00"), (0.5, 0, "1")])
    func decimalsAreFormattedWithoutLocale(value: Double, places: Int, text: String) {
        #expect(SummaryCSV.number(value, places: places) == text)
    }

    @Test func reportIsSelfContainedAndNamesEverything() throws {
        let html = try #require(String(data: ReportHTML.render(SummaryFixture.summary), encoding: .utf8))
        for name in ["Thành phố Thái Nguyên", "Huyện Võ Nhai", "Đảng bộ Công an tỉnh", "Chuyển đổi số", "Toàn tỉnh", "lần cập nhật 2", "2026-11-22T10:00:00Z"] {
            #expect(html.contains(name), "\(name)")
        }
        #expect(html.contains("Chăm sóc sức khỏe, &quot;y tế&quot;"))
        #expect(html.contains("<svg"))
        #expect(html.contains("@page { size: A4"))
        #expect(html.contains("đã được ẩn"))
        for forbidden in ["<script", "http://", "https://", "@import", "<link", "url("] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        // Labels are in NFC.
        #expect(html == html.precomposedStringWithCanonicalMapping)
    }
}
