import Foundation
import GRDB
import SurveyClient
import SurveyProtocol
import Synchronization
import Testing
import TestSupport

/// A unix datagram socket standing in for systemd's NOTIFY_SOCKET: collects what the daemon says.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let inbox = Inbox()
    private var reader: Thread?

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw DaemonError("cannot bind \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // The reader thread owns the descriptor and closes it itself once told to stop: closing it
        // from deinit let a later socket reuse the number while this thread still read from it,
        // and steal that test's notifications.
        let thread = Thread { [fd, inbox, stop] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !stop.isSet {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 {
                    inbox.append(String(decoding: buffer[0..<count], as: UTF8.self))
                } else if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                    break
                }
            }
            close(fd)
        }
        thread.start()
        reader = thread
    }

    private let stop = StopFlag()

    deinit { stop.set() }

    var received: [String] { inbox.all }

    /// Waits until a message satisfies `predicate`; returns its index.
    func waitFor(after index: Int = 0, seconds: Double = 60, _ predicate: (String) -> Bool) async throws -> Int {
        let found = await Wait.value(within: .seconds(seconds)) { () -> Int? in
            let all = received
            return all.indices.first { $0 >= index && predicate(all[$0]) }
        }
        guard let found else { throw DaemonError("no such notification; got: \(received)") }
        return found
    }
}

/// Messages shared between the reader thread and the test.
final class Inbox: Sendable {
    private let messages = Mutex<[String]>([])
    func append(_ message: String) { messages.withLock { $0.append(message) } }
    var all: [String] { messages.withLock { $0 } }
}

@Suite struct SystemdIntegrationTests {
    @Test func notificationsReadinessWatchdogStatusReloadStopping() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["PL"])[0]
        let notify = try NotifySocket(directory: daemon.directory)
        try await daemon.start(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        // READY=1 once the port accepts.
        let ready = try await notify.waitFor { $0.contains("READY=1") }
        try await daemon.connect { client in
            #expect(client.greeting?.code == 220)
        }
        // The watchdog is fed at half the interval: 3 pings within 2.2 s.
        let fed = await Wait.until(within: .milliseconds(2200)) { notify.received.filter { $0 == "WATCHDOG=1" }.count >= 3 }
        #expect(fed, "\(notify.received.filter { $0 == "WATCHDOG=1" }.count) pings in 2.2 s")
        // STATUS= follows a batch.
        try await daemon.connect { client in
            _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
            try await client.send(batchLines("s1", responseLines(3)))
            _ = try await client.readReply()
            #expect(try await client.readReply().code == 250)
        }
        _ = try await notify.waitFor(after: ready) { $0.hasPrefix("STATUS=") && $0.contains("1 batches accepted today") }
        // SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1.
        let pid = try #require(daemon.process).processIdentifier
        let before = notify.received.count
        kill(pid, SIGHUP)
        let reloading = try await notify.waitFor(after: before) { $0.hasPrefix("RELOADING=1") }
        #expect(notify.received[reloading].contains("MONOTONIC_USEC="))
        _ = try await notify.waitFor(after: reloading + 1) { $0.hasPrefix("READY=1") }
        #expect(daemon.log().contains("configuration reloaded"))
        // SIGTERM: STOPPING=1, exit 0.
        let beforeStop = notify.received.count
        #expect(await daemon.stop() == 0)
        _ = try await notify.waitFor(after: beforeStop) { $0 == "STOPPING=1" }
    }

    @Test func aWriterStuckOnALockStopsTheWatchdog() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["PL"])[0]
        let notify = try NotifySocket(directory: daemon.directory)
        try await daemon.start(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        _ = try await notify.waitFor { $0.contains("READY=1") }
        // Another process takes the write lock; the daemon's next commit waits on it (busy timeout).
        let lock = try await DatabaseWriteLock.take(daemon.databasePath)
        let reply = Task {
            try await daemon.connect { client in
                _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
                try await client.send(batchLines("locked", responseLines(2)))
                _ = try await client.readReply()
                return try await client.readReply()
            }
        }
        // Once the commit blocks on the lock, the first ping without a fresh probe is withheld and
        // logged; then no ping follows while the writer stays stuck.
        #expect(await Wait.until { daemon.log().contains("watchdog probe failed") })
        let during = notify.received.count
        let starved = await Wait.holds(throughout: .milliseconds(2000)) { !notify.received[during...].contains("WATCHDOG=1") }
        #expect(starved, "the watchdog was fed while the writer was stuck")
        // The batch gets a temporary failure; the lock goes away; pings resume.
        #expect(try await reply.value == .storageUnavailable)
        lock.release()
        let after = notify.received.count
        _ = try await notify.waitFor(after: after) { $0 == "WATCHDOG=1" }
    }

    @Test func aBadConfigurationOnReloadKeepsTheOldOne() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["PL"])[0]
        let notify = try NotifySocket(directory: daemon.directory)
        try await daemon.start(environment: ["NOTIFY_SOCKET": notify.path])
        _ = try await notify.waitFor { $0.contains("READY=1") }
        try "units: [\n".write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let before = notify.received.count
        kill(try #require(daemon.process).processIdentifier, SIGHUP)
        let reloading = try await notify.waitFor(after: before) { $0.hasPrefix("RELOADING=1") }
        _ = try await notify.waitFor(after: reloading) { $0.hasPrefix("READY=1") }
        #expect(daemon.log().contains("configuration reload failed"))
        // Still serving with the old catalogue.
        try await daemon.connect { client in
            _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
            try await client.send(batchLines("after-bad-reload", responseLines(2)))
            _ = try await client.readReply()
            #expect(try await client.readReply().code == 250)
        }
    }

    @Test func socketActivationServesOnThePassedSocket() async throws {
        let daemon = try Daemon()
        _ = try daemon.addCollaborators(units: [])
        let activatedPort = freePort()
        // systemd's own tool: listens, and on the first connection starts surveyd with the socket
        // as fd 3 (LISTEN_FDS=1, LISTEN_PID).
        let activator = try ChildProcess(
            "/usr/bin/systemd-socket-activate",
            ["-l", "127.0.0.1:\(activatedPort)", productsDirectory.appendingPathComponent("surveyd").path,
             "--config", daemon.configPath, "--state-dir", daemon.stateDirectory,
             "--listen", "127.0.0.1:\(daemon.port)", "--log-target", "stderr"],
            environment: ProcessInfo.processInfo.environment, stderr: daemon.logPath
        )
        // The activator execs surveyd in its own process: stopping it stops the daemon.
        defer { activator.signal(SIGTERM); activator.wait(timeout: 20) }  // a plain wait: defer cannot await
        let greeting = await Wait.value {
            try? await ProtocolClient.withConnection(host: "127.0.0.1", port: activatedPort, timeout: .seconds(20)) { $0.greeting }
        }
        #expect(greeting?.code == 220)
        #expect(daemon.log().contains("socket_activated=true"))
        // The configured address was not bound.
        await #expect(throws: ConnectionFailure.self) {
            try await ProtocolClient.withConnection(host: "127.0.0.1", port: daemon.port) { _ in }
        }
    }
}
