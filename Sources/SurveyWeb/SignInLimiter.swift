import Foundation

/// Failed sign-ins per client address: after ``maximumFailures`` within ``window`` the address is
/// refused until the oldest of them is ``window`` old. Accounts have their own lockout, kept in
/// the accounts file; this one stops one address trying many names or collaborator ids. Pure: the
/// caller passes the time.
public struct SignInLimiter: Sendable {
    public var maximumFailures: Int
    public var window: TimeInterval
    /// At most this many addresses remembered (the oldest forgotten first).
    public var capacity: Int
    private var failures: [String: [Date]] = [:]

    public init(maximumFailures: Int = 10, window: TimeInterval = 15 * 60, capacity: Int = 100_000) {
        self.maximumFailures = max(maximumFailures, 1)
        self.window = window
        self.capacity = max(capacity, 1)
    }

    /// Whether `address` may try now; if not, when it may again.
    public mutating func check(_ address: String, now: Date) -> (allowed: Bool, retryAfter: Date?) {
        let recent = (failures[address] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[address] = recent.isEmpty ? nil : recent
        guard recent.count >= maximumFailures, let oldest = recent.first else { return (true, nil) }
        return (false, oldest.addingTimeInterval(window))
    }

    /// Records a failed sign-in from `address`.
    public mutating func fail(_ address: String, now: Date) {
        if failures[address] == nil, failures.count >= capacity {
            let cutoff = now.addingTimeInterval(-window)
            failures = failures.filter { ($0.value.last ?? .distantPast) > cutoff }
            if failures.count >= capacity, let oldest = failures.min(by: { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) }) {
                failures[oldest.key] = nil
            }
        }
        failures[address, default: []].append(now)
        if let list = failures[address], list.count > maximumFailures { failures[address] = Array(list.suffix(maximumFailures)) }
    }

    /// Forgets an address's failures (after it signs in).
    public mutating func succeed(_ address: String) {
        failures[address] = nil
    }
}
