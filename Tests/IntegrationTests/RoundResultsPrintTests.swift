import Foundation
import SurveyModel
import SurveyReport
import Testing

/// A round's `results.html` printed by headless Chromium (issue 29): A4, and page 1 the committee's
/// summary in Vietnamese (the round, its coverage, each topic's province figures, the changes
/// since the previous round, the unit × topic heat map), read back with `pdftotext`; the coverage
/// by unit and the topics' tables on the pages after it.
@Suite struct RoundResultsPrintTests {
    static let units = [
        "Thành phố Thái Nguyên", "Thành phố Sông Công", "Huyện Đại Từ", "Huyện Phú Lương", "Huyện Đồng Hỷ", "Huyện Định Hóa",
        "Huyện Võ Nhai", "Huyện Phú Bình", "Thành phố Phổ Yên", "Đảng bộ Khối cơ quan", "Đảng bộ Khối doanh nghiệp",
        "Đảng bộ Công an tỉnh", "Đảng bộ Quân sự tỉnh", "Đảng bộ Biên phòng", "Đảng bộ Đại học", "Đảng bộ Y tế",
    ].enumerated().map { SurveyUnit(code: "U\($0.offset + 1)", name: $0.element) }
    static let topics = [Topic(code: "DAIHOI", title: "Tổ chức đại hội đảng bộ các cấp"), Topic(code: "CDS", title: "Chuyển đổi số"), Topic(code: "YTE", title: "Chăm sóc sức khỏe")]
    static let groups = [RespondentGroup(code: "CB", name: "Cán bộ"), RespondentGroup(code: "ND", name: "Nhân dân")]
    static let sentiments = [
        Sentiment(code: "DONGTINH", label: "Đồng tình", polarity: .positive),
        Sentiment(code: "PHANVAN", label: "Phân vân", polarity: .neutral),
        Sentiment(code: "KHONGDONGTINH", label: "Không đồng tình", polarity: .negative),
    ]

    /// Counts of a round: unit U5 turns against CDS in the later round; U16's cells are small.
    static func cube(later: Bool) -> TallyCube {
        var cube = TallyCube(units: units, topics: topics, groups: groups, sentiments: sentiments)
        for u in units.indices {
            for t in topics.indices {
                for g in groups.indices {
                    let small = u == 15
                    let turning = later && u == 4 && t == 1
                    let (positive, neutral, negative) = small ? (2, 1, 0) : turning ? (10, 5, 25) : (20 + (u * 7 + t * 5 + g * 3) % 15, 6, 5 + (u + t) % 6)
                    cube[u, t, g, 0] = positive
                    cube[u, t, g, 1] = neutral
                    cube[u, t, g, 2] = negative
                }
            }
        }
        return cube
    }

    @Test func pageOneOfThePrintedResultsIsTheCommitteesSummary() async throws {
        let chromium = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "a headless browser is needed: scripts/setup --for-tests installs Debian's chromium")
        let day = { (text: String) in LocalDate(iso: text) ?? LocalDate(dayNumber: 0) }
        let current = SurveyRound(code: "DAIHOI-2026-2", title: "Thăm dò dư luận về đại hội đảng bộ, đợt 2", topics: ["DAIHOI", "CDS", "YTE"],
                                  from: day("2026-11-05"), to: day("2026-11-14"), defaultTarget: 90)
        let previous = SurveyRound(code: "DAIHOI-2026-1", title: "Thăm dò dư luận về đại hội đảng bộ, đợt 1", topics: ["DAIHOI", "CDS", "YTE"],
                                   from: day("2026-06-04"), to: day("2026-06-13"), defaultTarget: 90)
        let now = Self.cube(later: true), before = Self.cube(later: false)
        var counts: [RoundCount] = []
        for (u, unit) in Self.units.enumerated() {
            let n = (0..<Self.topics.count).reduce(0) { sum, t in sum + (0..<Self.groups.count).reduce(0) { $0 + now.cell(unit: u, topic: t, group: $1).reduce(0, +) } }
            counts.append(RoundCount(batch: Int64(u), unit: unit.code, collaborator: Int64(u), receivedAt: Date(timeIntervalSince1970: Double(current.to.dayNumber) * 86_400),
                                     held: false, topic: "DAIHOI", group: "ND", count: n))
        }
        let progress = RoundProgress.compute(round: current, units: Self.units, activeCollaborators: [:], counts: counts,
                                             now: Date(timeIntervalSince1970: Double(current.reportBy.adding(days: 2).dayNumber) * 86_400), timeZone: .gmt)
        let results = RoundResultsBuilder(minimumCellSize: 10).build(
            .init(round: current, cube: now, withheld: ProtectionMask(singleTable: now, minimum: 10)),
            earlier: [.init(round: previous, cube: before, withheld: ProtectionMask(singleTable: before, minimum: 10))],
            progress: progress, revision: 1, dataThrough: "2026-11-19T03:00:00Z"
        )
        #expect(results.summary.significantChanges.contains { $0.topic == "CDS" && $0.unit == "U5" })

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-round-print-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["KEEP_PRINT"] == nil { try? FileManager.default.removeItem(atPath: work) } }
        try RoundResultsReport.html(results, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")).write(to: URL(fileURLWithPath: "\(work)/results.html"))
        let pdf = "\(work)/results.pdf"
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(work)/browser", "--hide-scrollbars"]
        _ = try await run(chromium, flags + ["--no-pdf-header-footer", "--print-to-pdf=\(pdf)", "file://\(work)/results.html"], timeout: 90)
        let info = try await run("/usr/bin/pdfinfo", [pdf])
        #expect(info.stdout.contains("(A4)"), "\(info.stdout)")
        let page1 = try await run("/usr/bin/pdftotext", ["-f", "1", "-l", "1", "-layout", pdf, "-"]).stdout.precomposedStringWithCanonicalMapping
        let rest = try await run("/usr/bin/pdftotext", ["-f", "2", "-layout", pdf, "-"]).stdout.precomposedStringWithCanonicalMapping
        // Words as a reader sees them: a title may wrap onto a second line.
        let words = page1.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for text in ["Kết quả đợt điều tra", "Thăm dò dư luận về đại hội đảng bộ, đợt 2", "05/11/2026", "14/11/2026", "DAIHOI-2026-1", "Tóm tắt",
                     "Mức độ bao phủ", "Cần chú ý", "Huyện Đồng Hỷ", "Chuyển đổi số", "Toàn tỉnh", "Đảng bộ Y tế"] {
            #expect(words.contains(text), "page 1 lacks \(text)")
        }
        #expect(!page1.contains("Mức độ bao phủ theo đơn vị") && !page1.contains("Tỷ lệ theo thái độ"), "the pages after the summary reached page 1")
        #expect(rest.contains("Mức độ bao phủ theo đơn vị") && rest.contains("Tỷ lệ theo thái độ"))
    }
}
