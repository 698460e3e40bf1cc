import Foundation
import SurveyModel
import SurveyStore

/// What the connection loop needs from storage: check credentials, check that a collaborator is
/// still active, and store a batch. ``SurveyStore`` is the real one; the in-process tests of the
/// loop use a fake, so that pipelining, draining, revocation and deadlines are tested without a
/// database or sockets.
public protocol BatchStore: Sendable {
    /// Checks a collaborator's id and token.
    func authenticate(id: Int64, token: String) async throws(StoreError) -> AuthenticationResult
    /// Whether the collaborator exists and is not revoked (before each command of a session).
    func isActive(collaboratorID: Int64) throws(StoreError) -> Bool
    /// Stores a validated batch durably, or nothing; see ``SurveyStore/ingest(_:receivedAt:)``.
    func ingest(_ submission: BatchSubmission, receivedAt: Date) async throws(StoreError) -> IngestOutcome
}

extension SurveyStore: BatchStore {}
