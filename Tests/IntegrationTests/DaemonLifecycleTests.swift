import Foundation
import GRDB
import SurveyClient
import SurveyProtocol
import Testing

@Suite struct DaemonLifecycleTests {
    @Test func sigtermLetsAnOpenBatchFinishThenExitsZero() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["CA"])[0]
        try await daemon.start()
        let lines = responseLines(10)
        try await daemon.connect { busy in
            try await daemon.connect { idle in
                _ = try await busy.command("AUTH \(collaborator.id) \(collaborator.token)")
                #expect(try await busy.command("BATCH late 10").code == 354)
                // The batch is open from its 354 on, whether or not these lines have arrived.
                try await busy.send(Array(lines.prefix(5)))
                kill(try #require(daemon.process).processIdentifier, SIGTERM)
                // The idle connection is told at once.
                #expect(try await idle.readReply() == .shuttingDown)
                // The batch in flight is finished and acknowledged, then the connection closes.
                try await busy.send(Array(lines.suffix(5)) + ["COMMIT"])
                #expect(try await busy.readReply().lines[0].hasPrefix("batch late accepted: 10 responses"))
                #expect(try await busy.readReply() == .shuttingDown)
            }
        }
        #expect(await daemon.stop(signal: 0, timeout: 15) == 0)
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 10)
        // New connections are refused while stopped.
        await #expect(throws: ConnectionFailure.self) { try await daemon.connect { _ in } }
    }

    @Test func installedBinaryCarriesItsMigrations() async throws {
        // Copy the binary far from the source tree: it must still create and migrate its database.
        let daemon = try Daemon()
        let bin = daemon.directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let copy = bin.appendingPathComponent("surveyd")
        try FileManager.default.copyItem(at: productsDirectory.appendingPathComponent("surveyd"), to: copy)
        try await daemon.start(executable: copy)
        #expect(await daemon.stop() == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: exampleConfigPath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations").path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count >= 2)
        #expect(try daemon.string("SELECT group_concat(identifier, ',') FROM (SELECT identifier FROM grdb_migrations ORDER BY identifier)")
            == files.map { String($0.dropLast(4)) }.joined(separator: ","))
        #expect(try daemon.count("SELECT COUNT(*) FROM units WHERE active = 1") == 16)
        #expect(daemon.log().contains("migrations applied"))
    }

    @Test func refusesADatabaseWrittenByANewerVersion() async throws {
        let daemon = try Daemon()
        _ = try daemon.addCollaborators(units: [])
        let queue = try DatabaseQueue(path: daemon.databasePath)
        try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('0999_future')") }
        let result = try await run("surveyd", ["--config", daemon.configPath, "--state-dir", daemon.stateDirectory, "--listen", "127.0.0.1:\(daemon.port)"], timeout: 20)
        #expect(result.status == 65)
        #expect(result.stderr.contains("newer version of surveyd"))
    }

    @Test func portInUseExits69() async throws {
        let first = try Daemon()
        try await first.start()
        let result = try await run("surveyd", ["--config", first.configPath, "--state-dir", first.stateDirectory + "2", "--listen", "127.0.0.1:\(first.port)"], timeout: 20)
        #expect(result.status == 69)
        #expect(result.stderr.contains("cannot listen on 127.0.0.1:\(first.port)"))
    }

    struct BadConfig: Sendable, CustomTestStringConvertible {
        var name: String
        var replace: String
        var with: String
        var expected: String
        var testDescription: String { name }
    }

    static let badConfigs: [BadConfig] = [
        BadConfig(name: "syntax error", replace: "publish:\n", with: "publish: [\n", expected: "syntax error"),
        BadConfig(name: "unknown key", replace: "time_zone: Asia/Ho_Chi_Minh", with: "timezone: Asia/Ho_Chi_Minh", expected: ":\(exampleLine(of: "time_zone: Asia/Ho_Chi_Minh")): timezone: unknown key"),
        BadConfig(name: "duplicate code", replace: "{ code: TPSC,", with: "{ code: TPTN,", expected: "units[1].code: duplicate code 'TPTN'"),
        BadConfig(name: "empty unit list", replace: "units:\n", with: "units: []\nunused_units:\n", expected: "unused_units: unknown key"),
        BadConfig(name: "unknown time zone", replace: "time_zone: Asia/Ho_Chi_Minh", with: "time_zone: Asia/Saigon_City", expected: "time_zone: unknown time zone 'Asia/Saigon_City'"),
        BadConfig(name: "scale without a negative category", replace: "polarity: -1 }", with: "polarity: 0 }", expected: "sentiments: the scale needs at least one category with polarity 1 and one with polarity -1"),
        BadConfig(name: "directory cannot be created", replace: "database: /var/lib/surveyd/surveyd.sqlite", with: "database: /etc/hostname/surveyd.sqlite", expected: "database: /etc/hostname is not a directory"),
    ]

    @Test(arguments: badConfigs)
    func badConfigurationsExit78NamingTheKey(_ bad: BadConfig) async throws {
        let daemon = try Daemon(replacing: [bad.replace: bad.with])
        // The state directory flag would hide a bad database path; use the file's own paths there.
        var arguments = ["--check-config", "--config", daemon.configPath]
        if bad.name != "directory cannot be created" { arguments += ["--state-dir", daemon.stateDirectory] }
        let result = try await run("surveyd", arguments)
        #expect(result.status == 78)
        #expect(result.stderr.contains(daemon.configPath))
        #expect(result.stderr.contains(bad.expected), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func emptyUnitListExits78() async throws {
        let daemon = try Daemon()
        var text = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        let start = try #require(text.range(of: "units:\n"))
        let end = try #require(text.range(of: "# Required: topics"))
        text.replaceSubrange(start.lowerBound..<end.lowerBound, with: "units: []\n\n")
        try text.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let result = try await run("surveyd", ["--check-config", "--config", daemon.configPath, "--state-dir", daemon.stateDirectory])
        #expect(result.status == 78)
        #expect(result.stderr.contains("units: the list is empty"), "\(result.stderr)")
    }

    @Test func exampleConfigurationChecksClean() async throws {
        let result = try await run("surveyd", ["--check-config", "--config", exampleConfigPath, "--state-dir", FileManager.default.temporaryDirectory.path + "/surveyd-check"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("configuration is valid (16 units, 8 topics, 3 respondent groups, 3 sentiments)"))
        #expect(!result.stdout.contains("notice"))
    }

    /// A configuration of the version before the false-alarm budget still checks clean, and says
    /// that its per-chart run length is ignored now.
    @Test func theOldRunLengthKeyIsNoticedNotRefused() async throws {
        let daemon = try Daemon(replacing: ["  odds_ratio: 2\n": "  odds_ratio: 2\n  target_run_length_weeks: 104\n"])
        let result = try await run("surveyd", ["--check-config", "--config", daemon.configPath, "--state-dir", daemon.stateDirectory])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("notice: alerts.target_run_length_weeks is no longer used and is ignored"), "\(result.stdout)")
    }
}
