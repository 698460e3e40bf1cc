import Foundation
import GRDB
import SurveyModel
import SurveyProtocol
import SurveyReport
import SurveyStore
import Testing

/// Retracting and restoring batches, and the audit trail, against the real daemon and surveyctl.
@Suite struct BatchReviewTests {
    @Test(.timeLimit(.minutes(2))) func retractAndRestoreChangeTheTalliesAndRaiseRevisions() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        // Dates within this month, so that both batches fall in the same month's summary.
        let day = today.day > 1 ? today.adding(days: -1) : today
        let lines = { (count: Int, seed: Int) in (0..<count).map { "R \(day) CDS \(["CB", "DV", "ND"][($0 + seed) % 3]) \(["DONGTINH", "KHONGDONGTINH"][$0 % 2])" } }
        #expect(try await daemon.submit(collaborator, "b1", lines(10, 0)).code == 250)
        #expect(try await daemon.submit(collaborator, "b2", lines(5, 1)).code == 250)
        let options = daemon.storeOptions
        #expect(try await run("surveyctl", ["publish"] + options).status == 0)
        let month = Period.containing(day, kind: .month).identifier
        let summaryPath = "\(daemon.stateDirectory)/summaries/month/\(month)/summary.json"
        let first = try SummaryJSON.decode(Data(contentsOf: URL(fileURLWithPath: summaryPath)))
        #expect(first.responses == 15)

        let listed = try await run("surveyctl", ["batches", "--unit", "TPTN", "--json"] + options)
        let batches = try JSONDecoder().decode([BatchSummary].self, from: Data(listed.stdout.utf8))
        #expect(batches.map(\.clientBatchID) == ["b2", "b1"])
        let id = try #require(batches.last?.id)

        let retract = try await run("surveyctl", ["batch", "retract", "\(id)", "--reason", "trùng lặp với phiếu giấy"] + options)
        #expect(retract.status == 0, "\(retract.stderr)")
        #expect(retract.stdout.contains("retracted batch \(id)"))
        #expect(try daemon.count("SELECT state = 'retracted' FROM batches WHERE client_batch_id = 'b1'") == 1)
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 15, "the rows are kept")
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 5)
        #expect(try daemon.talliesMatchRecount())
        let second = try SummaryJSON.decode(Data(contentsOf: URL(fileURLWithPath: summaryPath)))
        #expect(second.responses == 5)
        #expect(second.revision == first.revision + 1)

        let again = try await run("surveyctl", ["batch", "retract", "\(id)", "--reason", "again"] + options)
        #expect(again.status == 0)
        #expect(again.stdout.contains("already retracted"))

        // The collaborator re-sends it: refused with the documented reply, nothing changes.
        let resent = try await daemon.submit(collaborator, "b1", lines(10, 0))
        #expect(resent.code == 550 && resent.status == "5.6.3", "\(resent)")
        #expect(resent.lines[0].contains("retracted by an administrator"))
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 5)

        let shown = try await run("surveyctl", ["batch", "show", "\(id)", "--json"] + options)
        let detail = try JSONDecoder().decode(BatchDetail.self, from: Data(shown.stdout.utf8))
        #expect(detail.responses.count == 10)
        #expect(detail.history.map(\.action) == [.batchRetracted])
        #expect(detail.history.first?.details == "trùng lặp với phiếu giấy")
        #expect(detail.history.first?.actor == AuditActor.currentUser)

        let restore = try await run("surveyctl", ["batch", "restore", "\(id)"] + options)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 15)
        #expect(try daemon.talliesMatchRecount())
        let third = try SummaryJSON.decode(Data(contentsOf: URL(fileURLWithPath: summaryPath)))
        #expect(third.responses == 15)
        #expect(third.revision == first.revision + 2)
        #expect(try await run("surveyctl", ["batch", "restore", "\(id)"] + options).stdout.contains("not retracted"))
        let missing = try await run("surveyctl", ["batch", "retract", "9999", "--reason", "x"] + options)
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("no batch has the id 9999"))

        // The audit trail: every action, in order; a reload is the daemon's.
        #expect(await daemon.reload(waitingFor: "configuration reloaded"))
        let audit = try await run("surveyctl", ["audit", "--json"] + options)
        let entries = try JSONDecoder().decode([AuditEntry].self, from: Data(audit.stdout.utf8))
        #expect(entries.map(\.action) == [.collaboratorAdded, .publishForced, .batchRetracted, .batchRestored, .configurationReloaded])
        #expect(entries.last?.actor == "daemon")
        #expect(entries.contains { $0.action == .batchRetracted && $0.subject == "batch:\(id)" })
        #expect(await daemon.stop() == 0)

        // Append-only: the database itself refuses to change or remove a row.
        let queue = try DatabaseQueue(path: daemon.databasePath)
        for sql in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"] {
            let error = #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: sql) } }
            #expect(error?.message?.contains("append-only") == true)
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM audit_log") == entries.count)
    }

    /// With `review.hold`, new batches from the held unit are stored but not counted until
    /// approved; the index says how many wait; other units count at once.
    @Test(.timeLimit(.minutes(2))) func heldBatchesCountOnlyOnceApproved() async throws {
        let daemon = try Daemon(replacing: ["# review:\n#   hold: [TPTN, DH]": "review:\n  hold: [TPTN]"])
        let collaborators = try daemon.addCollaborators(units: ["TPTN", "DH"])
        try await daemon.start()
        let lines = responseLines(6)
        let held = try await daemon.submit(collaborators[0], "h1", lines)
        #expect(held.code == 250 && held.status == "2.6.4", "\(held)")
        #expect(held.lines[0].contains("held for review"))
        #expect(try await daemon.submit(collaborators[0], "h1", lines) == held, "a retry gets the same reply")
        #expect(try await daemon.submit(collaborators[1], "d1", responseLines(4)).status == "2.6.0")
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 10)
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 4, "the held batch does not count")
        #expect(try daemon.talliesMatchRecount())

        let options = daemon.storeOptions
        #expect(try await run("surveyctl", ["publish"] + options).status == 0)
        let indexPath = "\(daemon.stateDirectory)/summaries/index.json"
        let index = try JSONDecoder().decode(SummaryIndexProbe.self, from: Data(contentsOf: URL(fileURLWithPath: indexPath)))
        #expect(index.awaiting_approval?.batches == 1 && index.awaiting_approval?.responses == 6)
        #expect(try String(contentsOfFile: "\(daemon.stateDirectory)/summaries/index.html", encoding: .utf8).contains("1 lô (6 ý kiến) đang chờ duyệt"))

        let listed = try await run("surveyctl", ["batches", "--json"] + options)
        let batches = try JSONDecoder().decode([BatchSummary].self, from: Data(listed.stdout.utf8))
        let id = try #require(batches.first { $0.clientBatchID == "h1" }).id
        #expect(batches.first { $0.clientBatchID == "h1" }?.state == "received")
        let approved = try await run("surveyctl", ["batch", "approve", "\(id)"] + options)
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(approved.stdout.contains("approved batch \(id)"))
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 10)
        #expect(try daemon.talliesMatchRecount())
        let after = try JSONDecoder().decode(SummaryIndexProbe.self, from: Data(contentsOf: URL(fileURLWithPath: indexPath)))
        #expect(after.awaiting_approval == nil)
        #expect(try await run("surveyctl", ["batch", "approve", "\(id)"] + options).stdout.contains("not waiting for approval"))
        #expect(try daemon.count("SELECT COUNT(*) FROM audit_log WHERE action = 'batch_approved' AND subject = 'batch:\(id)'") == 1)
        #expect(await daemon.stop() == 0)
    }
}

/// The part of index.json these tests read.
struct SummaryIndexProbe: Decodable {
    struct Awaiting: Decodable { var batches: Int; var responses: Int }
    var awaiting_approval: Awaiting?
}
