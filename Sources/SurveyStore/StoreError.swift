import SurveyProtocol

/// An error from the store: what kind of failure, a message for people, the cause, and where.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in terms a caller can act on.
    public enum Code: String, Sendable, CaseIterable {
        /// The same batch id was already accepted with different content.
        case conflict
        /// The batch id belongs to a batch an administrator retracted: it does not count, and
        /// re-sending it does not bring it back.
        case retracted
        /// The collaborator has been revoked.
        case collaboratorRevoked
        /// No collaborator has this id.
        case unknownCollaborator
        /// A unit, topic, group or sentiment code is not in the (active) configuration. From
        /// ``SurveyStore/ingest(_:receivedAt:)``, ``StoreError/problems`` names the lines.
        case unknownCode
        /// The database was written by a newer surveyd.
        case schemaTooNew
        /// The database cannot be opened or migrated.
        case cannotOpen
        /// A temporary condition: database locked, disk full, read-only file, I/O error.
        case unavailable
        /// A record that was asked for does not exist.
        case notFound
        /// An invariant of the store broke; a bug.
        case internalError
    }

    public var code: Code
    public var message: String
    /// For ``Code/unknownCode`` from an ingest: the first ``maximumProblems`` bad lines, in order:
    /// each response's 1-based line within the batch, the field and the reason in the words of
    /// docs/PROTOCOL.md §6.3 (`unknown topic 'CDX'`), as the session reports them.
    public var problems: [LineError] = []
    /// For ``Code/unknownCode`` from an ingest: how many lines are bad in all.
    public var problemCount = 0
    /// Most problems listed in ``problems``.
    public static let maximumProblems = 100
    /// The batch already stored under the same id, for ``Code/conflict``.
    public var existing: BatchReceipt?
    /// Description of the underlying error, if any.
    public var cause: String?
    public var file: String
    public var line: Int

    public init(
        _ code: Code, _ message: String, existing: BatchReceipt? = nil, cause: (any Error)? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.existing = existing
        self.cause = cause.map { String(describing: $0) }
        self.file = file
        self.line = line
    }

    /// Whether retrying later may succeed.
    public var isTemporary: Bool { code == .unavailable }

    public var description: String {
        var text = "\(message)"
        if let cause { text += " (\(cause))" }
        return text
    }
}
