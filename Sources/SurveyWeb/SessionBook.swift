import Foundation

/// Who a web session belongs to.
public enum Principal: Sendable, Equatable {
    /// An administrator's account; `generation` is the account's at sign-in: a new password or the
    /// account's removal changes it, which ends the session.
    case administrator(name: String, scope: Scope, generation: Int64)
    /// A collaborator, signed in with their id and token (kept in memory only, to send their
    /// uploads as they would with `surveyctl submit`).
    case collaborator(id: Int64, unit: String, token: String)
}

/// A signed-in browser.
public struct WebSession: Sendable, Equatable {
    /// The cookie's value: 32 random bytes, hex.
    public var token: String
    /// The value every form of this session must carry back.
    public var csrf: String
    public var principal: Principal
    public var created: Date
    public var lastSeen: Date
}

/// The web service's sessions, in memory (a restart signs everyone out). A session ends after
/// ``idleLimit`` without a request, ``absoluteLimit`` after sign-in, at sign-out, or when its
/// account or collaborator is removed or changed. Pure: the caller passes the time.
public struct SessionBook: Sendable {
    /// A session unused this long ends.
    public var idleLimit: TimeInterval
    /// A session ends this long after sign-in, used or not.
    public var absoluteLimit: TimeInterval
    /// At most this many sessions; the least recently used ends first beyond it.
    public var capacity: Int
    private var sessions: [String: WebSession] = [:]

    public init(idleLimit: TimeInterval = 30 * 60, absoluteLimit: TimeInterval = 8 * 3600, capacity: Int = 10_000) {
        self.idleLimit = idleLimit
        self.absoluteLimit = absoluteLimit
        self.capacity = max(capacity, 1)
    }

    public var count: Int { sessions.count }

    /// Opens a session for `principal`; `random` makes the token and the CSRF value.
    public mutating func open(_ principal: Principal, now: Date, random: inout some RandomNumberGenerator) -> WebSession {
        if sessions.count >= capacity {
            purge(now: now)
            while sessions.count >= capacity, let oldest = sessions.values.min(by: { $0.lastSeen < $1.lastSeen }) {
                sessions[oldest.token] = nil
            }
        }
        let session = WebSession(
            token: SessionBook.randomHex(&random), csrf: SessionBook.randomHex(&random), principal: principal, created: now, lastSeen: now
        )
        sessions[session.token] = session
        return session
    }

    /// The live session with this token, its last use set to `now`; nil (and the session gone)
    /// once it has expired.
    public mutating func use(_ token: String, now: Date) -> WebSession? {
        guard var session = sessions[token] else { return nil }
        guard isLive(session, now: now) else {
            sessions[token] = nil
            return nil
        }
        session.lastSeen = now
        sessions[token] = session
        return session
    }

    /// Whether `session` is within both limits at `now`.
    public func isLive(_ session: WebSession, now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeen) < idleLimit && now.timeIntervalSince(session.created) < absoluteLimit
            && now >= session.created
    }

    /// Ends one session (sign-out).
    public mutating func close(_ token: String) {
        sessions[token] = nil
    }

    /// Ends every session whose principal matches (an account removed, a password changed).
    @discardableResult
    public mutating func close(where matches: (Principal) -> Bool) -> Int {
        let ending = sessions.values.filter { matches($0.principal) }.map(\.token)
        for token in ending { sessions[token] = nil }
        return ending.count
    }

    /// Forgets the sessions that have expired.
    public mutating func purge(now: Date) {
        sessions = sessions.filter { isLive($0.value, now: now) }
    }

    /// 32 random bytes as 64 hex digits.
    public static func randomHex(_ random: inout some RandomNumberGenerator) -> String {
        var text = ""
        text.reserveCapacity(64)
        for _ in 0..<4 {
            let word = random.next() as UInt64
            text += String(word, radix: 16).leftPadded(to: 16)
        }
        return text
    }

    /// Compares two secrets in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
