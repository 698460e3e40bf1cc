import Foundation
@testable import SurveyServer
import SurveyModel
import SurveyProtocol
import SurveyStore
import Testing

/// Every store error at COMMIT has its own reply: content and collaborator problems are answered
/// (permanent, no database alarm); only a storage failure is `451` and a database episode.
@Suite struct CommitRefusalTests {
    static let receipt = BatchReceipt(clientBatchID: "b", responseCount: 4, receivedAt: "2026-11-20T01:02:03Z", digest: "00")

    static func error(_ code: StoreError.Code) -> StoreError {
        var error = StoreError(code, "test", existing: code == .conflict || code == .retracted ? receipt : nil)
        if code == .unknownCode {
            error.problems = [.init(line: 2, field: "topic", reason: "unknown topic 'CDS'")]
            error.problemCount = 1
        }
        return error
    }

    /// The expected reply code and whether the database is deemed failing, for every code.
    static let expected: [StoreError.Code: (reply: Int, storageFailure: Bool)] = [
        .conflict: (550, false), .retracted: (550, false), .collaboratorRevoked: (530, false), .unknownCollaborator: (530, false),
        .unknownCode: (554, false),
        .unavailable: (451, true), .internalError: (451, true), .cannotOpen: (451, true), .schemaTooNew: (451, true), .notFound: (451, true),
    ]

    @Test(arguments: StoreError.Code.allCases)
    func everyStoreErrorHasItsReply(_ code: StoreError.Code) throws {
        let expected = try #require(Self.expected[code], "no expectation for \(code): add one")
        let refusal = CommitRefusal(Self.error(code))
        #expect((refusal == .storageFailure) == expected.storageFailure)
        // The reply the session sends for it.
        let outcome: CollaboratorSession.CommitOutcome = switch refusal {
        case let .answered(outcome): outcome
        case .storageFailure: .unavailable
        }
        var session = CollaboratorSessionFixture.committing()
        guard case let .reply(reply) = session.commitFinished(outcome) else {
            if case let .replyAndClose(reply) = session.commitFinished(outcome) {
                #expect(reply.code == expected.reply)
            }
            #expect(expected.reply == 530, "only a revocation closes the connection")
            return
        }
        #expect(reply.code == expected.reply)
    }

    @Test func aCodeDroppedByAReloadIsA554NamingLineAndField() {
        guard case let .answered(.rejected(errors)) = CommitRefusal(Self.error(.unknownCode)) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(Reply.rejected(batchID: "b", errors: errors).lines == [
            "batch b rejected: 1 bad line; nothing stored", "line 2: topic: unknown topic 'CDS'", "end of errors",
        ])
        #expect(CommitRefusal(Self.error(.conflict)) == .answered(.conflict(responses: 4, receivedAt: "2026-11-20T01:02:03Z")))
        // An unknown-code error without its lines is not the client's to fix.
        #expect(CommitRefusal(StoreError(.unknownCode, "no lines")) == .storageFailure)
    }
}

/// A session with a one-response batch waiting for the store's answer.
enum CollaboratorSessionFixture {
    static func committing() -> CollaboratorSession {
        let today = LocalDate(instant: Date(), in: LoopHarness.context.timeZone)
        var session = CollaboratorSession(context: LoopHarness.context)
        _ = session.receive(.line(ArraySlice("AUTH 5 good".utf8)), today: today)
        _ = session.authenticationFinished(.accepted(.init(collaboratorID: 5, unit: "TPTN")))
        _ = session.receive(.line(ArraySlice("BATCH b 1".utf8)), today: today)
        _ = session.receive(.line(ArraySlice("R \(LoopHarness.today) CDS ND DONGTINH".utf8)), today: today)
        _ = session.receive(.line(ArraySlice("COMMIT".utf8)), today: today)
        return session
    }
}
