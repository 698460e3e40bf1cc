import Foundation
import GRDB
import SurveyClient
import SurveyProtocol
import Synchronization
import Testing
import TestSupport

/// What the clients of the crash test sent and were told, across every daemon restart.
final class CrashLedger: Sendable {
    struct Client {
        var next = 0
        /// A batch sent whose reply has not arrived: it is re-sent, same id and content, until one does.
        var pending: (id: String, lines: [String])?
        var acknowledged: [String: (lines: [String], reply: Reply)] = [:]
        var lastAcknowledged: String?
    }

    private let clients: Mutex<[Client]>
    /// Retries of a batch whose reply was lost, and retries of an acknowledged batch: each must get
    /// the original reply.
    let retriesAfterKill = Atomic<Int>(0)
    let repeatedAcknowledgements = Atomic<Int>(0)

    init(count: Int) {
        clients = Mutex(Array(repeating: Client(), count: count))
    }

    func withClient<T>(_ index: Int, _ body: (inout Client) -> T) -> T {
        clients.withLock { body(&$0[index]) }
    }

    var all: [Client] { clients.withLock { $0 } }
}

@Suite(.serialized) struct CrashConsistencyTests {
    /// Many clients submit while surveyd is killed with SIGKILL at random moments and restarted.
    /// Afterwards: every acknowledged batch is stored exactly once and whole, no batch is stored in
    /// part, tallies equal a recount, the database is intact, and every retry got the original reply.
    @Test(.timeLimit(.minutes(5))) func acknowledgedBatchesSurviveRepeatedSIGKILL() async throws {
        let kills = Int(ProcessInfo.processInfo.environment["SURVEYD_CRASH_KILLS"] ?? "") ?? 24
        let units = ["TPTN", "TPSC", "TXPY", "DH", "PL", "DHY", "VN", "DT"]
        let daemon = try Daemon(replacing: ["max_connections_per_peer: 64": "max_connections_per_peer: 400"])
        let collaborators = try daemon.addCollaborators(units: units + units)
        let ledger = CrashLedger(count: collaborators.count)
        let port = daemon.port
        var generator = SeededGenerator.forTest()

        for round in 0...kills {
            try await daemon.start()
            let last = round == kills
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, collaborator) in collaborators.enumerated() {
                    group.addTask {
                        await Self.submit(client: index, collaborator, port: port, ledger: ledger, batches: last ? 0 : Int.max)
                    }
                }
                if !last {
                    let delay = Int.random(in: 50...400, using: &generator)
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(delay))  // a random moment to crash, not a wait
                        await daemon.stop(signal: SIGKILL, timeout: 10)
                    }
                }
                try await group.waitForAll()
            }
            if last { #expect(await daemon.stop() == 0) }
        }

        let clients = ledger.all
        #expect(clients.allSatisfy { $0.pending == nil }, "every batch was eventually acknowledged")
        let acknowledged = clients.flatMap { client in client.acknowledged.map { ($0.key, $0.value) } }
        let stored = try daemon.database().read { db in
            try Row.fetchAll(db, sql: """
                SELECT b.client_batch_id, b.response_count, b.received_at, (SELECT COUNT(*) FROM responses r WHERE r.batch_id = b.id) AS n
                FROM batches b
                """)
        }
        var storedByID: [String: (count: Int, receivedAt: String, rows: Int)] = [:]
        for row in stored {
            let id: String = row[0]
            #expect(storedByID[id] == nil, "batch \(id) stored twice")
            storedByID[id] = (row[1], row[2], row[3])
            #expect(row[1] as Int == row[3] as Int, "batch \(id) is stored in part")
        }
        for (id, entry) in acknowledged {
            guard let batch = storedByID[id] else {
                Issue.record("acknowledged batch \(id) is missing")
                continue
            }
            #expect(batch.count == entry.lines.count)
            // The acknowledgement names the stored batch (a retry of a batch whose reply was lost
            // also says it was received before).
            #expect(entry.reply.code == 250 && entry.reply.lines.first == Reply.accepted(batchID: id, responses: batch.count, receivedAt: batch.receivedAt).lines[0])
        }
        #expect(storedByID.count == acknowledged.count, "only acknowledged batches are stored (all retried to the end)")
        #expect(try daemon.talliesMatchRecount())
        #expect(try daemon.string("PRAGMA integrity_check") == "ok")
        let responses = acknowledged.reduce(0) { $0 + $1.1.lines.count }
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == responses)
        #expect(acknowledged.count > kills * 4, "the load was real: \(acknowledged.count) batches")
        print("crash test: \(kills) SIGKILLs survived, \(acknowledged.count) batches (\(responses) responses) acknowledged and found once each, \(ledger.retriesAfterKill.load(ordering: .relaxed)) retries of batches whose reply was lost, \(ledger.repeatedAcknowledgements.load(ordering: .relaxed)) re-sent acknowledged batches got their original reply")
    }

    /// One client's session: first settles its pending batch and re-sends its last acknowledged one,
    /// then submits new batches until `batches` are sent or the connection dies.
    static func submit(client index: Int, _ collaborator: (id: Int64, token: String), port: Int, ledger: CrashLedger, batches: Int) async {
        do {
            try await ProtocolClient.withConnection(host: "127.0.0.1", port: port, timeout: .seconds(20)) { client in
                guard try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235 else { return }
                func commit(_ id: String, _ lines: [String]) async throws -> Reply {
                    try await client.send(batchLines(id, lines))
                    let go = try await client.readReply()
                    guard go.code == 354 else { return go }
                    return try await client.readReply()
                }
                if let pending = ledger.withClient(index, { $0.pending }) {
                    let reply = try await commit(pending.id, pending.lines)
                    #expect(reply.code == 250, "retry of \(pending.id): \(reply)")
                    ledger.retriesAfterKill.add(1, ordering: .relaxed)
                    ledger.withClient(index) { state in
                        state.acknowledged[pending.id] = (pending.lines, reply)
                        state.lastAcknowledged = pending.id
                        state.pending = nil
                    }
                }
                if let id = ledger.withClient(index, { $0.lastAcknowledged }), let entry = ledger.withClient(index, { $0.acknowledged[id] }) {
                    // Its original acknowledgement, word for word, and a line saying it was
                    // there before (a retry after a lost reply may already have had that line).
                    let again = try await commit(id, entry.lines)
                    #expect(again.code == entry.reply.code && again.lines.first == entry.reply.lines.first, "re-sent \(id)")
                    #expect(again.lines.dropFirst() == [Reply.alreadyReceivedLine], "re-sent \(id): \(again)")
                    ledger.repeatedAcknowledgements.add(1, ordering: .relaxed)
                }
                var sent = 0
                while sent < batches {
                    let (id, lines) = ledger.withClient(index) { state -> (String, [String]) in
                        let number = state.next
                        state.next += 1
                        let lines = responseLines(1 + (number * 7 + index) % 40, seed: number + index)
                        state.pending = ("k\(index)-\(number)", lines)
                        return ("k\(index)-\(number)", lines)
                    }
                    let reply = try await commit(id, lines)
                    #expect(reply.code == 250, "\(id): \(reply)")
                    ledger.withClient(index) { state in
                        state.acknowledged[id] = (lines, reply)
                        state.lastAcknowledged = id
                        state.pending = nil
                    }
                    sent += 1
                }
            }
        } catch {
            // The daemon was killed (or refused the connection while it restarts): the pending batch
            // is retried in the next round.
        }
    }
}
