import Foundation
import SurveyModel
import SurveyProtocol
import Synchronization

/// The session context that new connections use; replaced when the configuration is reloaded
/// (open connections keep the one they started with).
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
