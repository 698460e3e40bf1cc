import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs the publisher as a service: at start, every interval, and on SIGHUP. Publishing never
/// stops the daemon: a failure is logged and the previous files stay in place.
public final class PublisherService: Service, Sendable {
    public enum Reason: String, Sendable {
        case start, schedule, signal
    }

    let publisher: Publisher
    let interval: Duration
    let logger: Logger
    private let triggers: AsyncStream<Reason>
    private let continuation: AsyncStream<Reason>.Continuation

    public init(publisher: Publisher, interval: Duration, logger: Logger) {
        self.publisher = publisher
        self.interval = interval
        self.logger = logger
        (triggers, continuation) = AsyncStream.makeStream(of: Reason.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a publication as soon as the current one (if any) is done.
    public func trigger(_ reason: Reason) {
        continuation.yield(reason)
    }

    public func run() async throws {
        let continuation = self.continuation
        let interval = self.interval
        continuation.yield(.start)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: interval)) != nil { continuation.yield(.schedule) }
                }
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) { continuation.yield(.signal) }
                }
                for await reason in triggers {
                    publishOnce(reason)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    /// One publication, logged.
    public func publishOnce(_ reason: Reason) {
        let start = ContinuousClock.now
        do {
            let report = try publisher.publish()
            let elapsed = ContinuousClock.now - start
            logger.info("publish done", metadata: [
                "reason": "\(reason.rawValue)", "periods_written": "\(report.written.count)", "periods_unchanged": "\(report.unchanged)",
                "duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ])
        } catch {
            logger.error("publish failed", metadata: ["reason": "\(reason.rawValue)", "error": "\(error)"])
        }
    }
}
