import Foundation
import SurveyModel
import SurveyProtocol
import Testing

@Suite struct CollaboratorSessionTests {
    static let today = LocalDate(iso: "2026-11-22")!
    static let context: SessionContext = {
        var limits = ProtocolLimits()
        limits.maxBatchResponses = 100
        limits.maxAuthFailuresPerConnection = 3
        limits.maxLineBytes = 128
        return SessionContext(
            catalog: Catalog(
                units: [SurveyUnit(code: "TPTN", name: "Thành phố Thái Nguyên")],
                topics: [
                    Topic(code: "CDS", title: "Chuyển đổi số"),
                    Topic(code: "COVID", title: "COVID-19", activeFrom: LocalDate(iso: "2020-01-01"), activeTo: LocalDate(iso: "2026-10-31")),
                ],
                groups: [RespondentGroup(code: "ND", name: "Nhân dân"), RespondentGroup(code: "CB", name: "Cán bộ")],
                sentiments: [
                    Sentiment(code: "DONGTINH", label: "Đồng tình", polarity: .positive),
                    Sentiment(code: "KHONGDONGTINH", label: "Không đồng tình", polarity: .negative),
                ]
            ),
            dateWindow: DateWindow(futureToleranceDays: 1, maximumAgeDays: 30),
            timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!,
            limits: limits
        )
    }()
    let identity = CollaboratorSession.Identity(collaboratorID: 7, unit: "TPTN")

    func line(_ text: String) -> FramedLine { .line(ArraySlice(text.utf8)) }

    func authenticated() -> CollaboratorSession {
        var session = CollaboratorSession(context: Self.context)
        #expect(session.receive(line("AUTH 7 secret"), today: Self.today) == .authenticate(collaboratorID: 7, token: "secret"))
        #expect(session.authenticationFinished(.accepted(identity)) == .reply(.authenticated(collaboratorID: 7, unit: "TPTN")))
        return session
    }

    @Test func fullSessionProducesASubmission() {
        var session = authenticated()
        #expect(session.receive(line("BATCH b1 2"), today: Self.today) == .reply(.sendResponses(batchID: "b1", count: 2)))
        #expect(session.receive(line("R 2026-11-20 cds nd dongtinh"), today: Self.today) == .none)
        #expect(session.receive(line("R 2026-11-23 CDS CB KHONGDONGTINH"), today: Self.today) == .none)
        let expected = BatchSubmission(collaboratorID: 7, clientBatchID: "b1", responses: [
            Response(collectedOn: LocalDate(iso: "2026-11-20")!, topic: "CDS", group: "ND", sentiment: "DONGTINH"),
            Response(collectedOn: LocalDate(iso: "2026-11-23")!, topic: "CDS", group: "CB", sentiment: "KHONGDONGTINH"),
        ])
        #expect(session.receive(line("COMMIT"), today: Self.today) == .commit(expected))
        #expect(session.isInBatch)
        #expect(session.commitFinished(.stored(responses: 2, receivedAt: "2026-11-22T10:00:00Z"))
            == .reply(.accepted(batchID: "b1", responses: 2, receivedAt: "2026-11-22T10:00:00Z")))
        #expect(!session.isInBatch)
        #expect(session.receive(line("QUIT"), today: Self.today) == .replyAndClose(.bye))
    }

    /// LABELS answers in every state with every configured code and label, which the client
    /// reads back as choices.
    @Test func labelsAreAnsweredInEveryState() throws {
        var fresh = CollaboratorSession(context: Self.context)
        let expected = Reply(214, "2.0.0", [
            "labels:", "topic CDS Chuyển đổi số", "topic COVID COVID-19", "group ND Nhân dân", "group CB Cán bộ",
            "sentiment DONGTINH Đồng tình", "sentiment KHONGDONGTINH Không đồng tình", "end of labels",
        ])
        #expect(fresh.receive(line("LABELS"), today: Self.today) == .reply(expected))
        var session = authenticated()
        #expect(session.receive(line("labels"), today: Self.today) == .reply(expected))
        _ = session.receive(line("BATCH b1 1"), today: Self.today)
        #expect(session.receive(line("LABELS"), today: Self.today) == .reply(expected))
        #expect(session.isInBatch)
        #expect(session.receive(line("LABELS now"), today: Self.today) == .reply(.syntax(usage: "LABELS")))
    }

    @Test func aBatchStoredBeforeIsAcknowledgedWithTheFirstReceiptAndSaysSo() throws {
        var session = authenticated()
        _ = session.receive(line("BATCH b1 1"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        _ = session.receive(line("COMMIT"), today: Self.today)
        let action = session.commitFinished(.storedBefore(responses: 1, receivedAt: "2026-11-21T08:00:00Z"))
        let first = Reply.accepted(batchID: "b1", responses: 1, receivedAt: "2026-11-21T08:00:00Z")
        #expect(action == .reply(Reply(250, "2.6.0", [first.lines[0], "already received before; nothing new stored"])))
        #expect(!session.isInBatch)
    }

    @Test func everyBadFieldIsReportedWithItsLine() throws {
        var session = authenticated()
        _ = session.receive(line("BATCH b2 9"), today: Self.today)
        let lines = [
            "R 2026-11-20 CDS ND DONGTINH",        // 1 good
            "R 2026-11-31 CDS ND DONGTINH",        // 2 impossible date
            "R 2026-11-24 CDS ND DONGTINH",        // 3 future beyond tolerance
            "R 2026-10-01 CDS ND DONGTINH",        // 4 older than 30 days
            "R 2026-11-20 XX ND DONGTINH",         // 5 unknown topic
            "R 2026-11-20 COVID ND DONGTINH",      // 6 topic closed on that date
            "R 2026-11-20 CDS DV DONGTINH",        // 7 unknown group
            "R 2026-11-20 CDS ND MAYBE",           // 8 unknown sentiment
            "R 2026-11-20 CDS ND",                 // 9 missing field
        ]
        for text in lines { #expect(session.receive(line(text), today: Self.today) == .none) }
        guard case let .reply(reply) = session.receive(line("COMMIT"), today: Self.today) else {
            Issue.record("expected a reply")
            return
        }
        #expect(reply.code == 554 && reply.status == "5.6.0")
        #expect(reply.lines == [
            "batch b2 rejected: 8 bad lines; nothing stored",
            "line 2: date: '2026-11-31' is not a valid date (YYYY-MM-DD)",
            "line 3: date: 2026-11-24 is in the future (today is 2026-11-22 in Asia/Ho_Chi_Minh)",
            "line 4: date: 2026-10-01 is more than 30 days ago (earliest accepted: 2026-10-23)",
            "line 5: topic: unknown topic 'XX'",
            "line 6: topic: topic COVID is not open on 2026-11-20 (open from 2020-01-01 to 2026-10-31)",
            "line 7: group: unknown respondent group 'DV'",
            "line 8: sentiment: unknown sentiment 'MAYBE'",
            "line 9: line: expected 4 fields (date topic group sentiment), got 3",
            "end of errors",
        ])
        // The session is ready for the next batch.
        #expect(session.receive(line("BATCH b3 1"), today: Self.today) == .reply(.sendResponses(batchID: "b3", count: 1)))
    }

    @Test func countMismatchRejectsTheBatch() {
        var session = authenticated()
        _ = session.receive(line("BATCH b1 3"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        #expect(session.receive(line("COMMIT"), today: Self.today) == .reply(.countMismatch(batchID: "b1", declared: 3, received: 1)))
        _ = session.receive(line("BATCH b1 1"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        #expect(session.receive(line("COMMIT"), today: Self.today) == .reply(.countMismatch(batchID: "b1", declared: 1, received: 2)))
    }

    @Test func unreadableLinesInsideABatchBecomeBadLines() {
        var session = authenticated()
        _ = session.receive(line("BATCH b1 3"), today: Self.today)
        #expect(session.receive(.overlong, today: Self.today) == .none)
        #expect(session.receive(.line([0x52, 0x20, 0xFF, 0xFE]), today: Self.today) == .none)
        #expect(session.receive(line("HELO\u{1B}[2J"), today: Self.today) == .none)
        #expect(session.receive(line("COMMIT now"), today: Self.today) == .reply(.syntax(usage: "COMMIT")))
        guard case let .reply(reply) = session.receive(line("COMMIT"), today: Self.today) else {
            Issue.record("expected a reply")
            return
        }
        #expect(reply.lines[1] == "line 1: line: line too long: more than 128 bytes")
        #expect(reply.lines[2] == "line 2: line: not valid UTF-8 (at byte 3)")
        #expect(reply.lines[3] == "line 3: line: expected a response line 'R …', COMMIT or ABORT, got 'HELO?[2J'")
    }

    @Test func unreadableLinesOutsideABatchGetImmediateReplies() {
        var session = CollaboratorSession(context: Self.context)
        #expect(session.receive(.overlong, today: Self.today) == .reply(.lineTooLong(limit: 128)))
        #expect(session.receive(.line([0x41, 0xC3]), today: Self.today) == .reply(.invalidUTF8(offset: 1)))
        #expect(session.receive(line("FOO"), today: Self.today) == .reply(.unknownCommand("FOO")))
        #expect(session.receive(line(""), today: Self.today) == .reply(.emptyLine))
    }

    @Test func badSequences() {
        var session = CollaboratorSession(context: Self.context)
        #expect(session.receive(line("BATCH b1 1"), today: Self.today) == .reply(.badSequence("AUTH first")))
        #expect(session.receive(line("PING"), today: Self.today) == .reply(.pong))
        session = authenticated()
        #expect(session.receive(line("AUTH 7 x"), today: Self.today) == .reply(.badSequence("already authenticated")))
        #expect(session.receive(line("COMMIT"), today: Self.today) == .reply(.badSequence("no batch is open")))
        #expect(session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
            == .reply(.badSequence("response lines belong inside a batch: BATCH first")))
        #expect(session.receive(line("BATCH b1 101"), today: Self.today) == .reply(.batchTooLarge(declared: 101, limit: 100)))
        _ = session.receive(line("BATCH b1 1"), today: Self.today)
        #expect(session.receive(line("BATCH b2 1"), today: Self.today) == .reply(.badSequence("a batch is already open; COMMIT or ABORT it first")))
        #expect(session.receive(line("ABORT"), today: Self.today) == .reply(.aborted))
        #expect(!session.isInBatch)
    }

    @Test func failedAuthenticationsCloseAfterTheLimit() {
        var session = CollaboratorSession(context: Self.context)
        for attempt in 1...3 {
            #expect(session.receive(line("AUTH 7 wrong"), today: Self.today) == .authenticate(collaboratorID: 7, token: "wrong"))
            let action = session.authenticationFinished(.rejected)
            if attempt < 3 {
                #expect(action == .reply(.authenticationFailed))
            } else {
                guard case let .replyAndClose(reply) = action else {
                    Issue.record("expected close")
                    return
                }
                #expect(reply.code == 421 && reply.status == "4.7.0")
            }
        }
    }

    @Test func revocationAndStorageOutcomes() {
        var session = authenticated()
        #expect(session.collaboratorToVerify(before: line("PING")) == 7)
        #expect(session.collaboratorToVerify(before: line("R 2026-11-20 CDS ND DONGTINH")) == nil)
        // COMMIT outside a batch is checked; inside one the store checks, in the transaction.
        #expect(session.collaboratorToVerify(before: line("COMMIT")) == 7)
        _ = session.receive(line("BATCH b1 1"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        #expect(session.collaboratorToVerify(before: line("commit ")) == nil)
        #expect(session.collaboratorToVerify(before: line("ABORT")) == 7)
        // A batch that will not reach the store (incomplete, or with errors) is checked at
        // COMMIT as before, so a revoked collaborator gets the revocation, not the rejection.
        var incomplete = authenticated()
        _ = incomplete.receive(line("BATCH b2 2"), today: Self.today)
        _ = incomplete.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        #expect(incomplete.collaboratorToVerify(before: line("COMMIT")) == 7)
        var wrong = authenticated()
        _ = wrong.receive(line("BATCH b3 1"), today: Self.today)
        _ = wrong.receive(line("R 2026-11-20 NOPE ND DONGTINH"), today: Self.today)
        #expect(wrong.collaboratorToVerify(before: line("COMMIT")) == 7)
        _ = session.receive(line("COMMIT"), today: Self.today)
        #expect(session.commitFinished(.unavailable) == .reply(.storageUnavailable))
        _ = session.receive(line("BATCH b1 1"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        _ = session.receive(line("COMMIT"), today: Self.today)
        #expect(session.commitFinished(.conflict(responses: 4, receivedAt: "t")) == .reply(.conflict(batchID: "b1", responses: 4, receivedAt: "t")))
        _ = session.receive(line("BATCH b1 1"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        _ = session.receive(line("COMMIT"), today: Self.today)
        let retracted = session.commitFinished(.retracted(receivedAt: "t"))
        #expect(retracted == .reply(.retracted(batchID: "b1", receivedAt: "t")))
        #expect(Reply.retracted(batchID: "b1", receivedAt: "t").encoded == "550 5.6.3 batch b1 (received t) was retracted by an administrator and does not count; do not send it again\r\n")
        #expect(session.collaboratorRevoked() == .replyAndClose(.revoked))
        #expect(session.identity == nil)
        var fresh = CollaboratorSession(context: Self.context)
        #expect(fresh.collaboratorToVerify(before: line("PING")) == nil)
        _ = fresh.receive(line("AUTH 7 secret"), today: Self.today)
        #expect(fresh.authenticationFinished(.revoked) == .replyAndClose(.revoked))
    }
    /// A reload between batches applies from the next BATCH; a batch open during the reload is
    /// validated against the configuration its BATCH found, never a mix of two.
    @Test func aReloadAppliesFromTheNextBatchOnly() {
        var reduced = Self.context
        reduced.catalog = Catalog(
            units: Self.context.catalog.units, topics: [Topic(code: "YTE", title: "Y tế")],
            groups: Self.context.catalog.groups, sentiments: Self.context.catalog.sentiments
        )
        var session = authenticated()
        _ = session.receive(line("BATCH b1 2"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        // Refused while the batch is open: the second line is still checked against the old list.
        let takenInBatch = session.adopt(reduced)
        #expect(!takenInBatch)
        #expect(session.receive(line("R 2026-11-20 CDS CB DONGTINH"), today: Self.today) == .none)
        guard case let .commit(submission) = session.receive(line("COMMIT"), today: Self.today) else {
            Issue.record("the batch should go to the store")
            return
        }
        #expect(submission.responses.map(\.topic) == ["CDS", "CDS"])
        // The store, under the new configuration, refuses it line by line: 554, permanent.
        let errors = BatchErrors(listing: [
            LineError(line: 1, field: "topic", reason: "unknown topic 'CDS'"), LineError(line: 2, field: "topic", reason: "unknown topic 'CDS'"),
        ], total: 2)
        let reply = session.commitFinished(.rejected(errors))
        #expect(reply == .reply(.rejected(batchID: "b1", errors: errors)))
        #expect(Reply.rejected(batchID: "b1", errors: errors).encoded == """
            554-5.6.0 batch b1 rejected: 2 bad lines; nothing stored\r
            554-5.6.0 line 1: topic: unknown topic 'CDS'\r
            554-5.6.0 line 2: topic: unknown topic 'CDS'\r
            554 5.6.0 end of errors\r

            """)
        // Between batches the new configuration is taken: CDS is now unknown at once, YTE valid.
        let takenBetween = session.adopt(reduced)
        #expect(takenBetween)
        _ = session.receive(line("BATCH b2 2"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 CDS ND DONGTINH"), today: Self.today)
        _ = session.receive(line("R 2026-11-20 YTE ND DONGTINH"), today: Self.today)
        guard case let .reply(rejection) = session.receive(line("COMMIT"), today: Self.today) else {
            Issue.record("the batch should be rejected by the session")
            return
        }
        #expect(rejection.lines == ["batch b2 rejected: 1 bad line; nothing stored", "line 1: topic: unknown topic 'CDS'", "end of errors"])
    }

    @Test func storeErrorsBeyondTheListedOnesAreCounted() {
        let listed = (1...25).map { LineError(line: $0, field: "group", reason: "unknown respondent group 'X'") }
        let errors = BatchErrors(listing: listed, total: 300)
        #expect(errors.listed.count == BatchErrors.maximumListed && errors.total == 300)
        #expect(Reply.rejected(batchID: "b", errors: errors).lines.suffix(2) == ["… and 280 more", "end of errors"])
    }

    @Test func aSessionWithNoPlaceLeftIsClosed() {
        var session = CollaboratorSession(context: Self.context)
        _ = session.receive(line("AUTH 7 secret"), today: Self.today)
        #expect(session.authenticationFinished(.overCapacity) == .replyAndClose(.tooManyConnections))
    }
}
