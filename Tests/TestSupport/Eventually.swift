import Foundation

/// Waiting for events in tests: the one place that polls. A test waits for what it needs (a log
/// line, a file, a row, a process's exit) with a deadline, never for a fixed time; on an idle
/// machine the wait ends as soon as the event happens, on a loaded one it lasts up to the deadline.
/// The default deadline is long (a minute): it costs nothing when the event comes, and the tests
/// share two cooperative threads with others that hold them for seconds (a synchronous
/// publication), which once kept a 15-second wait for a committed batch from seeing it in CI.
public enum Wait {
    /// How often a condition is checked again.
    public static let interval: Duration = .milliseconds(20)

    /// Waits until `condition` holds, for at most `timeout`; whether it held. The condition is
    /// checked once more at the deadline, so a slow check cannot lose an event.
    public static func until(
        within timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        try await value(within: timeout) { try await condition() ? true : nil } ?? false
    }

    /// Waits until `produce` gives a value, for at most `timeout`; the value, or nil at the deadline.
    public static func value<T>(
        within timeout: Duration = .seconds(60), _ produce: () async throws -> T?
    ) async rethrows -> T? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try await produce() { return value }
            if ContinuousClock.now >= deadline || Task.isCancelled { return nil }
            try? await Task.sleep(for: interval)
        }
    }

    /// Whether `condition` holds throughout `duration` (false as soon as it fails): for what must
    /// not happen, such as a reply before a flush, where no event says that it never will.
    public static func holds(
        throughout duration: Duration, _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end, !Task.isCancelled {
            if try await !condition() { return false }
            try? await Task.sleep(for: interval)
        }
        return try await condition()
    }

    /// ``until(within:_:)`` for a thread that cannot suspend.
    public static func blockingUntil(within timeout: Duration = .seconds(60), _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
    }
}
