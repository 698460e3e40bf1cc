import SurveyProtocol

/// What a connection's loop receives from its channel pipeline.
enum InboundEvent: Sendable {
    /// The lines completed by one read, in order (never empty).
    case framed([FramedLine])
    /// No complete line for the idle timeout.
    case idleTimeout
    /// The server is shutting down.
    case drain
    /// The login grace time is over (ignored once authenticated).
    case loginTimeout
    /// A newer connection took this one's place among those waiting to authenticate (ignored once
    /// authenticated).
    case displaced
}

/// Asks a connection to finish: sent through its pipeline by the server on graceful shutdown.
struct DrainRequest: Sendable {}

/// Tells a connection waiting to authenticate that it lost its place (see ``ConnectionAdmission``).
struct DisplaceRequest: Sendable {}
