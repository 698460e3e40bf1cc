import Foundation
import SurveyModel
import SurveyProtocol

/// The decisions of one collaborator connection, apart from its I/O: each event in gives the
/// actions out, in order. The shell (``CollaboratorServer/serve(_:)``) reads the channel, asks the
/// store and sends replies; the core decides what to answer, when to flush, what to log and when
/// to close. Time comes in with the events (a line's instant; the deadlines as events of their
/// own), so the core is tested without a clock, a channel or a database.
struct ConnectionCore {
    /// What happened to the connection.
    enum Event: Sendable {
        /// One framed line read at `instant`; `context` is the configuration in force then, given
        /// when ``ConnectionCore/takesContext`` (between batches).
        case line(FramedLine, instant: Date, context: SessionContext?)
        /// The last line of one read has been handled.
        case endOfRead
        case idleTimeout
        case drain
        case loginTimeout
        case displaced
        /// The input ended (the peer closed, or the loop ended).
        case inputEnded
        /// Answers to ``Action/checkActive(_:)``, ``Action/authenticate(collaboratorID:token:)``
        /// and ``Action/commit(_:)``.
        case activeChecked(Bool)
        case authenticationFinished(CollaboratorSession.AuthenticationOutcome)
        case commitFinished(CollaboratorSession.CommitOutcome)
    }

    /// What the shell must do.
    enum Action: Equatable, Sendable {
        /// Add a reply to the output buffer.
        case queue(Reply)
        /// Write the output buffer (before anything that waits, and at the end of each read).
        case flush
        /// Close the connection (after a flush).
        case close
        /// Ask the store whether the collaborator is still active; answer with ``Event/activeChecked(_:)``.
        case checkActive(Int64)
        /// Check a token; answer with ``Event/authenticationFinished(_:)``.
        case authenticate(collaboratorID: Int64, token: String)
        /// Store a batch; answer with ``Event/commitFinished(_:)``.
        case commit(BatchSubmission)
        case log(Entry)
    }

    /// The journal entries the core decides on (the store's own are the shell's).
    enum Entry: Equatable, Sendable {
        case idleTimeout
        case loginGraceOver
        case revokedRefused(collaborator: Int64)
        case batchRejected(reason: String)
        case closedInsideBatch(batch: String, lines: Int)
    }

    private(set) var session: CollaboratorSession
    private var today: TodayCache
    private var drainRequested = false
    /// The line waiting for ``Event/activeChecked(_:)``, with its date and the collaborator checked.
    private var pending: (line: FramedLine, today: LocalDate, collaborator: Int64)?
    private(set) var isClosed = false

    init(context: SessionContext) {
        session = CollaboratorSession(context: context)
        today = TodayCache(timeZone: context.timeZone)
    }

    /// Whether the next line takes the configuration in force (no batch is open).
    var takesContext: Bool { !session.isInBatch }

    /// The greeting, sent when the connection opens.
    func opening() -> [Action] {
        [.queue(Reply.greeting(limits: session.context.limits)), .flush]
    }

    mutating func handle(_ event: Event) -> [Action] {
        if case .inputEnded = event {
            // Also after a close: an idle timeout inside a batch still says nothing was stored.
            isClosed = true
            if case let .inBatch(_, batch) = session.state {
                return [.flush, .log(.closedInsideBatch(batch: batch.id, lines: batch.receivedCount))]
            }
            return [.flush]
        }
        guard !isClosed else { return [] }
        switch event {
        case let .line(line, instant, context):
            // Between batches the session takes the configuration in force, so a batch is
            // validated against the one its BATCH found (docs/PROTOCOL.md §6.3).
            if let context, !session.isInBatch {
                session.adopt(context)
                if today.timeZone != session.context.timeZone { today = TodayCache(timeZone: session.context.timeZone) }
            }
            let date = today.date(at: instant)
            if let id = session.collaboratorToVerify(before: line) {
                pending = (line, date, id)
                return [.checkActive(id)]
            }
            return perform(session.receive(line, today: date))
        case let .activeChecked(active):
            guard let (line, date, collaborator) = pending else { return [] }
            pending = nil
            guard active else {
                return [.log(.revokedRefused(collaborator: collaborator))] + perform(session.collaboratorRevoked())
            }
            return perform(session.receive(line, today: date))
        case let .authenticationFinished(outcome):
            return perform(session.authenticationFinished(outcome))
        case let .commitFinished(outcome):
            return perform(session.commitFinished(outcome))
        case .endOfRead:
            return [.flush]
        case .idleTimeout:
            return [.log(.idleTimeout)] + close(with: .idleTimeout)
        case .drain:
            drainRequested = true
            return session.isInBatch ? [] : close(with: .shuttingDown)
        case .loginTimeout:
            // Raced with a successful AUTH: the deadline no longer applies.
            guard session.identity == nil else { return [] }
            return [.log(.loginGraceOver)] + close(with: .loginTimeout(seconds: session.context.limits.loginGraceSeconds))
        case .displaced:
            guard session.identity == nil else { return [] }
            return close(with: .tooManyUnauthenticated)
        case .inputEnded:
            return []  // handled above
        }
    }

    /// The actions for one of the session's.
    private mutating func perform(_ action: CollaboratorSession.Action) -> [Action] {
        switch action {
        case .none:
            return afterLine()
        case let .reply(reply):
            var actions: [Action] = []
            if reply.code == 554 || reply.code == 552 { actions.append(.log(.batchRejected(reason: reply.lines.first ?? ""))) }
            return actions + [.queue(reply)] + afterLine()
        case let .replyAndClose(reply):
            return close(with: reply)
        case let .authenticate(id, token):
            return [.flush, .authenticate(collaboratorID: id, token: token)]
        case let .commit(submission):
            return [.flush, .commit(submission)]
        }
    }

    /// A drain asked for during a batch closes the connection once the batch is over.
    private mutating func afterLine() -> [Action] {
        drainRequested && !session.isInBatch ? close(with: .shuttingDown) : []
    }

    private mutating func close(with reply: Reply) -> [Action] {
        isClosed = true
        return [.queue(reply), .flush, .close]
    }
}

/// Today's date in the provincial time zone, worked out again only when the second changes: the
/// time zone's offset costs more than the rest of a response line.
struct TodayCache {
    let timeZone: TimeZone
    private var second = Int.min
    private var date = LocalDate(dayNumber: 0)

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    mutating func date(at instant: Date) -> LocalDate {
        let current = Int(instant.timeIntervalSince1970.rounded(.down))
        if current != second {
            second = current
            date = LocalDate(instant: instant, in: timeZone)
        }
        return date
    }
}
