import Foundation
import Logging
import SurveyModel
import SurveyReport
import SurveyStore
import Testing

/// Late reports against the real binaries (issue 26): every response stored before a period is
/// published is in its figures, late changes reach new versions of every period holding them,
/// and a change that cannot be protected holds back only itself.
@Suite(.serialized) struct LateReportTests {
    static let units = ["TPTN", "VN", "CA", "DHTN"]
    static let topics = ["DAIHOI", "CANBO", "YTE", "GIAODUC", "TREEM", "KTXH", "CDS"]
    static let groups = ["CB", "DV", "ND"]
    static let sentiments = ["DONGTINH", "PHANVAN", "KHONGDONGTINH"]
    /// The example configuration as it is (`release: closed`, 2 grace days): the test harness
    /// publishes open periods unless a replacement names the release.
    static let closed = [Daemon.graceDaysLine: "  grace_days: 2\n"]

    /// `count` response lines spread over the week starting `monday`, every topic and group.
    static func week(_ monday: LocalDate, count: Int, seed: Int) -> [String] {
        (0..<count).map { i in
            "R \(monday.adding(days: (i / 3) % 7)) \(topics[i % topics.count]) \(groups[(i / topics.count) % groups.count]) \(sentiments[(i / 21 + i + seed) % sentiments.count])"
        }
    }

    static func send(_ daemon: Daemon, _ collaborator: (id: Int64, token: String), _ id: String, _ lines: [String]) async throws {
        let reply = try await daemon.submit(collaborator, id, lines)
        #expect(reply.code == 250, "\(reply)")
    }

    static func publish(_ daemon: Daemon, _ day: String) async throws -> String {
        let result = try await run("surveyctl", ["publish", "--as-of", day, "--allow-future"] + daemon.storeOptions)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    static func summary(_ daemon: Daemon, _ path: String) throws -> PeriodSummary {
        try SummaryJSON.decode(try Data(contentsOf: URL(fileURLWithPath: "\(daemon.stateDirectory)/summaries/\(path)/summary.json")))
    }

    static func index(_ daemon: Daemon) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(daemon.stateDirectory)/summaries/index.json"))) as? [String: Any])
    }

    /// The issue's first two cases: four units send 100 responses a week for three weeks of
    /// November 2026; one unit sends its last week after that week was published and before
    /// November was, and another unit 2 late responses for it. November, the fourth quarter and
    /// 2026 hold all 1,202 responses at their first release (the week's days are late for the
    /// week, not for the month), and the week's second version all 402; nothing is held back.
    @Test func aLateUnitWeekCountsInItsMonthQuarterAndYear() async throws {
        let daemon = try Daemon(replacing: Self.closed)
        let collaborators = try daemon.addCollaborators(units: Self.units)
        try await daemon.start()
        let mondays = ["2026-11-09", "2026-11-16", "2026-11-23"].compactMap { LocalDate(iso: $0) }
        for (w, monday) in mondays.enumerated() {
            for u in 0..<Self.units.count where !(w == 2 && u == 3) {
                try await Self.send(daemon, collaborators[u], "u\(u)-w\(w)", Self.week(monday, count: 100, seed: u * 31 + w))
            }
        }
        _ = try await Self.publish(daemon, "2026-12-03")
        let first = try Self.summary(daemon, "week/2026-W48")
        #expect(first.responses == 300 && first.revision == 1)
        #expect(!FileManager.default.fileExists(atPath: "\(daemon.stateDirectory)/summaries/month/2026-11"))

        try await Self.send(daemon, collaborators[3], "u3-w2-late", Self.week(mondays[2], count: 100, seed: 3 * 31 + 2))
        try await Self.send(daemon, collaborators[0], "u0-w2-late", ["R \(mondays[2].adding(days: 3)) CDS ND PHANVAN", "R \(mondays[2].adding(days: 3)) CDS ND KHONGDONGTINH"])
        _ = try await Self.publish(daemon, "2026-12-16")
        let november = try Self.summary(daemon, "month/2026-11")
        #expect(november.responses == 1202)
        #expect(november.revision == 1)
        let revised = try Self.summary(daemon, "week/2026-W48")
        #expect(revised.responses == 402)
        #expect(revised.revision == 2)
        #expect(try Self.index(daemon)["held_back"] == nil)
        // What the first version showed stays recorded: two versions of the week.
        #expect(try daemon.count("SELECT COUNT(*) FROM period_versions WHERE kind = 'week' AND period = '2026-W48'") == 2)

        _ = try await Self.publish(daemon, "2027-01-10")
        #expect(try Self.summary(daemon, "quarter/2026-Q4").responses == 1202)
        #expect(try Self.summary(daemon, "year/2026").responses == 1202)
        #expect(try Self.summary(daemon, "month/2026-11").revision == 1)
        #expect(await daemon.stop() == 0)
    }

    /// The issue's third case: 7 late responses to a shown cell of one unit are shown, while a
    /// second unit's 2 late responses to another topic and the retraction of a third unit's
    /// 2-response batch are held back, each on its own.
    @Test func aSmallLateChangeHoldsBackOnlyItself() async throws {
        let daemon = try Daemon(replacing: Self.closed)
        let collaborators = try daemon.addCollaborators(units: Array(Self.units.prefix(3)))
        try await daemon.start()
        let monday = try #require(LocalDate(iso: "2026-11-09"))
        for u in 0..<3 {
            let lines = (0..<60).map { i in "R \(monday.adding(days: i % 5)) \(["CDS", "YTE"][i % 2]) \(Self.groups[(i / 2) % 3]) \(Self.sentiments[(i / 6 + u) % 3])" }
            try await Self.send(daemon, collaborators[u], "u\(u)", lines)
        }
        try await Self.send(daemon, collaborators[2], "small", ["R \(monday.adding(days: 1)) CDS ND DONGTINH", "R \(monday.adding(days: 1)) CDS ND PHANVAN"])
        _ = try await Self.publish(daemon, "2026-11-18")
        let first = try Self.summary(daemon, "week/2026-W46")
        #expect(first.responses == 182)

        try await Self.send(daemon, collaborators[0], "late-7", (0..<7).map { _ in "R \(monday.adding(days: 2)) CDS CB DONGTINH" })
        try await Self.send(daemon, collaborators[1], "late-2", (0..<2).map { _ in "R \(monday.adding(days: 2)) YTE DV KHONGDONGTINH" })
        let batch = try #require(try daemon.string("SELECT id FROM batches WHERE client_batch_id = 'small'"))
        let retract = try await run("surveyctl", ["batch", "retract", batch, "--reason", "test"] + daemon.storeOptions)
        #expect(retract.status == 0, "\(retract.stderr)")
        let stdout = try await Self.publish(daemon, "2026-11-19")
        let revised = try Self.summary(daemon, "week/2026-W46")
        #expect(revised.revision == 2)
        #expect(revised.responses == 182 + 7, "\(stdout)")
        let held = try #require(try Self.index(daemon)["held_back"] as? [String: Any])
        #expect(held["added"] as? Int == 2)
        #expect(held["removed"] as? Int == 2)
        #expect(await daemon.stop() == 0)
    }
}
