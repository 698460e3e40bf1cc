import SurveyModel

/// Who gets a place among the open connections: the counting and the choices, as a value with no
/// locks and no I/O (``PeerRegistry`` holds one under a lock), so that every rule is tested table
/// by table with a seeded random source.
///
/// Two pools. Authenticated connections (collaborators' sessions) have `maxAuthenticated` places.
/// Connections that have not authenticated yet, TLS handshake included, have `maxUnauthenticated`
/// places of their own, so that a crowd that never authenticates can never take a collaborator's
/// place, and each holds its place for at most the login grace time (enforced by the server).
/// Within the waiting pool:
///
/// - **Early drop** (OpenSSH's `MaxStartups start:rate:full`): from `earlyDropStart` waiting
///   connections on, a new one from an address that already has one waiting is refused with a
///   probability of `earlyDropPercent`, rising linearly to 100 % at `maxUnauthenticated`. The first
///   connection from an address is never dropped early.
/// - **Full pool**: a new connection displaces the oldest waiting connection of the address that
///   holds the most waiting places (ties: the one whose oldest connection is oldest), unless its own
///   address holds as many, in which case it is refused. So a collaborator connecting from an address
///   that holds fewer waiting places than some other address always gets in, however many
///   connections a crowd keeps open and however fast it reconnects. (OpenSSH refuses at random
///   instead; a crowd reconnecting fast would then win most places, and a collaborator would need
///   luck and retries.)
///
/// `maxPerPeer` bounds one address's connections in both pools together.
struct ConnectionAdmission: Sendable {
    struct Limits: Sendable, Equatable {
        var maxAuthenticated: Int
        var maxUnauthenticated: Int
        var maxPerPeer: Int
        var earlyDropStart: Int
        var earlyDropPercent: Int

        init(maxAuthenticated: Int, maxUnauthenticated: Int, maxPerPeer: Int, earlyDropStart: Int, earlyDropPercent: Int) {
            self.maxAuthenticated = maxAuthenticated
            self.maxUnauthenticated = maxUnauthenticated
            self.maxPerPeer = maxPerPeer
            self.earlyDropStart = earlyDropStart
            self.earlyDropPercent = earlyDropPercent
        }

        init(_ limits: ProtocolLimits) {
            self.init(
                maxAuthenticated: limits.maxConnections, maxUnauthenticated: limits.maxUnauthenticated,
                maxPerPeer: limits.maxConnectionsPerPeer, earlyDropStart: limits.earlyDropStart,
                earlyDropPercent: limits.earlyDropPercent
            )
        }
    }

    /// A connection's number: they are handed out in increasing order, so a smaller one is older.
    typealias ID = Int

    /// Why a connection is turned away (each has its `421` reply).
    enum Refusal: Equatable, Sendable {
        /// Every authenticated place is taken.
        case tooManyConnections
        /// The address has `maxPerPeer` connections.
        case tooManyFromPeer
        /// The waiting pool is full and the newcomer's address holds the most waiting places.
        case tooManyUnauthenticated
        /// Refused at random while the waiting pool fills (early drop).
        case earlyDrop
    }

    enum Decision: Equatable, Sendable {
        /// A place in the waiting pool; `displacing` (with its address) lost its place to make room
        /// and must be closed.
        case admitted(ID, displacing: (id: ID, peer: String)?)
        case refused(Refusal)

        static func == (lhs: Decision, rhs: Decision) -> Bool {
            switch (lhs, rhs) {
            case let (.admitted(a, x), .admitted(b, y)): a == b && x?.id == y?.id && x?.peer == y?.peer
            case let (.refused(a), .refused(b)): a == b
            default: false
            }
        }
    }

    private struct Place {
        var peer: String
        var authenticated: Bool
    }

    let limits: Limits
    private var nextID = 0
    private var places: [ID: Place] = [:]
    /// Connections per address, in both pools.
    private var perPeer: [String: Int] = [:]
    /// Waiting connections per address, oldest first.
    private var waiting: [String: [ID]] = [:]
    private(set) var authenticatedCount = 0
    private(set) var unauthenticatedCount = 0

    init(limits: Limits) {
        self.limits = limits
    }

    /// All open connections that hold a place.
    var count: Int { authenticatedCount + unauthenticatedCount }

    /// Waiting connections of `peer`.
    func waitingCount(of peer: String) -> Int { waiting[peer]?.count ?? 0 }

    /// Decides on a new connection from `peer`; `random` decides early drops.
    mutating func admit(_ peer: String, random: inout some RandomNumberGenerator) -> Decision {
        if authenticatedCount >= limits.maxAuthenticated { return .refused(.tooManyConnections) }
        if perPeer[peer, default: 0] >= limits.maxPerPeer { return .refused(.tooManyFromPeer) }
        let waitingHere = waitingCount(of: peer)
        let start = limits.earlyDropStart, full = limits.maxUnauthenticated
        if waitingHere > 0, unauthenticatedCount >= start, unauthenticatedCount < full {
            // Refused with probability rate + (100 − rate) × (n − start) / (full − start), in percent.
            let span = full - start
            let threshold = limits.earlyDropPercent * span + (100 - limits.earlyDropPercent) * (unauthenticatedCount - start)
            if Int.random(in: 0..<(100 * span), using: &random) < threshold { return .refused(.earlyDrop) }
        }
        var displaced: (id: ID, peer: String)?
        if unauthenticatedCount >= full {
            guard let heaviest = heaviestWaitingPeer(), waitingHere < heaviest.count, let oldest = waiting[heaviest.peer]?.first else {
                return .refused(.tooManyUnauthenticated)
            }
            release(oldest)
            displaced = (oldest, heaviest.peer)
        }
        nextID += 1
        places[nextID] = Place(peer: peer, authenticated: false)
        perPeer[peer, default: 0] += 1
        waiting[peer, default: []].append(nextID)
        unauthenticatedCount += 1
        return .admitted(nextID, displacing: displaced)
    }

    /// Moves a connection that authenticated into the authenticated pool; false when it has no
    /// place any more (displaced) or every authenticated place is taken (the connection must close).
    mutating func authenticate(_ id: ID) -> Bool {
        guard let place = places[id], !place.authenticated, authenticatedCount < limits.maxAuthenticated else {
            return places[id]?.authenticated ?? false
        }
        removeWaiting(id, of: place.peer)
        places[id]?.authenticated = true
        authenticatedCount += 1
        return true
    }

    /// Frees a connection's place (when it closes; nothing if it was displaced).
    mutating func release(_ id: ID) {
        guard let place = places.removeValue(forKey: id) else { return }
        if place.authenticated {
            authenticatedCount -= 1
        } else {
            removeWaiting(id, of: place.peer)
        }
        let remaining = perPeer[place.peer, default: 1] - 1
        perPeer[place.peer] = remaining > 0 ? remaining : nil
    }

    private mutating func removeWaiting(_ id: ID, of peer: String) {
        guard var ids = waiting[peer], let index = ids.firstIndex(of: id) else { return }
        ids.remove(at: index)
        waiting[peer] = ids.isEmpty ? nil : ids
        unauthenticatedCount -= 1
    }

    /// The address holding the most waiting places; among equals, the one whose oldest waiting
    /// connection is oldest.
    private func heaviestWaitingPeer() -> (peer: String, count: Int)? {
        var best: (peer: String, count: Int, oldest: ID)?
        for (peer, ids) in waiting {
            guard let oldest = ids.first else { continue }
            if let current = best, ids.count < current.count || (ids.count == current.count && oldest > current.oldest) { continue }
            best = (peer, ids.count, oldest)
        }
        return best.map { ($0.peer, $0.count) }
    }
}
