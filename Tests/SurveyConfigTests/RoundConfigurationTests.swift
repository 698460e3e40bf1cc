import Foundation
import SurveyConfig
import SurveyModel
import Testing

@Suite struct RoundConfigurationTests {
    static let base = """
        units: [{ code: TPTN, name: "Thành phố Thái Nguyên" }, { code: VN, name: "Võ Nhai" }]
        topics: [{ code: DAIHOI, title: "Đại hội" }, { code: CANBO, title: "Cán bộ" }, { code: YTE, title: "Y tế" }]
        groups: [{ code: ND, name: "Nhân dân" }]
        sentiments:
          - { code: DT, label: "Đồng tình", polarity: 1 }
          - { code: KDT, label: "Không đồng tình", polarity: -1 }
        rounds:
          - code: Q4-2026-DAIHOI
            title: "Thăm dò dư luận về tổ chức đại hội"
            topics: [DAIHOI, canbo]
            from: 2026-11-01
            to: 2026-12-15
            report_by: 2026-12-20
            silent_after_days: 5
            targets:
              default: 200
              TPTN: 400
        """

    @Test func aRoundIsRead() throws {
        let config = try Configuration.parse(Self.base, file: "t.conf")
        let round = try #require(config.rounds.first)
        #expect(config.rounds.count == 1)
        #expect(round.code == "Q4-2026-DAIHOI" && round.topics == ["DAIHOI", "CANBO"])
        #expect(round.from == LocalDate(iso: "2026-11-01") && round.to == LocalDate(iso: "2026-12-15") && round.reportBy == LocalDate(iso: "2026-12-20"))
        #expect(round.silentAfterDays == 5 && round.target(for: "TPTN") == 400 && round.target(for: "VN") == 200)
    }

    @Test func defaultsOfARound() throws {
        let text = Self.base.replacingOccurrences(of: "    report_by: 2026-12-20\n", with: "").replacingOccurrences(of: "    silent_after_days: 5\n", with: "")
        let round = try #require(try Configuration.parse(text, file: "t.conf").rounds.first)
        #expect(round.reportBy == LocalDate(iso: "2026-12-18") && round.silentAfterDays == 7)
        #expect(try Configuration.parse(Self.base.components(separatedBy: "rounds:")[0], file: "t.conf").rounds.isEmpty)
    }

    /// Each mistake is named by file, line and key (`FILE:LINE: KEY: REASON`).
    @Test(arguments: [
        ("topics: [DAIHOI, canbo]", "topics: [DAIHOI, GIAO]", "t.conf:10: rounds[0].topics[1]: 'GIAO' is not a configured topic"),
        ("topics: [DAIHOI, canbo]", "topics: []", "t.conf:10: rounds[0].topics: list at least one topic"),
        ("to: 2026-12-15", "to: 2026-10-15", "t.conf:12: rounds[0].to: the last collection day (2026-10-15) is before the first (2026-11-01)"),
        ("report_by: 2026-12-20", "report_by: 2026-12-14", "t.conf:13: rounds[0].report_by: the reporting deadline (2026-12-14) is before the last collection day (2026-12-15)"),
        ("from: 2026-11-01", "from: 2026-11-31", "t.conf:11: rounds[0].from: expected a date YYYY-MM-DD, got '2026-11-31'"),
        ("TPTN: 400", "TPTN: -4", "t.conf:17: rounds[0].targets.TPTN: must be between 0 and 100000000, got -4"),
        ("TPTN: 400", "HANOI: 4", "t.conf:17: rounds[0].targets.HANOI: 'HANOI' is not a configured unit"),
        ("      default: 200\n", "", "t.conf:16: rounds[0].targets.default: missing: the responses expected from a unit not listed"),
        ("silent_after_days: 5", "silent_after_days: 0", "t.conf:14: rounds[0].silent_after_days: must be between 1 and 366, got 0"),
        ("    title: \"Thăm dò dư luận về tổ chức đại hội\"\n", "", "t.conf: rounds[0].title: missing"),
        ("from: 2026-11-01", "from: 2026-11-01\n    colour: red", "t.conf:12: rounds[0].colour: unknown key"),
        ("code: Q4-2026-DAIHOI", "code: ..", "t.conf:8: rounds[0].code: a round's code names a folder and may not start with '.', got '..'"),
    ])
    func mistakesAreNamed(old: String, new: String, message: String) {
        let text = Self.base.replacingOccurrences(of: old, with: new)
        #expect(text != Self.base)
        #expect(throws: ConfigurationError.self) { try Configuration.parse(text, file: "t.conf") }
        do {
            _ = try Configuration.parse(text, file: "t.conf")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    func second(code: String, topics: String, from: String, to: String) -> String {
        Self.base + """

              - code: \(code)
                title: "Đợt hai"
                topics: \(topics)
                from: \(from)
                to: \(to)
                targets: { default: 10 }
            """
    }

    @Test func roundsSharingATopicMayNotOverlap() throws {
        let overlapping = second(code: "R2", topics: "[YTE, CANBO]", from: "2026-12-15", to: "2027-01-10")
        #expect {
            try Configuration.parse(overlapping, file: "t.conf")
        } throws: { error in
            "\(error)".hasPrefix("t.conf:21: rounds[1].from: R2 (2026-12-15…2027-01-10) overlaps Q4-2026-DAIHOI (2026-11-01…2026-12-15) on topic CANBO")
        }
        // Adjacent dates, or other topics over the same dates, are fine.
        #expect(try Configuration.parse(second(code: "R2", topics: "[CANBO]", from: "2026-12-16", to: "2027-01-10"), file: "t.conf").rounds.count == 2)
        #expect(try Configuration.parse(second(code: "R2", topics: "[YTE]", from: "2026-11-01", to: "2026-12-15"), file: "t.conf").rounds.count == 2)
        #expect {
            try Configuration.parse(second(code: "q4-2026-daihoi", topics: "[YTE]", from: "2027-11-01", to: "2027-12-15"), file: "t.conf")
        } throws: { error in
            "\(error)".contains("rounds[1].code: duplicate code 'q4-2026-daihoi' (already used by rounds[0])")
        }
    }
}
