import Foundation
import SurveyModel
import SurveyReport
import Testing
import TestSupport

/// Two rounds against the real daemon: one closed (a unit sent everything late, the others never),
/// one open (a unit complete early, one behind, one on track, the rest silent). The published
/// files, `surveyctl round show` and the log say exactly that; the warnings come on changes of
/// state only, and not again after a restart.
@Suite struct RoundIntegrationTests {
    static let sentiments = "  - { code: KHONGDONGTINH, label: \"Không đồng tình\", polarity: -1 }"

    static var rounds: String {
        """
        \(sentiments)

        rounds:
          - code: PAST-CDS
            title: "Thăm dò về chuyển đổi số (đã kết thúc)"
            topics: [CDS]
            from: \(today.adding(days: -40))
            to: \(today.adding(days: -20))
            report_by: \(today.adding(days: -15))
            targets: { default: 10 }
          - code: OPEN-DAIHOI
            title: "Thăm dò dư luận về tổ chức đại hội đảng bộ các cấp"
            topics: [DAIHOI, CANBO]
            from: \(today.adding(days: -10))
            to: \(today.adding(days: 10))
            report_by: \(today.adding(days: 12))
            silent_after_days: 7
            targets:
              default: 20
              VN: 100
        """
    }

    func lines(_ count: Int, topic: String, daysAgo: Int) -> [String] {
        (0..<count).map { "R \(today.adding(days: -daysAgo)) \(topic) \(["CB", "DV", "ND"][$0 % 3]) DONGTINH" }
    }

    func progress(_ daemon: Daemon, _ code: String) throws -> RoundProgress {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(daemon.stateDirectory)/summaries/rounds/\(code)/progress.json"))
        return try decoder.decode(RoundProgress.self, from: data)
    }

    func occurrences(_ text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    @Test func roundsAreFollowedAndReported() async throws {
        let daemon = try Daemon(replacing: [Self.sentiments: Self.rounds])
        let collaborators = try daemon.addCollaborators(units: ["TPTN", "VN", "CA", "CA"])
        try await daemon.start()
        // The publication at start: OPEN-DAIHOI opens with all 16 units silent for 10 days;
        // PAST-CDS is first seen closed, with nothing received.
        // The rounds' events are logged after "publish done": wait for the last of them.
        #expect(await Wait.until { self.occurrences("round unit silent", in: daemon.log()) == 16 })
        var log = daemon.log()
        #expect(occurrences("round opened", in: log) == 1 && occurrences("round closed", in: log) == 1, "\(log)")
        #expect(occurrences("round unit silent", in: log) == 16)
        #expect(occurrences("round unit behind", in: log) == 0)

        let (tptn, vn, ca) = (collaborators[0], collaborators[1], collaborators[2])
        #expect(try await daemon.submit(tptn, "t1", lines(25, topic: "DAIHOI", daysAgo: 2)).code == 250)
        #expect(try await daemon.submit(tptn, "t2", lines(12, topic: "CDS", daysAgo: 30)).code == 250)  // late for PAST-CDS
        #expect(try await daemon.submit(vn, "v1", lines(10, topic: "CANBO", daysAgo: 1)).code == 250)
        #expect(try await daemon.submit(ca, "c1", lines(8, topic: "DAIHOI", daysAgo: 3) + lines(5, topic: "YTE", daysAgo: 3)).code == 250)
        #expect(await daemon.reload(waitingFor: "reason=reload"))
        #expect(await Wait.until { self.occurrences("round unit recovered", in: daemon.log()) == 2 })
        log = daemon.log()

        // The open round: TPTN complete early, VN behind (10 of 100: below 80% of 100 × 10/23),
        // CA on track (8 of 20 ≥ 80% of 20 × 10/23), the 13 others silent since the round opened.
        let open = try progress(daemon, "OPEN-DAIHOI")
        #expect(open.phase == .open && open.schema == "surveyd.round/1" && open.today == today)
        let byUnit = Dictionary(uniqueKeysWithValues: open.units.map { ($0.unit, $0) })
        #expect(byUnit["TPTN"]?.status == .complete && byUnit["TPTN"]?.received == 25 && byUnit["TPTN"]?.late == 0)
        #expect(byUnit["VN"]?.status == .behind && byUnit["VN"]?.received == 10 && byUnit["VN"]?.target == 100)
        #expect(byUnit["CA"]?.status == .onTrack && byUnit["CA"]?.received == 8, "YTE is not the round's topic")
        #expect(byUnit["CA"]?.collaboratorsSent == 1 && byUnit["CA"]?.collaboratorsActive == 2)
        #expect(byUnit["VN"]?.byTopic == ["CANBO": 10] && byUnit["VN"]?.daysSinceLastBatch == 0)
        #expect(open.units.filter { $0.status == .silent }.count == 13 && open.units.first?.status == .silent)
        #expect(open.province.unitsReported == 3 && open.province.unitsOnTime == 3 && open.province.unitsExpected == 16)
        #expect(open.province.received == 43 && open.province.target == 15 * 20 + 100)

        // The closed round: TPTN sent all 12 late; the 15 others missed it.
        let past = try progress(daemon, "PAST-CDS")
        #expect(past.phase == .closed)
        let pastTPTN = try #require(past.units.first { $0.unit == "TPTN" })
        #expect(pastTPTN.status == .complete && pastTPTN.received == 12 && pastTPTN.late == 12 && pastTPTN.forecast == nil)
        #expect(past.units.filter { $0.status == .missed }.count == 15)
        #expect(past.province.unitsReported == 1 && past.province.unitsOnTime == 0 && past.province.late == 12)

        // The journal: VN silent → behind (a warning), TPTN and CA recovered; nothing about the
        // closed round's units.
        #expect(occurrences("round unit behind", in: log) == 1 && occurrences("round unit recovered", in: log) == 2, "\(log)")
        let behind = try #require(log.split(separator: "\n").first { $0.contains("round unit behind") })
        for field in ["round=OPEN-DAIHOI", "unit=VN", "received=10", "target=100", "days_since_last_batch=0", "previous_status=silent"] {
            #expect(behind.contains(field), "\(behind)")
        }
        #expect(occurrences("round unit silent", in: log) == 16 && occurrences("round closed", in: log) == 1)

        // CSV for Excel, the index, surveyctl.
        let csvData = try Data(contentsOf: URL(fileURLWithPath: "\(daemon.stateDirectory)/summaries/rounds/OPEN-DAIHOI/progress.csv"))
        #expect(csvData.starts(with: [0xEF, 0xBB, 0xBF]), "a byte-order mark for Excel")
        let csv = String(decoding: csvData.dropFirst(3), as: UTF8.self)
        let rows = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(csv.hasPrefix("round,as_of,unit_code") && rows.count == 18)
        #expect(rows.contains { $0.hasPrefix("OPEN-DAIHOI,") && $0.contains(",VN,Huyện Võ Nhai,behind,100,10,0,0,10.0,") }, "\(rows)")
        let html = try String(contentsOfFile: "\(daemon.stateDirectory)/summaries/rounds/OPEN-DAIHOI/progress.html", encoding: .utf8)
        #expect(html.contains("Chậm tiến độ") && html.contains("Huyện Võ Nhai") && html.contains("13 đơn vị chưa báo cáo"))
        let index = try String(contentsOfFile: "\(daemon.stateDirectory)/summaries/index.json", encoding: .utf8)
        let openAt = try #require(index.range(of: "\"code\":\"OPEN-DAIHOI\""))
        let pastAt = try #require(index.range(of: "\"code\":\"PAST-CDS\""))
        #expect(openAt.lowerBound < pastAt.lowerBound, "open rounds first")

        let shown = try await run("surveyctl", ["round", "show", "open-daihoi", "--json"] + daemon.storeOptions)
        #expect(shown.status == 0, "\(shown.stderr)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let fromCtl = try decoder.decode(RoundProgress.self, from: Data(shown.stdout.utf8))
        #expect(fromCtl.units.map(\.unit) == open.units.map(\.unit) && fromCtl.units.map(\.status) == open.units.map(\.status))
        #expect(fromCtl.units.map(\.received) == open.units.map(\.received))
        let table = try await run("surveyctl", ["round", "show", "OPEN-DAIHOI"] + daemon.storeOptions)
        #expect(table.status == 0 && table.stdout.contains("province: 43/400"), "\(table.stdout)")
        let listed = try await run("surveyctl", ["rounds"] + daemon.storeOptions)
        #expect(listed.stdout.split(separator: "\n").dropFirst().first?.hasPrefix("OPEN-DAIHOI") == true, "\(listed.stdout)")
        let missing = try await run("surveyctl", ["round", "show", "NOPE"] + daemon.storeOptions)
        #expect(missing.status == 65)

        // A restart says nothing again: the states are remembered.
        #expect(await daemon.stop() == 0)
        try await daemon.start()
        // A second publication after the one at start: publications run one at a time, so the
        // first one's events, if any, are in the log by then.
        #expect(await daemon.reload(waitingFor: "reason=reload"))
        log = daemon.log()
        #expect(log.contains("publish done"))
        for message in ["round opened", "round closed", "round unit silent", "round unit behind", "round unit recovered"] {
            #expect(!log.contains(message), "\(message) repeated after a restart")
        }
        #expect(await daemon.stop() == 0)
    }
}
