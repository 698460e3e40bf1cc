import Foundation
import SurveyProtocol
import Testing

@Suite struct BackpressureTests {
    /// Resident memory of a process in kB, from /proc.
    func residentKilobytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    @Test func aClientThatNeverReadsIsNotReadFromEither() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["KDN"])[0]
        try await daemon.start()
        let pid = try #require(daemon.process).processIdentifier
        let before = try residentKilobytes(pid)

        // A raw non-blocking socket that sends PINGs and never reads the replies.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(daemon.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let chunk = Array(String(repeating: "PING\r\n", count: 10_000).utf8)
        var sent = 0
        var stalledSince: Date?
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let written = chunk.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                sent += written
                stalledSince = nil
            } else {
                // Blocked: the server stopped reading. Give it a second to be sure it stays so.
                if let since = stalledSince, Date().timeIntervalSince(since) > 1 { break }
                if stalledSince == nil { stalledSince = Date() }
                usleep(20_000)  // a blocked writer's retry pace, not a wait for an event
            }
        }
        // Without backpressure the server would keep reading (and buffering replies) for 20 s.
        #expect(stalledSince != nil, "the server kept reading from a client that reads nothing")
        print("backpressure: server stopped reading after \(sent) bytes")
        #expect(sent < 64 * 1024 * 1024, "sent \(sent) bytes")
        let after = try residentKilobytes(pid)
        #expect(after - before < 100_000, "resident memory grew by \(after - before) kB")

        // Meanwhile a good client is served at once.
        let start = ContinuousClock.now
        try await daemon.connect { client in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            try await client.send(batchLines("while-stalled", responseLines(3)))
            #expect(try await client.readReply().code == 354)
            #expect(try await client.readReply().code == 250)
        }
        // "At once": well under the delays a misbehaving client causes, with margin for a loaded CI machine.
        #expect(ContinuousClock.now - start < .seconds(5))
        // Ctrl-C stops the daemon cleanly even with the stalled client connected.
        #expect(await daemon.stop(signal: SIGINT) == 0)
    }
}
