import Foundation
import SurveyClient
import SurveyProtocol
import Testing
import TestSupport

@Suite struct HostileClientTests {
    /// A good client authenticates and commits a batch within `limit`.
    func goodClientIsServed(_ daemon: Daemon, _ collaborator: (id: Int64, token: String), id: String, within limit: Duration = .seconds(5)) async throws {
        let start = ContinuousClock.now
        try await daemon.connect { client in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            try await client.send(batchLines(id, responseLines(3)))
            #expect(try await client.readReply().code == 354)
            #expect(try await client.readReply().code == 250)
        }
        #expect(ContinuousClock.now - start < limit)
    }

    @Test func overlongLinesGarbageAndInvalidUTF8() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        try await daemon.connect { client in
            // 1 MB without a newline, then one: a single "line too long" reply.
            for _ in 0..<16 { try await client.sendRaw(Array(repeating: UInt8(ascii: "A"), count: 65_536)) }
            try await client.sendRaw(Array("\r\n".utf8))
            #expect(try await client.readReply() == .lineTooLong(limit: 1024))
            try await client.sendRaw([0x41, 0xC3, 0x28, 0x0A])
            #expect(try await client.readReply() == .invalidUTF8(offset: 1))
            var generator = SeededGenerator.forTest()
            var garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }.filter { $0 != 0x0A }
            garbage.append(0x0A)
            try await client.sendRaw(garbage)
            let reply = try await client.readReply()
            #expect(reply.code == 500)
            #expect(try await client.command("PING") == .pong)
        }
        try await goodClientIsServed(daemon, collaborator, id: "after-garbage")
    }

    @Test func twentyWrongTokensDoNotDelayAGoodClient() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        let port = daemon.port
        // 20 wrong tokens over 7 connections (3 allowed per connection), all at once.
        let attackers = Task {
            try await withThrowingTaskGroup(of: [Reply].self) { group in
                for connection in 0..<7 {
                    let attempts = connection == 6 ? 2 : 3
                    group.addTask {
                        try await ProtocolClient.withConnection(host: "127.0.0.1", port: port) { client in
                            try await client.send((0..<attempts).map { _ in "AUTH \(collaborator.id) wrong-token" })
                            var replies: [Reply] = []
                            for _ in 0..<attempts { replies.append(try await client.readReply()) }
                            return replies
                        }
                    }
                }
                return try await group.reduce(into: [[Reply]]()) { $0.append($1) }
            }
        }
        // Once the attack is under way (its first failures logged)...
        #expect(await Wait.until { daemon.log().components(separatedBy: "authentication failed").count > 3 })
        // Queued behind the attackers' growing delays (0.1 s doubling to 2 s, 20 failures) it would
        // wait over 30 s; the bound leaves room for a machine loaded by the other tests.
        try await goodClientIsServed(daemon, collaborator, id: "during-attack", within: .seconds(15))
        let replies = try await attackers.value
        #expect(replies.flatMap { $0 }.count == 20)
        for connection in replies {
            #expect(connection.dropLast().allSatisfy { $0 == .authenticationFailed })
            if connection.count == 3 {
                #expect(connection[2].code == 421 && connection[2].status == "4.7.0")
                #expect(connection[2].lines == ["authentication failed", "too many failed authentications, closing"])
            }
        }
        // Repeated failures from one peer are rate-limited in the log: the first five are logged.
        #expect(daemon.log().components(separatedBy: "authentication failed").count - 1 == 5)
        try await goodClientIsServed(daemon, collaborator, id: "after-attack")
    }

    @Test func idleConnectionsAreClosed() async throws {
        let daemon = try Daemon(replacing: ["idle_timeout_seconds: 300": "idle_timeout_seconds: 1"])
        try await daemon.start()
        let start = ContinuousClock.now
        try await daemon.connect { (client) async throws -> Void in
            let reply = try await client.readReply()
            #expect(reply == .idleTimeout)
            #expect(ContinuousClock.now - start >= .milliseconds(900))
            await #expect(throws: ConnectionFailure.self) { try await client.readReply() }
        }
    }

    /// A connection that does not authenticate within the login grace time gets `421 4.4.2` and is
    /// closed, whether it is silent or keeps sending PING (which resets the idle timeout, not this
    /// deadline).
    @Test(.timeLimit(.minutes(1))) func theLoginGraceTimeClosesUnauthenticatedConnections() async throws {
        let daemon = try Daemon(replacing: ["login_grace_seconds: 20": "login_grace_seconds: 2"])
        try await daemon.start()
        let silent = try #require(RawConnection(from: "127.0.0.5", to: daemon.port, timeout: 10))
        let chatty = try #require(RawConnection(from: "127.0.0.6", to: daemon.port, timeout: 10))
        let start = ContinuousClock.now
        #expect(silent.readLine()?.hasPrefix("220") == true)
        #expect(chatty.readLine()?.hasPrefix("220") == true)
        var pongs = 0
        while ContinuousClock.now - start < .milliseconds(1500) {
            #expect(chatty.send(Array("PING\r\n".utf8)))
            if chatty.readLine() == "250 2.0.0 pong" { pongs += 1 }
            try await Task.sleep(for: .milliseconds(200))  // the pace of a chatty client, not a wait
        }
        #expect(pongs >= 5)
        let reply = "421 4.4.2 " + Reply.loginTimeout(seconds: 2).lines[0]
        #expect(silent.readLine() == reply)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(1900) && elapsed < .seconds(5), "closed after \(elapsed)")
        #expect(silent.readLine() == nil, "closed after the reply")
        var last: String?
        while let line = chatty.readLine() { last = line }
        #expect(last == reply)
        #expect(await daemon.stop() == 0)
    }

    @Test func connectionLimitsPerPeer() async throws {
        let daemon = try Daemon(replacing: ["max_connections_per_peer: 64": "max_connections_per_peer: 2"])
        try await daemon.start()
        try await daemon.connect { first in
            try await daemon.connect { second in
                try await daemon.connect { third in
                    #expect(third.greeting == .tooManyConnectionsFromPeer)
                }
                #expect(try await second.command("PING") == .pong)
            }
            #expect(try await first.command("PING") == .pong)
        }
    }
}
