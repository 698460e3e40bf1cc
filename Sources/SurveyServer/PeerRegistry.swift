import Foundation
import Synchronization

/// Connection places (see ``ConnectionAdmission``) and failed authentications per peer address,
/// shared by all connections.
final class PeerRegistry: Sendable {
    private struct State {
        var admission: ConnectionAdmission
        var failures: [String: [ContinuousClock.Instant]] = [:]
        var failureTotals: [String: Int] = [:]
        var lastRefusalLog: [String: ContinuousClock.Instant] = [:]
        var lockedOut: Set<String> = []
    }

    private let state: Mutex<State>
    let limits: ConnectionAdmission.Limits
    let failureWindow: Duration
    let maxFailuresPerPeer: Int
    let lockoutFailures: Int

    init(limits: ConnectionAdmission.Limits, maxFailuresPerPeer: Int, lockoutFailures: Int = .max, failureWindow: Duration) {
        self.limits = limits
        state = Mutex(State(admission: ConnectionAdmission(limits: limits)))
        self.lockoutFailures = lockoutFailures
        self.maxFailuresPerPeer = maxFailuresPerPeer
        self.failureWindow = failureWindow
    }

    /// Gives a new connection from `peer` a place among those waiting to authenticate, or says why
    /// not; the early-drop draw uses the system's random source.
    func admit(_ peer: String) -> ConnectionAdmission.Decision {
        var random = SystemRandomNumberGenerator()
        return state.withLock { $0.admission.admit(peer, random: &random) }
    }

    /// Moves an authenticated connection to the authenticated pool; false if it must close (it was
    /// displaced, or every authenticated place is taken).
    func authenticated(_ id: ConnectionAdmission.ID) -> Bool {
        state.withLock { $0.admission.authenticate(id) }
    }

    /// Frees a connection's place when it closes.
    func release(_ id: ConnectionAdmission.ID) {
        state.withLock { $0.admission.release(id) }
    }

    /// Open connections holding a place, and of them those not yet authenticated.
    var connectionCounts: (total: Int, unauthenticated: Int) {
        state.withLock { ($0.admission.count, $0.admission.unauthenticatedCount) }
    }

    /// Open connections holding a place.
    var connectionCount: Int { state.withLock { $0.admission.count } }

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
