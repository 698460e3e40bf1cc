import Foundation
import SurveyClient
import SurveyProtocol
import Testing

/// A plain blocking TCP socket from a chosen loopback source address (so that a flood comes from
/// another peer than the good client), with a receive timeout.
final class RawConnection {
    let fd: Int32

    init?(from source: String, to port: Int, timeout: Int = 5) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = UInt16(port).bigEndian
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
        guard bound == 0, connected == 0 else {
            close(fd)
            return nil
        }
    }

    /// The next line (without CRLF), or nil at end of stream or timeout.
    func readLine() -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            if byte == 0x0A { return String(decoding: line.filter { $0 != 0x0D }, as: UTF8.self) }
            line.append(byte)
        }
        return nil
    }

    func send(_ bytes: [UInt8]) -> Bool {
        write(fd, bytes, bytes.count) == bytes.count
    }

    deinit { close(fd) }
}

/// Resident memory of a process in kB (`VmRSS` or `VmHWM`).
func memory(of pid: pid_t, _ field: String = "VmRSS") -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    return status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
        .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
}

@Suite(.serialized) struct FloodTests {
    /// 2,000 idle connections from one address: those over the per-address limit are refused with a
    /// reply, a good client from another address is served at once, and memory stays bounded.
    /// (The places for connections not yet authenticated are raised to hold them all; CrowdTests
    /// floods them at their defaults.)
    @Test(.timeLimit(.minutes(2))) func twoThousandIdleConnections() async throws {
        _ = raiseOpenFileLimit()
        let daemon = try Daemon(replacing: [
            "max_connections: 512": "max_connections: 3000", "max_connections_per_peer: 64": "max_connections_per_peer: 1500",
            "max_unauthenticated: 128": "max_unauthenticated: 1600", "early_drop_start: 64": "early_drop_start: 1600",
        ])
        let collaborator = try daemon.addCollaborators(units: ["DH"])[0]
        try await daemon.start()
        let pid = try #require(daemon.process).processIdentifier
        let idle = try #require(memory(of: pid))
        var flood: [RawConnection] = []
        for _ in 0..<2000 {
            flood.append(try #require(RawConnection(from: "127.0.0.2", to: daemon.port)))
        }
        var greeted = 0, refused = 0, silent = 0
        for connection in flood {
            guard let line = connection.readLine() else { silent += 1; continue }
            if line.hasPrefix("220") { greeted += 1 } else if line.hasPrefix("421 4.3.2") { refused += 1 }
        }
        #expect(greeted == 1500)
        #expect(refused == 500)
        #expect(silent == 0)

        let start = ContinuousClock.now
        try await daemon.connect { (client) async throws -> Void in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            try await client.send(batchLines("amid-flood", responseLines(3)))
            #expect(try await client.readReply().code == 354)
            #expect(try await client.readReply().code == 250)
        }
        #expect(ContinuousClock.now - start < .seconds(3))
        let held = try #require(memory(of: pid))
        #expect(held < 100_000, "resident memory with 1,500 open connections: \(held) kB")
        print("flood: 2,000 connections from one address, 1,500 held and 500 refused with a reply; surveyd resident memory \(idle / 1024) MB idle, \(held / 1024) MB holding them")
        flood.removeAll()
        #expect(await daemon.stop() == 0)
    }

    /// A client that sends one byte at a time and never finishes a line is cut at the idle timeout.
    @Test(.timeLimit(.minutes(1))) func slowlorisIsCutAtTheIdleTimeout() async throws {
        let daemon = try Daemon(replacing: ["idle_timeout_seconds: 300": "idle_timeout_seconds: 2"])
        let collaborator = try daemon.addCollaborators(units: ["DH"])[0]
        try await daemon.start()
        let slow = try #require(RawConnection(from: "127.0.0.3", to: daemon.port, timeout: 1))
        #expect(slow.readLine()?.hasPrefix("220") == true)
        let start = ContinuousClock.now
        var cut: String?
        while ContinuousClock.now - start < .seconds(10) {
            guard slow.send([UInt8(ascii: "A")]) else { break }
            if let line = slow.readLine() {
                cut = line
                break
            }
        }
        #expect(cut?.hasPrefix("421 4.4.2") == true, "\(cut ?? "no reply")")
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(1900) && elapsed < .seconds(5))
        try await daemon.connect { (client) async throws -> Void in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
        }
        #expect(await daemon.stop() == 0)
    }

    /// Token guessing from one address: growing delays, then a temporary lock-out of that address
    /// (even a good token is refused from it), logged once; other addresses are unaffected; no
    /// token, right or wrong, appears in the log.
    @Test(.timeLimit(.minutes(1))) func tokenGuessingLocksOutTheAddressOnly() async throws {
        let daemon = try Daemon(replacing: ["auth_lockout_failures: 30": "auth_lockout_failures: 4"])
        let collaborator = try daemon.addCollaborators(units: ["DH"])[0]
        try await daemon.start(extraArguments: ["--log-level", "debug"])
        func attempt(_ token: String) -> (reply: String?, elapsed: Duration) {
            guard let connection = RawConnection(from: "127.0.0.2", to: daemon.port) else { return (nil, .zero) }
            _ = connection.readLine()
            let start = ContinuousClock.now
            _ = connection.send(Array("AUTH \(collaborator.id) \(token)\r\n".utf8))
            return (connection.readLine(), ContinuousClock.now - start)
        }
        var delays: [Duration] = []
        for guess in 0..<4 {
            let (reply, elapsed) = attempt("guess-\(guess)-0123456789abcdef")
            #expect(reply?.hasPrefix("535 5.7.8") == true, "\(reply ?? "none")")
            delays.append(elapsed)
        }
        #expect(delays[3] >= .milliseconds(750) && delays[3] > delays[0], "delays grow: \(delays)")
        // Locked out: refused at once, even with the right token, three times, logged once.
        for _ in 0..<3 {
            let (reply, elapsed) = attempt(collaborator.token)
            #expect(reply?.hasPrefix("421 4.7.1") == true, "\(reply ?? "none")")
            #expect(elapsed < .milliseconds(500))
        }
        // Another address is served at once.
        let start = ContinuousClock.now
        try await daemon.connect { (client) async throws -> Void in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
        }
        #expect(ContinuousClock.now - start < .seconds(1))
        let log = daemon.log()
        #expect(log.components(separatedBy: "address locked out").count - 1 == 1)
        #expect(!log.contains(collaborator.token), "a token appeared in the log")
        #expect(!log.contains("0123456789abcdef"), "a guessed token appeared in the log")
        #expect(await daemon.stop() == 0)
    }
}
