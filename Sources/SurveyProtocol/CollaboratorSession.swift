import SurveyModel

/// The state of one collaborator connection, as a value: it takes framed lines and results of
/// storage operations, and returns what the server must do. It performs no I/O, so every protocol
/// rule is tested without sockets.
public struct CollaboratorSession: Sendable {
    /// Who is authenticated on the connection.
    public struct Identity: Equatable, Sendable {
        public var collaboratorID: Int64
        public var unit: String

        public init(collaboratorID: Int64, unit: String) {
            self.collaboratorID = collaboratorID
            self.unit = unit
        }
    }

    public enum State: Sendable {
        case awaitingAuthentication
        /// AUTH was sent; waiting for the store's answer.
        case authenticating
        case ready(Identity)
        case inBatch(Identity, OpenBatch)
        /// COMMIT was sent; waiting for the store's answer.
        case committing(Identity, batchID: String)
        case closed
    }

    /// What the server must do next.
    public enum Action: Equatable, Sendable {
        /// Nothing to send (a response line inside a batch).
        case none
        case reply(Reply)
        /// Send the reply, then close the connection.
        case replyAndClose(Reply)
        /// Check these credentials and call ``authenticationFinished(_:)``.
        case authenticate(collaboratorID: Int64, token: String)
        /// Store this batch durably and call ``commitFinished(_:)``.
        case commit(BatchSubmission)
    }

    /// The outcome of the store's credentials check.
    public enum AuthenticationOutcome: Sendable {
        case accepted(Identity)
        case revoked
        case rejected
        case unavailable
        /// The peer address is locked out after too many failures: refused without a check.
        case lockedOut
        /// The credentials are good but the server has no place for another session.
        case overCapacity
    }

    /// The outcome of storing a batch.
    public enum CommitOutcome: Sendable, Equatable {
        /// Stored now.
        case stored(responses: Int, receivedAt: String)
        /// Stored earlier with identical content: the first receipt, and a line saying so.
        case storedBefore(responses: Int, receivedAt: String)
        case conflict(responses: Int, receivedAt: String)
        /// Stored durably but held for an administrator's approval (`review.hold`).
        case held(responses: Int, receivedAt: String)
        /// The batch id belongs to a batch an administrator retracted.
        case retracted(receivedAt: String)
        case revoked
        /// The configuration in force refuses lines of the batch (a reload dropped a code it
        /// uses since its BATCH): permanent, `554 5.6.0` naming the lines.
        case rejected(BatchErrors)
        /// The storage failed: temporary, `451`.
        case unavailable
    }

    public private(set) var state: State = .awaitingAuthentication
    public private(set) var failedAuthentications = 0
    /// The configuration lines are validated against: the one in force when the session started,
    /// replaced through ``adopt(_:)`` between batches.
    public private(set) var context: SessionContext

    public init(context: SessionContext) {
        self.context = context
    }

    /// Takes the configuration now in force (after a reload) for the lines to come, unless a batch
    /// is open: a batch is validated against the one configuration its BATCH found, never a mix.
    /// Returns whether it was taken.
    @discardableResult
    public mutating func adopt(_ context: SessionContext) -> Bool {
        guard !isInBatch else { return false }
        self.context = context
        return true
    }

    /// The authenticated collaborator, if any.
    public var identity: Identity? {
        switch state {
        case let .ready(identity), let .inBatch(identity, _), let .committing(identity, _): identity
        default: nil
        }
    }

    /// Whether a batch is open (the server lets it finish before closing on shutdown).
    public var isInBatch: Bool {
        switch state {
        case .inBatch, .committing: true
        default: false
        }
    }

    /// The collaborator whose revocation must be checked before `line` is handled: every command
    /// but a response line, and but the COMMIT of a batch that will go to the store (complete and
    /// without errors: the store checks inside the transaction that would store it, and the reply
    /// is the same), once authenticated. Nil when no check is needed.
    public func collaboratorToVerify(before line: FramedLine) -> Int64? {
        guard let identity else { return nil }
        if case let .line(bytes) = line {
            if Command.isResponseLine(bytes) { return nil }
            if case let .inBatch(_, batch) = state, batch.errors.isEmpty, batch.receivedCount == batch.declaredCount,
               Command.isCommitLine(bytes) {
                return nil
            }
        }
        return identity.collaboratorID
    }

    /// The collaborator was found revoked before a command: refuse and close.
    public mutating func collaboratorRevoked() -> Action {
        state = .closed
        return .replyAndClose(.revoked)
    }

    /// Handles one framed line; `today` is the current date in the provincial time zone.
    public mutating func receive(_ input: FramedLine, today: LocalDate) -> Action {
        let bytes: [UInt8]
        switch input {
        case .overlong:
            let limit = context.limits.maxLineBytes
            if updateOpenBatch({ $0.addUnreadable(reason: "line too long: more than \(limit) bytes") }) {
                return .none
            }
            return .reply(.lineTooLong(limit: context.limits.maxLineBytes))
        case let .line(line):
            if case .inBatch = state, Command.isResponseLine(line),
               let response = ResponseValidator.fastResponse(line, context: context, today: today) {
                _ = updateOpenBatch { $0.add(.success(response)) }
                return .none
            }
            bytes = Array(line)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = CollaboratorSession.firstInvalidUTF8Offset(bytes)
            if updateOpenBatch({ $0.addUnreadable(reason: "not valid UTF-8 (at byte \(offset + 1))") }) {
                return .none
            }
            return .reply(.invalidUTF8(offset: offset))
        }
        switch Command.parse(text) {
        case let .failure(error):
            if case .inBatch = state {
                // Inside a batch, an unreadable line is one of the batch's bad lines: the client
                // expects no reply until COMMIT.
                let reason: String
                switch error {
                case .empty: reason = "empty line"
                case let .unknown(verb): reason = "expected a response line 'R …', COMMIT or ABORT, got '\(Reply.printable(verb))'"
                case let .syntax(_, usage):
                    // A known command written wrongly (`COMMIT now`) is answered at once: the
                    // client is waiting for its reply.
                    return .reply(.syntax(usage: usage))
                }
                _ = updateOpenBatch { $0.addUnreadable(reason: reason) }
                return .none
            }
            switch error {
            case .empty: return .reply(.emptyLine)
            case let .unknown(verb): return .reply(.unknownCommand(verb))
            case let .syntax(_, usage): return .reply(.syntax(usage: usage))
            }
        case let .success(command):
            return handle(command, today: today)
        }
    }

    /// Applies `change` to the open batch in place; false when no batch is open. The state lets go
    /// of the batch first, so that its responses are not copied on every line (which made a batch
    /// of K lines cost K² copies).
    private mutating func updateOpenBatch(_ change: (inout OpenBatch) -> Void) -> Bool {
        guard case .inBatch(let identity, var batch) = state else { return false }
        state = .closed
        change(&batch)
        state = .inBatch(identity, batch)
        return true
    }

    mutating func handle(_ command: Command, today: LocalDate) -> Action {
        if case let .response(fields) = command, case .inBatch = state {
            let validator = ResponseValidator(context: context, today: today)
            _ = updateOpenBatch { $0.add(validator.validate(fields, line: $0.nextLineNumber)) }
            return .none
        }
        switch (command, state) {
        case (.quit, _):
            state = .closed
            return .replyAndClose(.bye)
        case (.help, _):
            return .reply(.help)
        case (.labels, _):
            return .reply(.labels(context.catalog))
        case (.ping, _):
            return .reply(.pong)
        case (_, .closed), (_, .authenticating), (_, .committing):
            return .reply(.badSequence("the previous command has not finished"))

        case let (.auth(id, token), .awaitingAuthentication):
            state = .authenticating
            return .authenticate(collaboratorID: id, token: token)
        case (.auth, _):
            return .reply(.badSequence("already authenticated"))
        case (_, .awaitingAuthentication):
            return .reply(.badSequence("AUTH first"))

        case let (.batch(id, count), .ready(identity)):
            guard count <= context.limits.maxBatchResponses else {
                return .reply(.batchTooLarge(declared: count, limit: context.limits.maxBatchResponses))
            }
            state = .inBatch(identity, OpenBatch(id: id, declaredCount: count))
            return .reply(.sendResponses(batchID: id, count: count))
        case (.batch, .inBatch):
            return .reply(.badSequence("a batch is already open; COMMIT or ABORT it first"))

        case (.response, _):
            return .reply(.badSequence("response lines belong inside a batch: BATCH first"))

        case let (.commit, .inBatch(identity, batch)):
            if !batch.errors.isEmpty {
                state = .ready(identity)
                return .reply(.rejected(batchID: batch.id, errors: batch.errors))
            }
            guard batch.receivedCount == batch.declaredCount else {
                state = .ready(identity)
                return .reply(.countMismatch(batchID: batch.id, declared: batch.declaredCount, received: batch.receivedCount))
            }
            state = .committing(identity, batchID: batch.id)
            return .commit(BatchSubmission(collaboratorID: identity.collaboratorID, clientBatchID: batch.id, responses: batch.responses))
        case let (.abort, .inBatch(identity, _)):
            state = .ready(identity)
            return .reply(.aborted)
        case (.commit, _), (.abort, _):
            return .reply(.badSequence("no batch is open"))
        }
    }

    /// Continues after the credentials check of AUTH.
    public mutating func authenticationFinished(_ outcome: AuthenticationOutcome) -> Action {
        guard case .authenticating = state else { return .none }
        switch outcome {
        case let .accepted(identity):
            state = .ready(identity)
            return .reply(.authenticated(collaboratorID: identity.collaboratorID, unit: identity.unit))
        case .revoked:
            state = .closed
            return .replyAndClose(.revoked)
        case .unavailable:
            state = .awaitingAuthentication
            return .reply(.temporarilyUnavailable)
        case .lockedOut:
            state = .closed
            return .replyAndClose(.lockedOut)
        case .overCapacity:
            state = .closed
            return .replyAndClose(.tooManyConnections)
        case .rejected:
            failedAuthentications += 1
            if failedAuthentications >= context.limits.maxAuthFailuresPerConnection {
                state = .closed
                return .replyAndClose(Reply(421, "4.7.0", [Reply.authenticationFailed.lines[0], Reply.tooManyAuthFailures.lines[0]]))
            }
            state = .awaitingAuthentication
            return .reply(.authenticationFailed)
        }
    }

    /// Continues after the store's answer to COMMIT.
    public mutating func commitFinished(_ outcome: CommitOutcome) -> Action {
        guard case let .committing(identity, batchID) = state else { return .none }
        state = .ready(identity)
        switch outcome {
        case let .stored(responses, receivedAt):
            return .reply(.accepted(batchID: batchID, responses: responses, receivedAt: receivedAt))
        case let .storedBefore(responses, receivedAt):
            return .reply(.acceptedBefore(batchID: batchID, responses: responses, receivedAt: receivedAt))
        case let .conflict(responses, receivedAt):
            return .reply(.conflict(batchID: batchID, responses: responses, receivedAt: receivedAt))
        case let .held(responses, receivedAt):
            return .reply(.heldForReview(batchID: batchID, responses: responses, receivedAt: receivedAt))
        case let .retracted(receivedAt):
            return .reply(.retracted(batchID: batchID, receivedAt: receivedAt))
        case .revoked:
            state = .closed
            return .replyAndClose(.revoked)
        case let .rejected(errors):
            return .reply(.rejected(batchID: batchID, errors: errors))
        case .unavailable:
            return .reply(.storageUnavailable)
        }
    }

    /// Offset of the first byte that makes `bytes` invalid UTF-8.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case let .valid(scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return offset
            }
        }
    }
}
