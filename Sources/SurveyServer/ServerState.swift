import Foundation
import SurveyModel
import SurveyProtocol
import Synchronization

/// The session context in force; replaced when the configuration is reloaded. Sessions take it
/// between batches (an open batch keeps the one its BATCH found).
public final class SessionContextHolder: Sendable {
    private let value: Mutex<SessionContext>

    init(_ context: SessionContext) {
        value = Mutex(context)
    }

    public var current: SessionContext { value.withLock { $0 } }

    public func replace(_ context: SessionContext) {
        value.withLock { $0 = context }
    }
}

/// Batches accepted today (in the provincial time zone), for the service status line.
public final class ServerCounters: Sendable {
    private struct State {
        var day: LocalDate
        var acceptedToday = 0
        var acceptedTotal = 0
    }

    private let state: Mutex<State>
    private let timeZone: TimeZone

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        state = Mutex(State(day: LocalDate(instant: Date(), in: timeZone)))
    }

    func batchAccepted() {
        let today = LocalDate(instant: Date(), in: timeZone)
        state.withLock { state in
            if state.day != today {
                state.day = today
                state.acceptedToday = 0
            }
            state.acceptedToday += 1
            state.acceptedTotal += 1
        }
    }

    /// Batches accepted since midnight, provincial time (by this process).
    public var acceptedToday: Int {
        let today = LocalDate(instant: Date(), in: timeZone)
        return state.withLock { $0.day == today ? $0.acceptedToday : 0 }
    }
}

/// Episodes of database failure (locked, disk full, read-only, I/O error): the first failure of an
/// episode is logged as an error, the rest at debug level, and the first success after it as a
/// notice with the episode's length and failure count, so an operator gets one alert per episode.
public final class DatabaseHealth: Sendable {
    public struct Episode: Sendable, Equatable {
        public var failures: Int
        public var duration: Duration
    }

    private struct State {
        var failingSince: ContinuousClock.Instant?
        var failures = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Records a failure; true when it starts an episode (log it as an error).
    public func failed() -> Bool {
        state.withLock { state in
            state.failures += 1
            guard state.failingSince == nil else { return false }
            state.failingSince = .now
            return true
        }
    }

    /// Records a success; the episode it ends, if any (log it as a recovery).
    public func succeeded() -> Episode? {
        state.withLock { state in
            guard let since = state.failingSince else { return nil }
            defer { state = State() }
            return Episode(failures: state.failures, duration: .now - since)
        }
    }

    /// Whether the database is failing now (for the status line).
    public var isFailing: Bool { state.withLock { $0.failingSince != nil } }
}
