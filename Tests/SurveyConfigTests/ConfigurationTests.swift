import Foundation
import SurveyConfig
import SurveyModel
import Testing

/// The example configuration shipped in config/surveyd.conf.
let exampleConfigPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("config/surveyd.conf").path

/// The smallest valid configuration (one unit, topic and group, two sentiments), six lines with no
/// final newline; the configuration tests append keys to it.
let minimalConfiguration = """
    units: [{ code: U01, name: "Định Hóa" }]
    topics: [{ code: T1, title: "Công tác cán bộ" }]
    groups: [{ code: ND, name: "Nhân dân" }]
    sentiments:
      - { code: DT, label: "Đồng tình", polarity: 1 }
      - { code: KDT, label: "Không đồng tình", polarity: -1 }
    """

@Suite struct ConfigurationTests {
    let minimal = minimalConfiguration

    @Test func exampleConfigurationLoads() throws {
        let config = try Configuration.load(path: exampleConfigPath)
        #expect(config.catalog.units.count == 16)
        #expect(config.catalog.unit("tptn")?.name == "Thành phố Thái Nguyên")
        #expect(config.timeZone.identifier == "Asia/Ho_Chi_Minh")
        #expect(config.listen == [ListenAddress(host: "127.0.0.1", port: 7411)])
        #expect(config.publishPeriods == [.week, .month, .quarter, .year])
        #expect(config.catalog.sentiments.map(\.polarity) == [.positive, .neutral, .negative])
        #expect(config.catalog.topic("COVID")?.activeTo == LocalDate(iso: "2023-12-31"))
        #expect(config.limits.maxLineBytes == 1024)
        #expect(config.release == .closed(GraceDays(week: 0, month: 2, quarter: 2, year: 2)))
    }

    @Test func releasePolicyIsRead() throws {
        #expect(try Configuration.parse(minimal, file: "t.conf").release == .standard)
        #expect(try Configuration.parse(minimal + "\npublish:\n  release: open\n", file: "t.conf").release == .open)
        #expect(try Configuration.parse(minimal + "\npublish:\n  grace_days: 0\n", file: "t.conf").release == .closed(graceDays: 0))
        #expect(try Configuration.parse(minimal + "\npublish:\n  release: closed\n  grace_days: 7\n", file: "t.conf").release == .closed(graceDays: 7))
    }

    struct GraceCase: CustomTestStringConvertible, Sendable {
        var publish: String
        var grace: GraceDays
        var testDescription: String { publish }
    }

    /// `publish.grace_days` as one number or per granularity, block or flow style; granularities
    /// not given wait the default 2 days.
    static let graceCases: [GraceCase] = [
        GraceCase(publish: "publish:\n  grace_days: 4\n", grace: GraceDays(all: 4)),
        GraceCase(publish: "publish:\n  grace_days:\n    week: 2\n    month: 5\n    quarter: 5\n    year: 10\n", grace: GraceDays(week: 2, month: 5, quarter: 5, year: 10)),
        GraceCase(publish: "publish: { release: closed, grace_days: { week: 1, month: 5 } }\n", grace: GraceDays(week: 1, month: 5, quarter: 2, year: 2)),
        GraceCase(publish: "publish:\n  grace_days: { year: 60 }\n", grace: GraceDays(week: 0, month: 2, quarter: 2, year: 60)),
        GraceCase(publish: "publish:\n  grace_days: {}\n", grace: ReleasePolicy.standardGraceDays),
        GraceCase(publish: "publish:\n  grace_days: { week: 0, month: 0, quarter: 0, year: 0 }\n", grace: GraceDays(all: 0)),
    ]

    @Test(arguments: graceCases) func graceDaysPerGranularity(_ test: GraceCase) throws {
        #expect(try Configuration.parse(minimal + "\n" + test.publish, file: "t.conf").release == .closed(test.grace))
    }

    @Test func defaultsApplyToOmittedKeys() throws {
        let config = try Configuration.parse(minimal, file: "t.conf")
        #expect(config.minimumCellSize == 5)
        #expect(config.timeZone.identifier == "Asia/Ho_Chi_Minh")
        #expect(config.limits == ProtocolLimits())
        #expect(config.catalog.unit("U01")?.name == "Định Hóa")
    }

    @Test func namesAreNormalisedToNFC() throws {
        // "Đồng" typed with combining marks (NFD) is stored precomposed (NFC).
        let decomposed = "Đồng tình".decomposedStringWithCanonicalMapping
        let text = minimal.replacingOccurrences(of: "label: \"Đồng tình\"", with: "label: \"\(decomposed)\"")
        let config = try Configuration.parse(text, file: "t.conf")
        #expect(config.catalog.sentiment("DT")?.label.unicodeScalars.count == "Đồng tình".precomposedStringWithCanonicalMapping.unicodeScalars.count)
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var key: String?
        var line: Int?
        var reason: String
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(name: "syntax error", text: "units: [ { code: U01\n", key: nil, line: 2, reason: "syntax error"),
        BadCase(name: "unknown top-level key", text: "colour: blue\n", key: "colour", line: 1, reason: "unknown key"),
        BadCase(name: "unknown nested key", text: "limits:\n  max_line: 10\n", key: "limits.max_line", line: 2, reason: "unknown key"),
        BadCase(name: "duplicate unit code", text: "units:\n  - { code: U01, name: A }\n  - { code: u01, name: B }\n", key: "units[1].code", line: 3, reason: "duplicate code"),
        BadCase(name: "empty unit list", text: "units: []\n", key: "units", line: 1, reason: "empty"),
        BadCase(name: "unknown time zone", text: "time_zone: Mars/Olympus\n", key: "time_zone", line: 1, reason: "unknown time zone"),
        BadCase(name: "no negative category", text: "sentiments:\n  - { code: DT, label: A, polarity: 1 }\n  - { code: PV, label: B, polarity: 0 }\n", key: "sentiments", line: 2, reason: "polarity 1 and one with polarity -1"),
        BadCase(name: "polarity out of range", text: "sentiments:\n  - { code: DT, label: A, polarity: 2 }\n", key: "sentiments[0].polarity", line: 2, reason: "between -1 and 1"),
        BadCase(name: "bad listen address", text: "listen: [\"localhost\"]\n", key: "listen[0]", line: 1, reason: "HOST:PORT"),
        BadCase(name: "bad period", text: "publish: { periods: [fortnight] }\n", key: "publish.periods[0]", line: 1, reason: "week, month"),
        BadCase(name: "unknown release policy", text: "publish: { release: later }\n", key: "publish.release", line: 1, reason: "closed or open"),
        BadCase(name: "grace days with open release", text: "publish:\n  release: open\n  grace_days: 3\n", key: "publish.grace_days", line: 3, reason: "only with release: closed"),
        BadCase(name: "grace days out of range", text: "publish: { grace_days: 61 }\n", key: "publish.grace_days", line: 1, reason: "0"),
        BadCase(name: "grace days as a list", text: "publish: { grace_days: [2, 5] }\n", key: "publish.grace_days", line: 1, reason: "one per period"),
        BadCase(name: "grace days of an unknown period", text: "publish:\n  grace_days:\n    week: 2\n    fortnight: 5\n", key: "publish.grace_days.fortnight", line: 4, reason: "unknown key"),
        BadCase(name: "month's grace days out of range", text: "publish:\n  grace_days:\n    week: 2\n    month: 61\n", key: "publish.grace_days.month", line: 4, reason: "between 0 and 60, got 61"),
        BadCase(name: "year's grace days negative (flow style)", text: "publish: { grace_days: { year: -1 } }\n", key: "publish.grace_days.year", line: 1, reason: "between 0 and 60"),
        BadCase(name: "quarter's grace days not a number", text: "publish:\n  grace_days: { quarter: soon }\n", key: "publish.grace_days.quarter", line: 2, reason: "whole number"),
        BadCase(name: "grace days per period with open release", text: "publish:\n  release: open\n  grace_days: { month: 5 }\n", key: "publish.grace_days", line: 3, reason: "only with release: closed"),
        BadCase(name: "limit out of range", text: "limits: { max_line_bytes: 5 }\n", key: "limits.max_line_bytes", line: 1, reason: "between 128"),
        BadCase(name: "early drop past the unauthenticated cap", text: "limits:\n  max_unauthenticated: 10\n  early_drop_start: 11\n", key: "limits.early_drop_start", line: 3, reason: "at most limits.max_unauthenticated (10)"),
        BadCase(name: "early drop percent out of range", text: "limits: { early_drop_percent: 101 }\n", key: "limits.early_drop_percent", line: 1, reason: "between 0"),
        BadCase(name: "login grace out of range", text: "limits: { login_grace_seconds: 0 }\n", key: "limits.login_grace_seconds", line: 1, reason: "between 1"),
        BadCase(name: "bad code characters", text: "units:\n  - { code: \"U 01\", name: A }\n", key: "units[0].code", line: 2, reason: "a code is"),
        BadCase(name: "topic ends before it starts", text: "topics:\n  - { code: T, title: A, active_from: 2026-05-01, active_to: 2026-04-01 }\n", key: "topics[0].active_to", line: 2, reason: "before it starts"),
        BadCase(name: "duplicate key", text: "time_zone: UTC\ntime_zone: UTC\n", key: "time_zone", line: 2, reason: "twice"),
        BadCase(name: "plain text beyond loopback", text: "listen:\n  - 127.0.0.1:7411\n  - 0.0.0.0:7411\n", key: "listen[1]", line: 3, reason: "would carry tokens unencrypted"),
        BadCase(name: "TLS without a key", text: "tls:\n  listen: [0.0.0.0:7412]\n  certificate: /etc/hostname\n", key: "tls.key", line: 2, reason: "required"),
        BadCase(name: "TLS certificate unreadable", text: "tls:\n  listen: [0.0.0.0:7412]\n  certificate: /nonexistent.pem\n  key: /etc/hostname\n", key: "tls.certificate", line: 3, reason: "cannot read /nonexistent.pem"),
        BadCase(name: "hold for an unknown unit", text: "review:\n  hold: [U01, NOWHERE]\n", key: "review.hold[1]", line: 2, reason: "'NOWHERE' is not a configured unit"),
        BadCase(name: "no listener at all", text: "listen: []\n", key: "listen", line: 1, reason: "at least one address"),
    ]

    @Test(arguments: badCases)
    func badConfigurationNamesKeyLineAndReason(_ bad: BadCase) throws {
        // Each case replaces one section of an otherwise valid file.
        let text = bad.name == "syntax error" ? bad.text : bad.text + removeSection(of: bad.text, from: minimal)
        let error = try #require(throws: ConfigurationError.self) { try Configuration.parse(text, file: "bad.conf") }
        #expect(error.file == "bad.conf")
        #expect(error.key == bad.key, "\(error)")
        #expect(error.line == bad.line, "\(error)")
        #expect(error.reason.contains(bad.reason), "\(error)")
        #expect(error.description.hasPrefix("bad.conf:"))
    }

    /// Drops from `text` the top-level section that `override` redefines.
    func removeSection(of override: String, from text: String) -> String {
        let overridden = Set(override.split(separator: "\n").compactMap { line -> String? in
            guard let first = line.first, first != " " else { return nil }
            return line.split(separator: ":").first.map(String.init)
        })
        var keep = true
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first != " " {
                keep = !overridden.contains(line.split(separator: ":").first.map(String.init) ?? "")
            }
            if keep { lines.append(line) }
        }
        return "\n" + lines.joined(separator: "\n")
    }

    @Test func earlyDropStartsAtHalfTheUnauthenticatedCapUnlessSet() throws {
        let halved = try Configuration.parse(minimal + "\nlimits:\n  max_unauthenticated: 32\n", file: "t.conf")
        #expect(halved.limits.maxUnauthenticated == 32 && halved.limits.earlyDropStart == 16)
        let set = try Configuration.parse(minimal + "\nlimits:\n  max_unauthenticated: 32\n  early_drop_start: 32\n  login_grace_seconds: 5\n", file: "t.conf")
        #expect(set.limits.earlyDropStart == 32 && set.limits.loginGraceSeconds == 5)
    }

    @Test func missingFileIsAConfigurationError() {
        let error = #expect(throws: ConfigurationError.self) { try Configuration.load(path: "/nonexistent/surveyd.conf") }
        #expect(error?.reason.contains("cannot read") == true)
    }

    @Test func unwritableDirectoryIsRefused() throws {
        var config = try Configuration.parse(minimal, file: "t.conf")
        // A regular file where a directory should be: cannot be created, even by root.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-config-test-\(getpid())-file").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        defer { try? FileManager.default.removeItem(atPath: file) }
        config.databasePath = "\(file)/state/db.sqlite"
        let error = #expect(throws: ConfigurationError.self) { try config.checkDirectories(file: "t.conf") }
        #expect(error?.key == "database")
        #expect(error?.reason.contains("is not a directory") == true)
        config.databasePath = "/tmp/db.sqlite"
        config.summariesDirectory = "\(file)/summaries"
        #expect((#expect(throws: ConfigurationError.self) { try config.checkDirectories(file: "t.conf") })?.key == "summaries_directory")
        config.databasePath = "/tmp/surveyd-config-test-\(getpid())/x/db.sqlite"
        config.summariesDirectory = "/tmp/surveyd-config-test-\(getpid())/summaries"
        try config.checkDirectories(file: "t.conf")
        // Created folders are for the owner and its group only.
        defer { try? FileManager.default.removeItem(atPath: "/tmp/surveyd-config-test-\(getpid())") }
        try config.createDirectories(file: "t.conf")
        for path in ["/tmp/surveyd-config-test-\(getpid())/x", config.summariesDirectory] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode == 0o750, "\(path): \(String(mode, radix: 8))")
        }
    }

    @Test func overridesReplaceFileValues() throws {
        var config = try Configuration.parse(minimal, file: "t.conf")
        try config.apply(ConfigurationOverrides(listen: ["[::1]:9000"], stateDirectory: "/srv/state/"), file: "t.conf")
        #expect(config.databasePath == "/srv/state/surveyd.sqlite")
        #expect(config.summariesDirectory == "/srv/state/summaries")
        #expect(config.listen == [ListenAddress(host: "::1", port: 9000)])
        #expect(throws: ConfigurationError.self) { try config.apply(ConfigurationOverrides(listen: ["nope"]), file: "t.conf") }
        // Plain text beyond loopback from the command line too, unless the file allows it.
        let refused = #expect(throws: ConfigurationError.self) { try config.apply(ConfigurationOverrides(listen: ["0.0.0.0:7411"]), file: "t.conf") }
        #expect(refused?.reason.contains("unencrypted") == true)
        config.allowPlaintextOnNetwork = true
        try config.apply(ConfigurationOverrides(listen: ["0.0.0.0:7411"]), file: "t.conf")
        #expect(config.listen == [ListenAddress(host: "0.0.0.0", port: 7411)])
    }
}
