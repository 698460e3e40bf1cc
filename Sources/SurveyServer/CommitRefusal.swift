import SurveyProtocol
import SurveyStore

/// How the server answers a COMMIT that the store refused. Either an answer about the batch or the
/// collaborator (the store worked: permanent replies, no database alarm), or a failure of the
/// storage itself (`451`, counted in a database failure episode, which logs one error).
///
/// The mapping is a `switch` over every ``StoreError/Code`` with no `default`, so a new code does
/// not compile until it is given its reply.
enum CommitRefusal: Equatable {
    /// The store worked and refused this batch: reply with the outcome.
    case answered(CollaboratorSession.CommitOutcome)
    /// The storage failed: `451`, and a database failure episode.
    case storageFailure

    init(_ error: StoreError) {
        switch error.code {
        case .conflict:
            self = .answered(.conflict(responses: error.existing?.responseCount ?? 0, receivedAt: error.existing?.receivedAt ?? "?"))
        case .retracted:
            self = .answered(.retracted(receivedAt: error.existing?.receivedAt ?? "?"))
        case .collaboratorRevoked, .unknownCollaborator:
            self = .answered(.revoked)
        case .unknownCode:
            // A reload dropped a code the batch uses: a content problem, named line by line.
            guard !error.problems.isEmpty else {
                // Never thrown by an ingest without its lines; if it were, it is not the client's
                // to fix.
                self = .storageFailure
                return
            }
                        self = .answered(.rejected(BatchErrors(listing: error.problems, total: error.problemCount)))
        case .unavailable, .internalError, .cannotOpen, .schemaTooNew, .notFound:
            self = .storageFailure
        }
    }
}
