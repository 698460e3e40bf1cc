import Foundation
import Logging
import SurveyStore
import SurveyClient
import SurveyModel
import SurveyReport
import Testing

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

    func waitFor(_ condition: () -> Bool, seconds: Double = 15) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test func sighupPublishesAndSurveyctlPublishesWhileStopped() async throws {
        let daemon = try Daemon()
        let collaborators = try daemon.addCollaborators(units: ["TPTN", "VN", "CA"])
        try await daemon.start()
        try await submit(daemon, collaborators, count: 40, id: "first")
        let month = Period.containing(today, kind: .month).identifier
        let summaryPath = "\(daemon.stateDirectory)/summaries/month/\(month)/summary.json"
        kill(try #require(daemon.process).processIdentifier, SIGHUP)
        try await waitFor { daemon.log().contains("reason=reload") }
        #expect(daemon.log().contains("publish done"))
        let published = try SummaryJSON.decode(try Data(contentsOf: URL(fileURLWithPath: summaryPath)))
        let expected = try daemon.count("SELECT COUNT(*) FROM response_details WHERE substr(collected_on, 1, 7) = '\(month)'")
        #expect(published.responses == expected)
        #expect(published.revision == 1)
        #expect(await daemon.stop() == 0)

        // While the daemon is stopped, surveyctl publishes straight from the database.
        try await Task.sleep(for: .milliseconds(10))
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
}
