import Foundation
import Logging
import SurveyModel
import ServiceLifecycle
import Synchronization

/// Runs the publisher as a service: at start, every interval, and when asked (SIGHUP is handled
/// by the daemon, which reloads the configuration first). Publishing never stops the daemon: a
/// failure is logged and the previous files stay in place. Publications never overlap.
public final class PublisherService: Service, Sendable {
    public enum Reason: String, Sendable {
        case start, schedule, reload
    }

    /// The last publication, for the status line.
    public struct LastPublication: Sendable {
        public var at: Date
        public var written: Int
        public var succeeded: Bool
    }

    private let publisher: Mutex<Publisher>
    private let interval: Duration
    let logger: Logger
    /// Publications run here, one at a time, off the cooperative thread pool (they block on
    /// SQLite and the disk).
    private let queue = DispatchQueue(label: "surveyd.publisher")
    private let last = Mutex<LastPublication?>(nil)
    private let triggers: AsyncStream<Reason>
    private let continuation: AsyncStream<Reason>.Continuation

    public init(publisher: Publisher, interval: Duration, logger: Logger) {
        self.publisher = Mutex(publisher)
        self.interval = interval
        self.logger = logger
        (triggers, continuation) = AsyncStream.makeStream(of: Reason.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Replaces the publisher (after a configuration reload).
    public func update(_ publisher: Publisher) {
        self.publisher.withLock { $0 = publisher }
    }

    /// The last publication, if any.
    public var lastPublication: LastPublication? { last.withLock { $0 } }

    public func run() async throws {
        let continuation = self.continuation
        let interval = self.interval
        continuation.yield(.start)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: interval)) != nil { continuation.yield(.schedule) }
                }
                for await reason in triggers {
                    await publishOnce(reason)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    /// One publication, now, logged; after one already running has finished.
    @discardableResult
    public func publishOnce(_ reason: Reason) async -> Bool {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.publishSynchronously(reason))
            }
        }
    }

    private func publishSynchronously(_ reason: Reason) -> Bool {
        let publisher = self.publisher.withLock { $0 }
        let start = ContinuousClock.now
        do {
            let report = try publisher.publish()
            let elapsed = ContinuousClock.now - start
            last.withLock { $0 = LastPublication(at: Date(), written: report.written.count, succeeded: true) }
            logger.info("publish done", metadata: [
                "reason": "\(reason.rawValue)", "periods_written": "\(report.written.count)", "periods_unchanged": "\(report.unchanged)",
                "duration_ms": "\(elapsed.wholeMilliseconds)", "read_ms": "\(report.readTime.wholeMilliseconds)",
                "render_ms": "\(report.renderTime.wholeMilliseconds)", "flush_ms": "\(report.flushTime.wholeMilliseconds)",
                "rounds": "\(report.rounds.count)", "rounds_ms": "\(report.roundTime.wholeMilliseconds)",
                "alerts_ms": "\(report.alertsTime.wholeMilliseconds)", "protection_ms": "\(report.protectionTime.wholeMilliseconds)",
                "withheld_small": "\(report.withheld.primary)", "withheld_protecting": "\(report.withheld.complementary)",
                "fallbacks": "\(report.withheld.fallbacks)", "periods_released": "\(report.released.count)", "periods_revised": "\(report.revised.count)",
                "late_spans_released": "\(report.lateReleased)", "held_added": "\(report.held.added)", "held_removed": "\(report.held.removed)",
                "periods_withdrawn": "\(report.withdrawn.count)",
            ])
            for event in report.roundEvents { log(event) }
            return true
        } catch {
            last.withLock { $0 = LastPublication(at: Date(), written: 0, succeeded: false) }
            logger.error("publish failed", metadata: ["reason": "\(reason.rawValue)", "error": "\(error)"])
            return false
        }
    }
}
