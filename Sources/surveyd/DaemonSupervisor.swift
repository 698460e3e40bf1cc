import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SurveyConfig
import SurveyModel
import SurveyProtocol
import SurveyPublisher
import SurveyServer
import SurveyStore
import Synchronization
import SystemdSupport
import UnixSignals

/// The daemon's conversation with its service manager: the watchdog (pinged only while the event
/// loops and the database writer prove alive), the one-line status, reload on SIGHUP, and
/// STOPPING=1 on shutdown. Without systemd the notifications are no-ops; reload works anyway.
final class DaemonSupervisor: Service, Sendable {
    let notifier = SystemdNotifier()
    let server: CollaboratorServer
    let publisher: PublisherService
    let store: SurveyStore
    let logger: Logger
    let reload: @Sendable () throws -> Configuration
    /// SIGHUP, trapped before the server says READY=1, so that a reload asked for right after
    /// readiness is never lost (nor, worse, kills the daemon by the signal's default action).
    let reloadSignals: UnixSignalsSequence
    let group: any EventLoopGroup
    private let provenAt = Mutex<ContinuousClock.Instant>(.now)
    private let probing = Mutex(false)

    init(
        server: CollaboratorServer, publisher: PublisherService, store: SurveyStore, logger: Logger,
        group: any EventLoopGroup, reloadSignals: UnixSignalsSequence, reload: @escaping @Sendable () throws -> Configuration
    ) {
        self.reloadSignals = reloadSignals
        self.server = server
        self.publisher = publisher
        self.store = store
        self.logger = logger
        self.group = group
        self.reload = reload
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { tasks in
                tasks.addTask { await self.reloadOnSignal() }
                tasks.addTask { await self.keepStatus() }
                if let interval = notifier.watchdogInterval {
                    tasks.addTask { await self.feedWatchdog(every: interval / 2) }
                }
                // Until the service group shuts down.
                try? await gracefulShutdown()
                tasks.cancelAll()
            }
        } onGracefulShutdown: {
            self.logger.notice("shutting down")
            self.notifier.stopping()
        }
    }

    /// The status line: connections, batches accepted today, last publication.
    func statusLine() -> String {
        var parts = ["\(server.connectionCount) connections", "\(server.counters.acceptedToday) batches accepted today"]
        if let last = publisher.lastPublication {
            let time = last.at.formatted(.iso8601.time(includingFractionalSeconds: false).timeZone(separator: .omitted))
            parts.append(last.succeeded ? "last publish \(time) (\(last.written) periods written)" : "last publish FAILED at \(time)")
        } else {
            parts.append("not published yet")
        }
        return parts.joined(separator: ", ")
    }

    func keepStatus() async {
        var sent = ""
        while !Task.isCancelled {
            let line = statusLine()
            if line != sent {
                notifier.status(line)
                sent = line
            }
            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
        }
    }

    /// Pings the watchdog only while a fresh probe of every event loop and of the database writer
    /// has completed since the last ping; a stuck writer or loop lets systemd restart us.
    func feedWatchdog(every period: Duration) async {
        var warned = false
        while !Task.isCancelled {
            startProbeIfIdle()
            guard (try? await Task.sleep(for: period)) != nil else { return }
            let fresh = ContinuousClock.now - provenAt.withLock { $0 } <= period + .milliseconds(500)
            if fresh {
                notifier.watchdog()
                warned = false
            } else if !warned {
                logger.error("watchdog probe failed", metadata: ["since_ms": "\((ContinuousClock.now - provenAt.withLock { $0 }).wholeMilliseconds)"])
                warned = true
            }
        }
    }

    private func startProbeIfIdle() {
        let start = probing.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard start else { return }
        Task {
            defer { probing.withLock { $0 = false } }
            do {
                for loop in group.makeIterator() {
                    try await loop.submit {}.get()
                }
                try await store.probeWriters()
                provenAt.withLock { $0 = .now }
            } catch {
                // Not proven alive: the next ping is withheld.
            }
        }
    }

    func reloadOnSignal() async {
        for await _ in reloadSignals {
            await reloadNow()
        }
    }

    /// RELOADING=1, re-read the configuration (a bad one is logged and the old one kept),
    /// synchronise reference data, republish, READY=1.
    func reloadNow() async {
        notifier.reloading()
        let configuration: Configuration
        do {
            configuration = try reload()
            // A renewed certificate applies to new connections (listeners stay as started).
            if let tls = configuration.tls, let holder = server.settings.tls {
                try holder.reload(certificatePath: tls.certificatePath, keyPath: tls.keyPath)
            }
            try store.adopt(configuration)
        } catch {
            logger.error("configuration reload failed", metadata: ["error": "\(error)"])
            await publisher.publishOnce(.reload)
            notifier.ready(status: statusLine())
            return
        }
        server.context.replace(SessionContext(configuration, limits: server.context.current.limits))
        publisher.update(Publisher(configuration: configuration, store: store, logger: logger).announcingRounds(in: configuration.timeZone))
        do {
            try store.recordAudit(
                .configurationReloaded, actor: AuditActor.daemon,
                details: "\(configuration.catalog.units.count) units, \(configuration.catalog.topics.count) topics"
            )
        } catch {
            logger.error("database unavailable", metadata: ["error": "\(error)", "during": "audit of the reload"])
        }
        logger.notice("configuration reloaded", metadata: [
            "units": "\(configuration.catalog.units.count)", "topics": "\(configuration.catalog.topics.count)",
        ])
        await publisher.publishOnce(.reload)
        notifier.ready(status: statusLine())
    }
}
