import Foundation
import SurveyModel
import SurveyReport
import Testing
import TestSupport

/// A survey round's results against the real binaries (issue 29): the issue's round over 10 days
/// from a Thursday, units reporting late, a retraction after publication, the figures against a
/// recount from the database, the comparison with the previous round on the same topic against
/// statsmodels, `surveyctl round results`, the front page's link and the journal's notice.
@Suite struct RoundResultsIntegrationTests {
    static let sentiments = "  - { code: KHONGDONGTINH, label: \"Không đồng tình\", polarity: -1 }"
    static let units = ["TPTN", "VN", "CA", "DHTN"]
    static let groups = ["CB", "DV", "ND"]
    static let answers = ["DONGTINH", "PHANVAN", "KHONGDONGTINH"]

    /// The Thursday of the week five weeks before this one (dates follow the clock: the daemon's
    /// own publications run as of today).
    static var thursday: LocalDate { today.adding(days: 1 - today.isoWeekday - 32) }
    static func day(_ offset: Int) -> String { thursday.adding(days: offset).description }

    /// R-A: four weeks before R10, Thursday to Wednesday, on CDS. R10: 10 days from a Thursday to
    /// the Saturday after next, on CDS and YTE, reporting by the Tuesday after. LATER: not yet.
    static var configuration: [String: String] {
        [sentiments: """
        \(sentiments)

        rounds:
          - code: R-A
            title: "Chuyển đổi số, tháng 10"
            topics: [CDS]
            from: \(day(-28))
            to: \(day(-22))
            report_by: \(day(-20))
            targets: { default: 30 }
          - code: R10
            title: "Mười ngày"
            topics: [CDS, YTE]
            from: \(day(0))
            to: \(day(9))
            report_by: \(day(12))
            targets: { default: 40 }
          - code: LATER
            title: "Năm sau"
            topics: [GIAODUC]
            from: \(today.adding(days: 20))
            to: \(today.adding(days: 30))
            targets: { default: 10 }
        """]
    }

    /// `count` lines on `days` (cycled), topics cycled, answers weighted by `tilt` (0…2).
    static func lines(_ count: Int, days: [String], topics: [String], tilt: Int, seed: Int) -> [String] {
        (0..<count).map { i in
            let answer = answers[((i * 7 + seed) % 10 < 4 + tilt) ? 0 : (i + seed) % 3]
            return "R \(days[i % days.count]) \(topics[(i / days.count) % topics.count]) \(groups[(i / 2) % 3]) \(answer)"
        }
    }

    static func publish(_ daemon: Daemon, _ day: String) async throws {
        let result = try await run("surveyctl", ["publish", "--as-of", day, "--allow-future"] + daemon.storeOptions)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("small groups unprotected"), "\(result.stderr)")
    }

    static func results(_ daemon: Daemon, _ code: String) throws -> RoundResults {
        try RoundResultsReport.decode(Data(contentsOf: URL(fileURLWithPath: "\(daemon.stateDirectory)/summaries/rounds/\(code)/results.json")))
    }

    /// Every shown unit total and province total of `results` equals a recount of the database's
    /// counted responses in the round's window and topic.
    static func matchesRecount(_ daemon: Daemon, _ results: RoundResults) throws -> Int {
        var checked = 0
        for topic in results.summary.topics {
            let recount = { (unit: String?) throws -> Int in
                try daemon.count("""
                    SELECT COUNT(*) FROM responses r JOIN batches b ON b.id = r.batch_id JOIN topics t ON t.id = r.topic_id JOIN units u ON u.id = b.unit_id
                    WHERE b.state = 'accepted' AND b.held = 0 AND t.code = '\(topic.code)' AND r.collected_on BETWEEN \(results.from.dayNumber) AND \(results.to.dayNumber)
                    \(unit.map { "AND u.code = '\($0)'" } ?? "")
                    """)
            }
            if !topic.province.suppressed {
                let expected = try recount(nil)
                #expect(topic.province.responses == expected, "\(topic.code)")
                checked += 1
            }
            for row in topic.units where !row.total.suppressed {
                let expected = try recount(row.unit)
                #expect(row.total.responses == expected, "\(topic.code) \(row.unit)")
                checked += 1
            }
        }
        return checked
    }

    @Test func aRoundOfTenDaysFromAThursdayIsReportedRevisedAndCompared() async throws {
        let daemon = try Daemon(replacing: Self.configuration.merging([Daemon.graceDaysLine: Daemon.graceDaysLine]) { $1 })
        let collaborators = try daemon.addCollaborators(units: Self.units)
        try await daemon.start()
        let october = (-28 ... -22).map(Self.day)
        // From the Monday before the round to the Sunday after it.
        let november = (-3...10).map(Self.day)
        for (u, collaborator) in collaborators.enumerated() {
            #expect(try await daemon.submit(collaborator, "oct-\(u)", Self.lines(60, days: october, topics: ["CDS"], tilt: 0, seed: u)).code == 250)
            // DHTN reports its November late, after the weeks are published.
            guard u != 3 else { continue }
            #expect(try await daemon.submit(collaborator, "nov-\(u)", Self.lines(140, days: november, topics: ["CDS", "YTE", "GIAODUC"], tilt: 2, seed: u)).code == 250)
        }
        // VN's second batch, retracted after the results are published.
        #expect(try await daemon.submit(collaborators[1], "vn-extra", Self.lines(60, days: [Self.day(6), Self.day(7), Self.day(8)], topics: ["CDS", "YTE"], tilt: 0, seed: 5)).code == 250)
        // The weeks are published on the Monday after; R10 reports by the Tuesday: no results yet.
        try await Self.publish(daemon, Self.day(12))
        let folder = "\(daemon.stateDirectory)/summaries/rounds/R10"
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/results.json"))
        #expect(try Self.results(daemon, "R-A").summary.revision == 1, "R-A closed long ago")
        let early = try await run("surveyctl", ["round", "results", "r10"] + daemon.storeOptions)
        #expect(early.status == 69 && early.stderr.contains("not published yet"), "\(early.stderr)")

        // DHTN's late November, then the daemon's own publication (SIGHUP): the results come out,
        // with the late unit in them, and the journal says so once.
        #expect(try await daemon.submit(collaborators[3], "nov-3", Self.lines(140, days: november, topics: ["CDS", "YTE", "GIAODUC"], tilt: 2, seed: 3)).code == 250)
        #expect(await daemon.reload(waitingFor: "round results published"))
        var log = daemon.log()
        // Once for each round whose results are out (R-A's were written by surveyctl, which says nothing).
        let notices = log.split(separator: "\n").filter { $0.contains("round results published") }
        #expect(notices.count == 2 && notices.contains { $0.contains("round=R10") } && notices.contains { $0.contains("round=R-A") }, "\(notices)")
        var results = try Self.results(daemon, "R10")
        #expect(results.summary.revision == 1 && results.topics == ["CDS", "YTE"])
        #expect(results.summary.topics.first { $0.code == "CDS" }?.units.first { $0.unit == "DHTN" }.map { !$0.total.suppressed } == true)
        #expect(try Self.matchesRecount(daemon, results) >= 10)
        #expect(results.comparedWith.map(\.round) == ["R-A", nil], "CDS against R-A; YTE has no earlier round")
        #expect(results.comparedWith.map(\.revision) == [1, nil], "against R-A's first version")

        // The change on CDS since R-A, province-wide, against statsmodels' Newcombe interval from
        // the counts in the two files.
        let before = try Self.results(daemon, "R-A")
        let now = try #require(results.summary.topics.first { $0.code == "CDS" }?.province)
        let then = try #require(before.summary.topics.first { $0.code == "CDS" }?.province)
        let change = try #require(now.shareChanges?.first)
        let (x1, n1, x0, n0) = (try #require(now.counts?.first), try #require(now.responses), try #require(then.counts?.first), try #require(then.responses))
        let script = """
            from statsmodels.stats.proportion import confint_proportions_2indep
            low, high = confint_proportions_2indep(\(x1), \(n1), \(x0), \(n0), method="newcomb", compare="diff")
            print(f"{100 * (\(x1) / \(n1) - \(x0) / \(n0)):.9f} {100 * low:.9f} {100 * high:.9f}")
            """
        let reference = try await run("/usr/bin/python3", ["-c", script])
        #expect(reference.status == 0, "\(reference.stderr)")
        let values = reference.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(values.count == 3)
        if values.count == 3 {
            // The files give percentage points to 2 decimals.
            #expect(abs(change.change - values[0]) <= 0.005 && abs(change.low - values[1]) <= 0.005 && abs(change.high - values[2]) <= 0.005, "\(change) against \(values)")
        }

        // A retraction after publication and a late batch: a new version the next day.
        let vnBefore = try #require(results.summary.topics.first { $0.code == "CDS" }?.units.first { $0.unit == "VN" }?.total.responses)
        let retracted = try #require(try daemon.string("SELECT id FROM batches WHERE client_batch_id = 'vn-extra'"))
        let retract = try await run("surveyctl", ["batch", "retract", retracted, "--reason", "test"] + daemon.storeOptions)
        #expect(retract.status == 0, "\(retract.stderr)")
        #expect(try await daemon.submit(collaborators[2], "late-2", Self.lines(30, days: [Self.day(7), Self.day(8)], topics: ["CDS", "YTE"], tilt: 1, seed: 9)).code == 250)
        try await Self.publish(daemon, today.adding(days: 2).description)
        results = try Self.results(daemon, "R10")
        #expect(results.summary.revision == 2)
        #expect(try Self.matchesRecount(daemon, results) >= 10)
        let vn = results.summary.topics.first { $0.code == "CDS" }?.units.first { $0.unit == "VN" }
        #expect(vn?.total.responses == vnBefore - 30, "VN's 30 retracted responses on CDS are out")
        #expect(try daemon.count("SELECT COUNT(*) FROM round_versions WHERE round_id = (SELECT id FROM rounds WHERE code = 'R10')") == 2)

        // surveyctl and the front page.
        let json = try await run("surveyctl", ["round", "results", "R10", "--json"] + daemon.storeOptions)
        let file = try String(contentsOfFile: "\(folder)/results.json", encoding: .utf8)
        #expect(json.status == 0 && json.stdout == file)
        let table = try await run("surveyctl", ["round", "results", "R10"] + daemon.storeOptions)
        #expect(table.status == 0 && table.stdout.contains("revision 2") && table.stdout.contains("compared with R-A"), "\(table.stdout)")
        #expect(table.stdout.contains("CDS    province") || table.stdout.range(of: #"CDS\s+province\s+\d+"#, options: .regularExpression) != nil, "\(table.stdout)")
        let later = try await run("surveyctl", ["round", "results", "LATER"] + daemon.storeOptions)
        #expect(later.status == 69)
        let unknown = try await run("surveyctl", ["round", "results", "NOPE"] + daemon.storeOptions)
        #expect(unknown.status == 65)
        let index = try String(contentsOfFile: "\(daemon.stateDirectory)/summaries/index.html", encoding: .utf8)
        #expect(index.contains("href=\"rounds/R10/results.html\""))
        let indexJSON = try String(contentsOfFile: "\(daemon.stateDirectory)/summaries/index.json", encoding: .utf8)
        #expect(indexJSON.contains("\"results\":\"rounds/R10/results.html\""))
        #expect(!indexJSON.contains("rounds/LATER/results.html"))
        #expect(try daemon.talliesMatchRecount())
        // The notice is said once: not again at the next publications, nor after a restart.
        #expect(await daemon.reload(waitingFor: "reason=reload"))
        log = daemon.log()
        #expect(log.components(separatedBy: "round results published").count - 1 == 2, "\(log)")
        #expect(await daemon.stop() == 0)
        try await daemon.start()
        #expect(await daemon.reload(waitingFor: "reason=reload"))
        log = daemon.log()
        #expect(log.contains("publish done") && !log.contains("round results published"), "\(log)")
        #expect(await daemon.stop() == 0)
    }
}
