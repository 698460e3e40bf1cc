import Foundation
import SurveyModel
import SurveyReport
import Testing

/// The front page and a printed report, rendered by headless Chromium from what the real daemon
/// published: sixteen weeks of opinion in which one unit turns against one topic, a unit with
/// cells too small to publish, and an open round with silent units. Checks the page's parts, that
/// the heat map withholds exactly what the summary withholds, the screenshot's ink, and that A4
/// page 1 of the printed report holds the one-page summary with its Vietnamese text intact.
@Suite struct FrontPageRenderTests {
    static let weeks = 16
    static let units = ["TPTN", "TPSC", "DH", "PL", "DHY", "DT", "KCQ", "KDN", "CA", "VN"]
    static let topics = ["DAIHOI", "CANBO", "YTE", "GIAODUC", "CDS"]
    static let sentiments = "  - { code: KHONGDONGTINH, label: \"Không đồng tình\", polarity: -1 }"
    static var round: String {
        """
        \(sentiments)

        rounds:
          - code: DAIHOI-2026
            title: "Thăm dò dư luận về tổ chức đại hội đảng bộ các cấp"
            topics: [DAIHOI]
            from: \(today.adding(days: -20))
            to: \(today.adding(days: 10))
            report_by: \(today.adding(days: 12))
            silent_after_days: 7
            targets: { default: 40 }
        """
    }

    /// One unit's responses: 30 a week per topic (3 in VN's YTE in the latest week: withheld),
    /// with Huyện Đồng Hỷ turning against Chuyển đổi số in the last four weeks.
    static func lines(unit u: Int) -> [String] {
        var lines: [String] = []
        for week in 0..<weeks {
            for (t, topic) in topics.enumerated() {
                let turning = units[u] == "DHY" && topic == "CDS" && week < 4
                let (positive, negative) = turning ? (25, 55) : (45 + (u * 7 + t * 11) % 30, 10 + (u * 5 + t * 3) % 15)
                let count = units[u] == "VN" && topic == "YTE" && week == 0 ? 3 : 30
                for i in 0..<count {
                    let draw = (i * 37 + u * 11 + t * 7 + week * 13) % 100
                    let sentiment = draw < positive ? "DONGTINH" : draw < positive + negative ? "KHONGDONGTINH" : "PHANVAN"
                    let day = min(today, Period.containing(today, kind: .week).start.adding(days: i % 7 - week * 7))
                    lines.append("R \(day) \(topic) \(["CB", "DV", "ND"][i % 3]) \(sentiment)")
                }
            }
        }
        return lines
    }

    func browser() throws -> String {
        try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) },
                     "a headless browser is needed: scripts/setup --for-tests installs Debian's chromium")
    }

    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func frontPageAndPrintedReportRender() async throws {
        let daemon = try Daemon(replacing: [Self.sentiments: Self.round])
        let collaborators = try daemon.addCollaborators(units: Self.units)
        try await daemon.start()
        for (u, collaborator) in collaborators.enumerated() {
            let reply = try await daemon.submit(collaborator, "weeks-\(u)", Self.lines(unit: u))
            #expect(reply.code == 250, "\(reply)")
        }
        let published = try await run("surveyctl", ["publish"] + daemon.storeOptions)
        #expect(published.status == 0, "\(published.stderr)")
        #expect(await daemon.stop() == 0)
        let summaries = "\(daemon.stateDirectory)/summaries"
        let week = Period.containing(today, kind: .week)
        let weekly = try SummaryJSON.decode(try Data(contentsOf: URL(fileURLWithPath: "\(summaries)/week/\(week.identifier)/summary.json")))
        let index = try String(contentsOfFile: "\(summaries)/index.html", encoding: .utf8)

        // The summary's new fields, and none on a withheld cell.
        let cells = weekly.topics.flatMap { $0.units.map(\.total) }
        #expect(cells.contains { $0.suppressed }, "VN's YTE this week has 3 responses: withheld")
        #expect(cells.filter(\.suppressed).allSatisfy { $0.outlook == nil && $0.sharesEb == nil && $0.netIndex == nil })
        #expect(cells.filter { !$0.suppressed && ($0.responses ?? 0) > 0 }.allSatisfy { $0.outlook != nil && $0.sharesEb != nil })

        // The front page: its sections in order, self-contained, every withheld cell shown withheld.
        let order = ["Cần chú ý", "Đơn vị chậm hoặc chưa báo cáo", "Cảnh báo sớm", "Kỳ mới nhất", "Bản đồ nhiệt chỉ số ròng", "Diễn biến", "<h2>Tuần</h2>", "<h2>Tháng</h2>"]
        let positions = order.map { index.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil }, "missing: \(zip(order, positions).filter { $1 == nil }.map(\.0))")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "sections out of order")
        #expect(index.contains("Huyện Đồng Hỷ") && index.contains("Chuyển đổi số"))
        #expect(!index.contains("<script") && !index.contains("src=\"http") && !index.contains("href=\"http"))
        let heatMap = try #require(index.range(of: "<table class=\"heatmap\"").map { String(index[$0.lowerBound...]) }?.components(separatedBy: "</table>").first)
        let withheldCells = cells.filter(\.suppressed).count + weekly.topics.filter(\.province.suppressed).count
        #expect(count("class=\"hm withheld\"", in: heatMap) == withheldCells)
        #expect(count("<td class=\"hm\"", in: heatMap) + count("class=\"hm withheld\"", in: heatMap) + count("class=\"hm none\"", in: heatMap)
                == weekly.topics.count * (weekly.units.count + 1))
        // The province and the units with responses: the others have nothing to draw.
        #expect(count("<svg class=\"trend\"", in: index) == Self.topics.count * (Self.units.count + 1))
        #expect(count("class=\"band\"", in: index) >= Self.topics.count * Self.units.count)
        #expect(index.contains("class=\"outlook\""))
        // Times as a Vietnamese reader writes them, in the provincial time zone.
        #expect(index.range(of: #"\d\d:\d\d ngày \d\d/\d\d/\d{4}"#, options: .regularExpression) != nil)
        #expect(index.contains("tuần \(week.identifier.suffix(2))/\(week.year)"))

        let chromium = try browser()
        let work = daemon.directory.path
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(work)/browser", "--hide-scrollbars"]
        let screenshot = "\(work)/front-page.png"
        _ = try await run(chromium, flags + ["--screenshot=\(screenshot)", "--window-size=1280,2200", "file://\(summaries)/index.html"], timeout: 90)
        let stats = try await run("/usr/bin/python3", [pngStatsScript, screenshot], timeout: 120)
        let fields = stats.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(fields.count == 4, "\(stats.stdout) \(stats.stderr)")
        if fields.count == 4 {
            #expect(fields[0] == 1280 && fields[1] == 2200)
            #expect(fields[2] > 200, "a page of tables and charts has many colours: \(fields[2])")
            #expect(fields[3] > 0.05, "ink on \(fields[3]) of the page")
        }

        // The weekly report printed to PDF: A4, page 1 the one-page summary.
        let pdf = "\(work)/report.pdf"
        _ = try await run(chromium, flags + ["--no-pdf-header-footer", "--print-to-pdf=\(pdf)", "file://\(summaries)/week/\(week.identifier)/report.html"], timeout: 90)
        let info = try await run("/usr/bin/pdfinfo", [pdf])
        #expect(info.stdout.contains("(A4)"), "\(info.stdout)")
        let pages = Int(info.stdout.split(separator: "\n").first { $0.hasPrefix("Pages:") }?.split(separator: " ").last ?? "") ?? 0
        #expect(pages >= 2 + Self.topics.count / 2)
        let page1 = try await run("/usr/bin/pdftotext", ["-f", "1", "-l", "1", "-layout", pdf, "-"]).stdout
        let page2 = try await run("/usr/bin/pdftotext", ["-f", "2", "-l", "2", "-layout", pdf, "-"]).stdout
        for text in ["Báo cáo dư luận xã hội", "Tóm tắt", "Cần chú ý", "Đồng tình", "Không đồng tình", "Chuyển đổi số", "Huyện Đồng Hỷ", "Toàn tỉnh", "ẩn"] {
            #expect(page1.precomposedStringWithCanonicalMapping.contains(text), "page 1 lacks \(text)")
        }
        #expect(!page1.contains("Tỷ lệ theo thái độ"), "a topic's table reached page 1")
        #expect(page2.contains("Thay đổi có ý nghĩa") || page2.contains("Tỷ lệ theo thái độ"))
        // The early warning: the budget in words on the front page, the watch list, and
        // alerts.html printed on A4 with the same in Vietnamese and English.
        #expect(index.contains("dự kiến khoảng 1 cảnh báo nhầm mỗi tuần trên toàn tỉnh khi dư luận không thay đổi"))
        #expect(index.contains("<h3>Theo dõi</h3>") && index.contains("href=\"alerts.html\""))
        let alertsPDF = "\(work)/alerts.pdf"
        _ = try await run(chromium, flags + ["--no-pdf-header-footer", "--print-to-pdf=\(alertsPDF)", "file://\(summaries)/alerts.html"], timeout: 90)
        #expect(try await run("/usr/bin/pdfinfo", [alertsPDF]).stdout.contains("(A4)"))
        let alertsText = try await run("/usr/bin/pdftotext", ["-f", "1", "-l", "1", alertsPDF, "-"]).stdout.precomposedStringWithCanonicalMapping
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for text in ["Cảnh báo sớm", "Theo dõi", "about 1 false alarm a week expected across the province when nothing changes", "cảnh báo nhầm mỗi tuần"] {
            #expect(alertsText.contains(text), "alerts.html page 1 lacks \(text)")
        }
        _ = try await run(chromium, flags + ["--screenshot=\(work)/alerts.png", "--window-size=1280,1400", "file://\(summaries)/alerts.html"], timeout: 90)
        let page1PNG = "\(work)/report-page1"
        _ = try await run("/usr/bin/pdftoppm", ["-f", "1", "-l", "1", "-r", "70", "-png", "-singlefile", pdf, page1PNG])
        #expect(FileManager.default.fileExists(atPath: page1PNG + ".png"))
        if let keep = ProcessInfo.processInfo.environment["SURVEYD_KEEP_SCREENSHOTS"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            for file in ["front-page.png", "report.pdf", "report-page1.png", "alerts.pdf", "alerts.png"] {
                try? FileManager.default.removeItem(atPath: "\(keep)/\(file)")
                try? FileManager.default.copyItem(atPath: "\(work)/\(file)", toPath: "\(keep)/\(file)")
            }
            try? FileManager.default.removeItem(atPath: "\(keep)/index.html")
            try? FileManager.default.copyItem(atPath: "\(summaries)/index.html", toPath: "\(keep)/index.html")
        }
    }
}

/// Tests/System/png-stats.py, beside this package's tests.
let pngStatsScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("System/png-stats.py").path
