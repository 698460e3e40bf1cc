/// Limits that keep one bad client from hurting the others. Defaults are documented in
/// docs/PROTOCOL.md and in the example configuration.
public struct ProtocolLimits: Sendable, Hashable {
    /// Longest accepted line in bytes, excluding the line end.
    public var maxLineBytes: Int = 1024
    /// Most responses in one batch.
    public var maxBatchResponses: Int = 5000
    /// Most concurrent authenticated connections (collaborators' sessions). Connections that have
    /// not authenticated yet are counted apart (``maxUnauthenticated``), so they can never take
    /// the collaborators' places.
    public var maxConnections: Int = 512
    /// Most concurrent connections from one peer address.
    public var maxConnectionsPerPeer: Int = 64
    /// Seconds without a complete line before the server closes the connection.
    public var idleTimeoutSeconds: Int = 300
    /// Failed authentications on one connection before it is closed.
    public var maxAuthFailuresPerConnection: Int = 3
    /// Failed authentications from one peer address (within ``authFailureWindowSeconds``) after
    /// which every further attempt from it is delayed by a growing amount.
    public var maxAuthFailuresPerPeer: Int = 10
    /// Failed authentications from one peer address within the window after which the address is
    /// locked out: every AUTH from it is refused at once, whatever the token, until its failures
    /// age out of the window.
    public var authLockoutFailures: Int = 30
    /// Window over which failures per peer are counted.
    public var authFailureWindowSeconds: Int = 900
    /// Seconds from accepting a connection (TLS handshake included) to a successful AUTH, after
    /// which the server closes it (OpenSSH's `LoginGraceTime`).
    public var loginGraceSeconds: Int = 20
    /// Most concurrent connections that have not authenticated yet; when they are all taken, a
    /// new connection displaces the oldest one of the address holding the most (see
    /// docs/SECURITY.md), or is refused if its own address holds the most.
    public var maxUnauthenticated: Int = 128
    /// From this many unauthenticated connections on, a new one from an address that already has
    /// one waiting is refused at random (OpenSSH's `MaxStartups` start), with the probability of
    /// ``earlyDropPercent`` rising linearly to 100 % at ``maxUnauthenticated``. A first
    /// connection from an address is never dropped early. Equal to ``maxUnauthenticated``: no
    /// early drop. The configuration's default is half of ``maxUnauthenticated``.
    public var earlyDropStart: Int = 64
    /// The probability, in percent, of refusing such a connection at ``earlyDropStart``.
    public var earlyDropPercent: Int = 30
    /// Seconds the server waits on SIGTERM for batches in flight before closing connections.
    public var drainTimeoutSeconds: Int = 10

    public init() {}
}
