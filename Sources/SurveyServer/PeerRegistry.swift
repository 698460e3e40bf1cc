import Foundation
import Synchronization

/// Connection counts and failed authentications per peer address, shared by all connections.
final class PeerRegistry: Sendable {
    private struct State {
        var total = 0
        var perPeer: [String: Int] = [:]
        var failures: [String: [ContinuousClock.Instant]] = [:]
        var failureTotals: [String: Int] = [:]
        var lastRefusalLog: [String: ContinuousClock.Instant] = [:]
        var lockedOut: Set<String> = []
    }

    private let state = Mutex(State())
    let maxConnections: Int
    let maxConnectionsPerPeer: Int
    let failureWindow: Duration
    let maxFailuresPerPeer: Int
    let lockoutFailures: Int

    init(maxConnections: Int, maxConnectionsPerPeer: Int, maxFailuresPerPeer: Int, lockoutFailures: Int = .max, failureWindow: Duration) {
        self.lockoutFailures = lockoutFailures
        self.maxConnections = maxConnections
        self.maxConnectionsPerPeer = maxConnectionsPerPeer
        self.maxFailuresPerPeer = maxFailuresPerPeer
        self.failureWindow = failureWindow
    }

    enum Admission: Equatable {
        case admitted
        case tooManyConnections
        case tooManyFromPeer
    }

    /// Counts a new connection in, or says why it must be turned away.
    func admit(_ peer: String) -> Admission {
        state.withLock { state in
            if state.total >= maxConnections { return .tooManyConnections }
            if state.perPeer[peer, default: 0] >= maxConnectionsPerPeer { return .tooManyFromPeer }
            state.total += 1
            state.perPeer[peer, default: 0] += 1
            return .admitted
        }
    }

    /// Whether to log a refused connection from `peer`: at most one entry per peer every ten
    /// seconds, so a flood of connections cannot flood the journal.
    func shouldLogRefusal(_ peer: String, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            if let last = state.lastRefusalLog[peer], now - last < .seconds(10) { return false }
            if state.lastRefusalLog.count > 10_000 { state.lastRefusalLog.removeAll() }
            state.lastRefusalLog[peer] = now
            return true
        }
    }

    /// Counts a connection out.
    func release(_ peer: String) {
        state.withLock { state in
            state.total -= 1
            let remaining = state.perPeer[peer, default: 1] - 1
            state.perPeer[peer] = remaining > 0 ? remaining : nil
        }
    }

    /// Open connections in total.
    var connectionCount: Int { state.withLock { $0.total } }

    /// Records a failed authentication and returns how long to wait before answering it: the delay
    /// doubles with each recent failure from the peer, from 100 ms up to 2 s (reached at the latest
    /// once the peer has `maxFailuresPerPeer` failures within the window). Successful
    /// authentications are never delayed, so collaborators sharing an office address with a
    /// misbehaving client are not locked out.
    ///
    /// `log` says whether to log this failure: the first five of a peer within the window are
    /// logged, then every 50th, so that a brute-forcing peer cannot flood the journal.
    func recordFailure(_ peer: String, now: ContinuousClock.Instant = .now) -> (delay: Duration, log: Bool, recent: Int) {
        state.withLock { state in
            var recent = state.failures[peer, default: []].filter { now - $0 < failureWindow }
            recent.append(now)
            let kept = max(64, min(lockoutFailures, 100_000))
            if recent.count > kept { recent.removeFirst(recent.count - kept) }
            state.failures[peer] = recent
            state.failureTotals[peer, default: 0] += 1
            let total = state.failureTotals[peer, default: 1]
            if state.failures.count > 10_000 {
                // Forget peers with no recent failure, so the tables stay bounded.
                state.failures = state.failures.filter { $0.value.contains { now - $0 < failureWindow } }
                state.failureTotals = state.failureTotals.filter { state.failures[$0.key] != nil }
            }
            if recent.count == 1 { state.failureTotals[peer] = 1 }
            let log = recent.count <= 5 || total % 50 == 0
            return (PeerRegistry.delay(afterFailures: recent.count, limit: maxFailuresPerPeer), log, recent.count)
        }
    }

    /// Whether `peer` is locked out: `lockoutFailures` failures within the window. `log` is true
    /// for the first refusal of a lock-out only, so it is logged once per episode.
    func lockout(_ peer: String, now: ContinuousClock.Instant = .now) -> (lockedOut: Bool, log: Bool) {
        state.withLock { state in
            let recent = state.failures[peer, default: []].filter { now - $0 < failureWindow }
            guard recent.count >= lockoutFailures else {
                state.lockedOut.remove(peer)
                return (false, false)
            }
            return (true, state.lockedOut.insert(peer).inserted)
        }
    }

    /// 100 ms × 2^(n−1), capped at 2 s, and 2 s from the `limit`-th failure on.
    static func delay(afterFailures count: Int, limit: Int) -> Duration {
        if count >= limit { return .seconds(2) }
        let exponent = min(max(count - 1, 0), 5)
        return min(.milliseconds(100 * (1 << exponent)), .seconds(2))
    }
}
