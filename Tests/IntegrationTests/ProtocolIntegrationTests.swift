import Foundation
import GRDB
import SurveyClient
import SurveyProtocol
import Testing
import TestSupport

@Suite struct ProtocolIntegrationTests {
    @Test func fullSessionStoresTheBatchUnderTheCollaboratorsUnit() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["VN"])[0]
        try await daemon.start()
        let lines = responseLines(3)
        try await daemon.connect { client in
            #expect(client.greeting == Reply.greeting(limits: .init()))
            #expect(try await client.command("HELP").code == 214)
            #expect(try await client.command("PING") == .pong)
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)") == .authenticated(collaboratorID: collaborator.id, unit: "VN"))
            #expect(try await client.command("BATCH first 3") == .sendResponses(batchID: "first", count: 3))
            try await client.send(lines)
            let reply = try await client.command("COMMIT")
            #expect(reply.code == 250 && reply.status == "2.6.0")
            #expect(reply.lines[0].hasPrefix("batch first accepted: 3 responses, received "))
            #expect(try await client.command("QUIT") == .bye)
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 3)
        #expect(try daemon.count("SELECT COUNT(*) FROM batches b JOIN units u ON u.id = b.unit_id WHERE u.code = 'VN'") == 1)
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 3)
        #expect(try daemon.talliesMatchRecount())
        #expect(await daemon.stop() == 0)
    }

    @Test func pipelinedSessionInOneWrite() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        try await daemon.connect { client in
            try await client.send(["AUTH \(collaborator.id) \(collaborator.token)"] + batchLines("p1", responseLines(50)) + batchLines("p2", responseLines(7, seed: 3)) + ["QUIT"])
            #expect(try await client.readReply().code == 235)
            #expect(try await client.readReply().code == 354)
            #expect(try await client.readReply().lines[0].hasPrefix("batch p1 accepted: 50 responses"))
            #expect(try await client.readReply().code == 354)
            #expect(try await client.readReply().lines[0].hasPrefix("batch p2 accepted: 7 responses"))
            #expect(try await client.readReply() == .bye)
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 57)
        #expect(try daemon.talliesMatchRecount())
    }

    @Test func batchSplitIntoOneByteWrites() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        let text = (["AUTH \(collaborator.id) \(collaborator.token)"] + batchLines("bytes", responseLines(4))).joined(separator: "\r\n") + "\r\n"
        try await daemon.connect { client in
            for byte in Array(text.utf8) { try await client.sendRaw([byte]) }
            #expect(try await client.readReply().code == 235)
            #expect(try await client.readReply().code == 354)
            #expect(try await client.readReply().lines[0].hasPrefix("batch bytes accepted: 4 responses"))
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 4)
    }

    struct BadBatch: Sendable, CustomTestStringConvertible {
        var name: String
        var lines: [String]
        /// Expected reply lines after BATCH (for the COMMIT, or BATCH itself when `refusedAtBatch`).
        var reply: [String]
        var code: Int
        var refusedAtBatch = false
        var testDescription: String { name }
    }

    static var badBatches: [BadBatch] {
        let good = "\(today.adding(days: -1)) CDS ND DONGTINH"
        return [
            BadBatch(name: "bad fields", lines: [
                "BATCH bad1 8", "R \(good)", "R \(today.adding(days: 2)) CDS ND DONGTINH", "R 2020-01-01 CDS ND DONGTINH",
                "R \(today) NOPE ND DONGTINH", "R \(today) COVID ND DONGTINH", "R \(today) CDS XX DONGTINH",
                "R \(today) CDS ND MAYBE", "R 2026-02-30 CDS ND DONGTINH", "COMMIT",
            ], reply: [
                "batch bad1 rejected: 7 bad lines; nothing stored",
                "line 2: date: \(today.adding(days: 2)) is in the future (today is \(today) in Asia/Ho_Chi_Minh)",
                "line 3: date: 2020-01-01 is more than 366 days ago (earliest accepted: \(today.adding(days: -366)))",
                "line 4: topic: unknown topic 'NOPE'",
                "line 5: topic: topic COVID is not open on \(today) (open from 2020-01-01 to 2023-12-31)",
                "line 6: group: unknown respondent group 'XX'",
                "line 7: sentiment: unknown sentiment 'MAYBE'",
                "line 8: date: '2026-02-30' is not a valid date (YYYY-MM-DD)",
                "end of errors",
            ], code: 554),
            BadBatch(name: "fewer lines than declared", lines: ["BATCH short 3", "R \(good)", "R \(good)", "COMMIT"],
                     reply: ["batch short rejected: declared 3 responses, received 2; nothing stored"], code: 554),
            BadBatch(name: "more lines than declared", lines: ["BATCH long 1", "R \(good)", "R \(good)", "COMMIT"],
                     reply: ["batch long rejected: declared 1 response, received 2; nothing stored"], code: 554),
            BadBatch(name: "batch too large", lines: ["BATCH big 5001"],
                     reply: ["batch too large: 5001 responses declared, at most 5000 allowed; split it"], code: 552, refusedAtBatch: true),
            BadBatch(name: "bad batch id", lines: ["BATCH b/1 1"], reply: ["syntax: BATCH <batch-id> <count>"], code: 501, refusedAtBatch: true),
        ]
    }

    @Test(arguments: badBatches)
    func wrongBatchesGetTheExactReplyAndStoreNothing(_ bad: BadBatch) async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        try await daemon.connect { client in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            try await client.send(bad.lines)
            if !bad.refusedAtBatch { #expect(try await client.readReply().code == 354) }
            let reply = try await client.readReply()
            #expect(reply.code == bad.code)
            #expect(reply.lines == bad.reply)
            // The connection stays usable.
            #expect(try await client.command("PING") == .pong)
        }
        for table in ["batches", "responses", "span_tallies"] {
            #expect(try daemon.count("SELECT COUNT(*) FROM \(table)") == 0, "\(table)")
        }
        #expect(daemon.log().contains("batch rejected") == (bad.code == 554 || bad.code == 552))
    }

    @Test func sameIDWithOtherContentIsAConflict() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        try await daemon.connect { client in
            _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
            try await client.send(batchLines("c1", responseLines(5)))
            _ = try await client.readReply()
            let first = try await client.readReply()
            #expect(first.code == 250)
            try await client.send(batchLines("c1", responseLines(5, seed: 1)))
            _ = try await client.readReply()
            let conflict = try await client.readReply()
            #expect(conflict.code == 550 && conflict.status == "5.6.1")
            #expect(conflict.lines[0].hasPrefix("batch c1 conflicts: already accepted with different content (5 responses, received "))
            // Same content, different letter case and spacing: the same batch.
            try await client.send(batchLines("c1", responseLines(5).map { $0.lowercased().replacingOccurrences(of: " ", with: "  ") }))
            _ = try await client.readReply()
            let again = try await client.readReply()
            #expect(again.code == 250 && again.lines == first.lines + [Reply.alreadyReceivedLine])
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 5)
    }

    /// The check before each command reads the database as it is now: a revocation made by
    /// surveyctl (another process) while a session is idle is seen at its next command.
    @Test func revocationIsSeenAtTheNextPingOfAnOpenSession() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        try await daemon.connect { client in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            #expect(try await client.command("PING").code == 250)
            #expect(try await client.command("BATCH r1 1").code == 354)
            try await client.send(responseLines(1))
            #expect(try await client.command("COMMIT").code == 250)
            let revoke = try await run("surveyctl", ["collaborator", "revoke", String(collaborator.id)] + daemon.storeOptions)
            #expect(revoke.status == 0, "\(revoke.stderr)")
            #expect(try await client.command("PING") == .revoked)
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 1)
        #expect(daemon.log().contains("revoked collaborator refused"))
    }

    @Test func revokedCollaboratorIsRefusedAtItsNextCommand() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        try await daemon.connect { client in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            #expect(try await client.command("BATCH r1 2") .code == 354)
            try await client.send(responseLines(2))
            let revoke = try await run("surveyctl", ["collaborator", "revoke", String(collaborator.id)] + daemon.storeOptions)
            #expect(revoke.status == 0, "\(revoke.stderr)")
            #expect(try await client.command("COMMIT") == .revoked)
            await #expect(throws: ConnectionFailure.self) { try await client.command("PING") }
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 0)
        try await daemon.connect { (client) async throws -> Void in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)") == .revoked)
        }
    }

    @Test func droppedConnectionStoresNothingAndTheResentBatchIsStoredOnce() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        let lines = responseLines(40)
        try await daemon.connect { client in
            _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
            try await client.send(["BATCH drop 40"] + Array(lines.prefix(25)))
            #expect(try await client.readReply().code == 354)
            // The body returns: the connection closes mid-batch.
        }
        #expect(await Wait.until { daemon.log().contains("connection closed inside a batch; nothing stored") })
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 0)
        for _ in 0..<2 {
            try await daemon.connect { client in
                _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
                try await client.send(batchLines("drop", lines))
                _ = try await client.readReply()
                #expect(try await client.readReply().lines[0].hasPrefix("batch drop accepted: 40 responses"))
            }
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 40)
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 40)
    }

    @Test func lostCommitReplyIsSafeToRetry() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        let lines = responseLines(30)
        try await daemon.connect { client in
            try await client.send(["AUTH \(collaborator.id) \(collaborator.token)"] + batchLines("lost", lines))
            // Disconnect without reading any reply.
        }
        // The server finishes the commit although nobody reads the reply.
        #expect(try await Wait.until { try daemon.count("SELECT COUNT(*) FROM batches") == 1 })
        let receivedAt = try daemon.string("SELECT received_at FROM batches")
        let original = Reply.accepted(batchID: "lost", responses: 30, receivedAt: try #require(receivedAt))
        for _ in 0..<2 {
            try await daemon.connect { client in
                _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
                try await client.send(batchLines("lost", lines))
                _ = try await client.readReply()
                // The first acceptance's line word for word, then a line saying it was there before.
                let reply = try await client.readReply()
                #expect(reply == Reply.acceptedBefore(batchID: "lost", responses: 30, receivedAt: try #require(receivedAt)))
                #expect(reply.code == 250 && reply.lines.first == original.lines.first)
                #expect(reply.encoded.hasPrefix("250-2.6.0 \(original.lines[0])\r\n250 2.6.0 already received before"))
            }
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 30)
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 30)
        #expect(try daemon.talliesMatchRecount())
        #expect(daemon.log().contains("duplicate batch"))
    }

    @Test func twoHundredConcurrentClientsTenBatchesEach() async throws {
        // 200 connections open at once from one address: room for all of them to wait for AUTH
        // (by default, early drop would refuse some from the 65th waiting one on).
        let daemon = try Daemon(replacing: [
            "max_connections_per_peer: 64": "max_connections_per_peer: 400",
            "max_unauthenticated: 128": "max_unauthenticated: 400", "early_drop_start: 64": "early_drop_start: 400",
        ])
        let units = ["TPTN", "TPSC", "TXPY", "DH", "PL", "DHY", "VN", "DT", "PB", "KCQ", "KDN", "QS", "CA", "DHTN", "BVTW", "BDBP"]
        let collaborators = try daemon.addCollaborators(units: (0..<200).map { units[$0 % 16] })
        try await daemon.start()
        let port = daemon.port
        let acknowledged = try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, collaborator) in collaborators.enumerated() {
                group.addTask {
                    try await ProtocolClient.withConnection(host: "127.0.0.1", port: port, timeout: .seconds(120)) { client in
                        var accepted = 0
                        #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
                        for batch in 0..<10 {
                            try await client.send(batchLines("c\(index)-b\(batch)", responseLines(5, seed: index + batch)))
                            #expect(try await client.readReply().code == 354)
                            if try await client.readReply().code == 250 { accepted += 1 }
                        }
                        return accepted
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(acknowledged == 2000)
        #expect(try daemon.count("SELECT COUNT(*) FROM batches") == 2000)
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 10_000)
        #expect(try daemon.count("SELECT SUM(count) FROM span_tallies") == 10_000)
        #expect(try daemon.talliesMatchRecount())
        #expect(try daemon.count("SELECT COUNT(DISTINCT unit_id) FROM batches") == 16)
    }
}
