import Foundation
import Logging
import SurveyStore
import SurveyClient
import SurveyModel
import SurveyReport
import Testing
import TestSupport

@Suite struct PublishIntegrationTests {
    /// Sends `count` responses per unit for the given units.
    func submit(_ daemon: Daemon, _ collaborators: [(id: Int64, token: String)], count: Int, id: String) async throws {
        for (index, collaborator) in collaborators.enumerated() {
            try await daemon.connect { client in
                _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
                try await client.send(batchLines("\(id)-\(index)", responseLines(count, seed: index * 7)))
                _ = try await client.readReply()
                #expect(try await client.readReply().code == 250)
            }
        }
    }

    @Test func sighupPublishesAndSurveyctlPublishesWhileStopped() async throws {
        let daemon = try Daemon()
        let collaborators = try daemon.addCollaborators(units: ["TPTN", "VN", "CA"])
        try await daemon.start()
        try await submit(daemon, collaborators, count: 40, id: "first")
        let month = Period.containing(today, kind: .month).identifier
        let summaryPath = "\(daemon.stateDirectory)/summaries/month/\(month)/summary.json"
        #expect(await daemon.reload(waitingFor: "reason=reload"))
        #expect(daemon.log().split(separator: "\n").contains { $0.contains("publish done") && $0.contains("reason=reload") })
        let published = try SummaryJSON.decode(try Data(contentsOf: URL(fileURLWithPath: summaryPath)))
        let expected = try daemon.count("SELECT COUNT(*) FROM response_details WHERE substr(collected_on, 1, 7) = '\(month)'")
        #expect(published.responses == expected)
        #expect(published.revision == 1)
        #expect(await daemon.stop() == 0)

        // While the daemon is stopped, surveyctl publishes straight from the database.
        let unchanged = try await run("surveyctl", ["publish"] + daemon.storeOptions)
        #expect(unchanged.status == 0, "\(unchanged.stderr)")
        #expect(unchanged.stdout.contains("0 periods written"))
        // Late data reaches the database (as a restored batch would): the period gets revision 2.
        let store = try SurveyStore(path: daemon.databasePath, logger: Logger(label: "test"))
        _ = try await store.ingest(BatchSubmission(collaboratorID: collaborators[0].id, clientBatchID: "late", responses: [
            Response(collectedOn: today, topic: "CDS", group: "ND", sentiment: "DONGTINH"),
        ]))
        let late = try await run("surveyctl", ["publish", "--json"] + daemon.storeOptions)
        #expect(late.status == 0, "\(late.stderr)")
        #expect(late.stdout.contains("\"month/\(month)\""))
        let republished = try SummaryJSON.decode(try Data(contentsOf: URL(fileURLWithPath: summaryPath)))
        #expect(republished.revision == 2)
        #expect(republished.responses == expected + 1)
    }

    @Test func reportRendersInAHeadlessBrowser() async throws {
        let daemon = try Daemon()
        let collaborators = try daemon.addCollaborators(units: ["TPTN", "DHY", "KCQ"])
        try await daemon.start()
        try await submit(daemon, collaborators, count: 60, id: "r")
        let result = try await run("surveyctl", ["publish"] + daemon.storeOptions)
        #expect(result.status == 0, "\(result.stderr)")
        let month = Period.containing(today, kind: .month).identifier
        let report = "\(daemon.stateDirectory)/summaries/month/\(month)/report.html"
        #expect(FileManager.default.fileExists(atPath: report))

        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "a headless browser is needed: scripts/test installs Debian's chromium")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(daemon.directory.path)/browser"]
        let dom = try await runBrowser(browser, flags + ["--dump-dom", "file://\(report)"])
        for text in ["Thành phố Thái Nguyên", "Huyện Đồng Hỷ", "Đảng bộ Khối các cơ quan tỉnh", "Chuyển đổi số", "Toàn tỉnh", "Báo cáo dư luận xã hội"] {
            #expect(dom.contains(text), "\(text) missing from the rendered page")
        }
        let summary = try SummaryJSON.decode(try Data(contentsOf: URL(fileURLWithPath: "\(daemon.stateDirectory)/summaries/month/\(month)/summary.json")))
        #expect(dom.contains("\(summary.responses) ý kiến"))
        let screenshot = daemon.directory.appendingPathComponent("report.png").path
        _ = try await runBrowser(browser, flags + ["--screenshot=\(screenshot)", "--window-size=1200,1600", "file://\(report)"])
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // A blank 1200×1600 page compresses to a few kB; a report with text and bars does not.
        #expect(png.count > 40_000, "screenshot is \(png.count) bytes")
        if let keep = ProcessInfo.processInfo.environment["SURVEYD_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: screenshot, toPath: keep)
        }
    }

    func runBrowser(_ path: String, _ arguments: [String]) async throws -> String {
        try await run(path, arguments, timeout: 90).stdout
    }

    /// The responses the database records as released (every released span's last version).
    func releasedResponses(_ daemon: Daemon) throws -> Int {
        let store = try SurveyStore(path: daemon.databasePath, logger: Logger(label: "test"))
        var last: [Int: (seq: Int, total: Int)] = [:]
        try store.withPublicationSnapshot { snapshot in
            try snapshot.forEachSpanVersion { day, seq, _, _, _, _, count, _ in
                if let known = last[day], known.seq == seq { last[day] = (seq, known.total + count) } else if (last[day]?.seq ?? 0) < seq { last[day] = (seq, count) }
            }
        }
        return last.values.reduce(0) { $0 + $1.total }
    }

    /// The closed release policy end to end: surveyctl publishes a week once it has ended, later
    /// responses for it are held back (files unchanged, counted in index.json) until they are no
    /// group below the minimum, and the database records what was released.
    @Test func aWeekIsReleasedOnceAndLateResponsesAreHeldBack() async throws {
        let daemon = try Daemon(replacing: [Daemon.graceDaysLine: "  grace_days: 0\n"])
        let collaborators = try daemon.addCollaborators(units: ["TPTN", "VN", "CA"])
        try await daemon.start()
        // Monday two weeks ago: that week has ended; publish as of the Monday after it.
        let monday = today.adding(days: -(today.isoWeekday - 1) - 14)
        let week = Period.containing(monday, kind: .week)
        let asOf = week.end.adding(days: 1).description
        func send(_ id: String, unit: Int, _ lines: [String]) async throws {
            try await daemon.connect { client in
                _ = try await client.command("AUTH \(collaborators[unit].id) \(collaborators[unit].token)")
                try await client.send(batchLines(id, lines))
                _ = try await client.readReply()
                let reply = try await client.readReply()
                #expect(reply.code == 250, "\(reply)")
            }
        }
        for unit in 0..<3 {
            let lines = (0..<30).map { i in "R \(monday.adding(days: i % 5)) CDS \(["CB", "DV", "ND"][i % 3]) \(["DONGTINH", "PHANVAN", "KHONGDONGTINH"][(i / 3 + unit) % 3])" }
            try await send("w-\(unit)", unit: unit, lines)
        }
        let first = try await run("surveyctl", ["publish", "--as-of", asOf] + daemon.storeOptions)
        #expect(first.status == 0, "\(first.stderr)")
        let path = "\(daemon.stateDirectory)/summaries/week/\(week.identifier)/summary.json"
        let released = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try SummaryJSON.decode(released).responses == 90)
        #expect(try daemon.count("SELECT COUNT(*) FROM period_versions WHERE kind = 'week' AND period = '\(week.identifier)'") == 1)
        #expect(try releasedResponses(daemon) == 90)
        // The week after, still running on that day, is not published.
        #expect(!FileManager.default.fileExists(atPath: "\(daemon.stateDirectory)/summaries/week/\(week.next.identifier)"))

        // 3 late responses for that week: held back.
        try await send("late-1", unit: 0, (0..<3).map { _ in "R \(monday.adding(days: 2)) CDS ND DONGTINH" })
        let held = try await run("surveyctl", ["publish", "--as-of", asOf] + daemon.storeOptions)
        #expect(held.status == 0, "\(held.stderr)")
        #expect(held.stdout.contains("held back: 3 late responses"), "\(held.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == released)
        let index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(daemon.stateDirectory)/summaries/index.json"))) as? [String: Any])
        #expect((index["held_back"] as? [String: Any])?["added"] as? Int == 3)
        #expect((index["release"] as? [String: Any])?["policy"] as? String == "closed")

        // 2 more in the same cell: 5 together, published as revision 2.
        try await send("late-2", unit: 0, (0..<2).map { _ in "R \(monday.adding(days: 3)) CDS ND DONGTINH" })
        // A day later: revisions come at most once a day.
        let shown = try await run("surveyctl", ["publish", "--as-of", week.end.adding(days: 2).description, "--json"] + daemon.storeOptions)
        #expect(shown.status == 0, "\(shown.stderr)")
        let revised = try SummaryJSON.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(revised.revision == 2)
        #expect(revised.responses == 95)
        #expect(try releasedResponses(daemon) == 95)
        #expect(await daemon.stop() == 0)
    }
}
