import Foundation
import GRDB
import SurveyClient
import SurveyModel
import SurveyStore
import Synchronization
import Testing
import TestSupport

/// A flag shared between tasks.
final class StopFlag: Sendable {
    private let storage = Mutex(false)
    var isSet: Bool { storage.withLock { $0 } }
    func set() { storage.withLock { $0 = true } }
}

/// Online backup during ingest, restore, and raw export, through surveyctl and the real daemon.
@Suite(.serialized) struct DataLifecycleTests {
    /// Client `index` submits batches `c{index}-0`, `c{index}-1`, … one after another until `stop`
    /// is set; returns the numbers acknowledged.
    static func submitUntilStopped(_ daemon: Daemon, _ collaborator: (id: Int64, token: String), index: Int, stop: StopFlag) async throws -> [Int] {
        try await daemon.connect { client in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            var acknowledged: [Int] = []
            var number = 0
            while !stop.isSet {
                try await client.send(batchLines("c\(index)-\(number)", responseLines(20, seed: number)))
                #expect(try await client.readReply().code == 354)
                if try await client.readReply().code == 250 { acknowledged.append(number) }
                number += 1
            }
            return acknowledged
        }
    }

    @Test(.timeLimit(.minutes(3))) func aBackupTakenDuringIngestRestoresToAPrefixOfWhatWasAcknowledged() async throws {
        let daemon = try Daemon()
        let collaborators = try daemon.addCollaborators(units: ["TPTN", "DH", "VN", "CA"])
        try await daemon.start()
        let stop = StopFlag()
        let clients = collaborators.enumerated().map { index, collaborator in
            Task { try await Self.submitUntilStopped(daemon, collaborator, index: index, stop: stop) }
        }
        // Back up once ingest is under way, and stop only once more has been stored after it.
        func waitForBatches(moreThan count: Int) async throws {
            guard try await Wait.until({ try daemon.count("SELECT COUNT(*) FROM batches") > count }) else {
                throw DaemonError("no more than \(count) batches stored after a minute")
            }
        }
        try await waitForBatches(moreThan: 20)
        let backupPath = daemon.directory.appendingPathComponent("nightly.sqlite").path
        let backup = try await run("surveyctl", ["backup", backupPath, "--json"] + daemon.storeOptions)
        let afterBackup = try daemon.count("SELECT COUNT(*) FROM batches")
        try await waitForBatches(moreThan: afterBackup + 8)
        stop.set()
        var acknowledged: [[Int]] = []
        for client in clients { acknowledged.append(try await client.value) }
        #expect(backup.status == 0, "\(backup.stderr)")
        let report = try JSONDecoder().decode(BackupReport.self, from: Data(backup.stdout.utf8))
        #expect(report.batches > 0 && report.batches < acknowledged.reduce(0) { $0 + $1.count }, "ingest went on during the backup")

        // The copy: intact, tallies equal its recount, and per client a prefix of what was acknowledged.
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let copy = try DatabaseQueue(path: backupPath, configuration: configuration)
        let stored = try await copy.read { db in try String.fetchAll(db, sql: "SELECT client_batch_id FROM batches") }
        #expect(stored.count == report.batches)
        for (index, numbers) in acknowledged.enumerated() {
            let inCopy = stored.filter { $0.hasPrefix("c\(index)-") }.compactMap { Int($0.split(separator: "-").last ?? "") }.sorted()
            #expect(inCopy == Array(0..<inCopy.count), "client \(index): not a prefix")
            #expect(Array(numbers.prefix(inCopy.count)) == inCopy, "client \(index): a stored batch was not acknowledged")
        }
        let integrity = try await copy.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        #expect(try SurveyStore.verify(path: backupPath).responses == report.responses)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: backupPath)[.posixPermissions] as? Int)
        #expect(mode & 0o007 == 0)

        // Restoring under a running daemon is refused and changes nothing.
        let refused = try await run("surveyctl", ["restore", backupPath] + daemon.storeOptions)
        #expect(refused.status == 75, "\(refused.stderr)")
        #expect(refused.stderr.contains("stop it first"))
        let liveResponses = try daemon.count("SELECT COUNT(*) FROM responses")
        #expect(liveResponses > report.responses)
        #expect(await daemon.stop() == 0)

        let restored = try await run("surveyctl", ["restore", backupPath] + daemon.storeOptions)
        #expect(restored.status == 0, "\(restored.stderr)")
        let aside = try #require(restored.stdout.split(separator: "\n").first { $0.hasPrefix("the previous database is kept as ") })
            .replacingOccurrences(of: "the previous database is kept as ", with: "")
        #expect(FileManager.default.fileExists(atPath: aside))
        try await daemon.start()
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == report.responses)
        #expect(try daemon.talliesMatchRecount())
        #expect(try daemon.count("SELECT COUNT(*) FROM audit_log WHERE action = 'database_restored'") == 1)
        #expect(try daemon.count("SELECT COUNT(*) FROM audit_log WHERE action = 'backup_made'") == 0, "the copy was taken before its own audit row")
        // The old database is intact beside it.
        let old = try DatabaseQueue(path: aside, configuration: configuration)
        let oldResponses = try await old.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM responses") }
        #expect(oldResponses == liveResponses)
        #expect(await daemon.stop() == 0)
    }

    /// Runs surveyctl and samples its resident memory until it exits; (status, peak kB).
    static func runMeasuringMemory(_ arguments: [String]) async throws -> (Int32, Int) {
        let child = try ChildProcess(productsDirectory.appendingPathComponent("surveyctl").path, arguments, environment: ProcessInfo.processInfo.environment)
        var peak = 0
        while child.isRunning {
            if let rss = memory(of: child.processIdentifier, "VmHWM") { peak = max(peak, rss) }
            try await Task.sleep(for: .milliseconds(10))  // the sampling interval, not a wait
        }
        let status = await child.exit(timeout: 60)
        // Sampling can miss the peak of a short run on a loaded machine; the kernel's count cannot.
        return (status, max(peak, child.peakResident ?? 0))
    }

    @Test(.timeLimit(.minutes(3))) func exportingAMillionRowsRunsInConstantMemory() async throws {
        let daemon = try Daemon()
        _ = try daemon.addCollaborators(units: ["TPTN"])
        let day = today.adding(days: -3)
        let queue = try DatabaseQueue(path: daemon.databasePath)
        try await queue.write { db in
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
                INSERT INTO batches (collaborator_id, client_batch_id, unit_id, digest, received_at, response_count, state)
                SELECT 1, 'x' || i, 1 + i % 16, randomblob(32), '2026-11-20T01:02:03Z', 100, CASE WHEN i = 7 THEN 'retracted' ELSE 'accepted' END FROM n
                """)
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
                INSERT INTO responses (batch_id, collected_on, topic_id, group_id, sentiment_id)
                SELECT 1 + i / 100, ? - (i % 2), 1 + i % 5, 1 + i % 3, 1 + i % 3 FROM n
                """, arguments: [day.dayNumber])
        }
        let small = daemon.directory.appendingPathComponent("small.csv").path
        let large = daemon.directory.appendingPathComponent("large.csv").path
        let range = ["--from", day.adding(days: -1).description, "--to", day.description]
        let (smallStatus, smallPeak) = try await Self.runMeasuringMemory(["export"] + range + ["--unit", "TPTN", "--output", small] + daemon.storeOptions)
        let (largeStatus, largePeak) = try await Self.runMeasuringMemory(["export"] + range + ["--output", large] + daemon.storeOptions)
        #expect(smallStatus == 0 && largeStatus == 0)
        // A retracted batch (100 responses) is left out.
        let exported = try Data(contentsOf: URL(fileURLWithPath: large))
        let lines = exported.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        #expect(lines == 1 + 999_900)
        #expect(exported.starts(with: [0xEF, 0xBB, 0xBF]))
        let smallLines = try Data(contentsOf: URL(fileURLWithPath: small)).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        #expect(smallLines == 1 + (try daemon.count("SELECT COUNT(*) FROM responses r JOIN batches b ON b.id = r.batch_id WHERE b.unit_id = 1 AND b.state = 'accepted'")))
        // Constant memory: a hundred times the rows, about the same peak.
        #expect(largePeak - smallPeak < 15_000, "peak resident memory: \(smallPeak) kB for \(smallLines) rows, \(largePeak) kB for \(lines) rows")
        print("export: \(lines - 1) rows in \(exported.count / 1_000_000) MB, peak resident memory \(largePeak / 1024) MB (\(smallPeak / 1024) MB for \(smallLines - 1) rows)")

        let jsonl = try await run("surveyctl", ["export"] + range + ["--unit", "TPTN", "--format", "jsonl"] + daemon.storeOptions)
        #expect(jsonl.status == 0)
        let first = try #require(jsonl.stdout.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: String])
        #expect(object["unit"] == "TPTN" && object["received_at"] == "2026-11-20T01:02:03Z" && object["batch"] == "x0")
        let bad = try await run("surveyctl", ["export", "--from", "2026-11-30", "--to", "2026-11-01"] + daemon.storeOptions)
        #expect(bad.status == 64)
    }
}
