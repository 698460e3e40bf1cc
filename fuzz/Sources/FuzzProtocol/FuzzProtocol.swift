// libFuzzer target: arbitrary bytes from a client, through the line framer, the command parser and
// the session state machine, with the store's answers derived from the input. Checks that nothing
// crashes and that every action keeps the protocol's invariants.
import Foundation
import FuzzDriver
import SurveyModel
import SurveyProtocol

private let today = LocalDate(year: 2026, month: 11, day: 22) ?? LocalDate(dayNumber: 20_414)

private let context: SessionContext = {
    var limits = ProtocolLimits()
    limits.maxLineBytes = 128
    limits.maxBatchResponses = 20
    let catalog = Catalog(
        units: [SurveyUnit(code: "TPTN", name: "Thành phố Thái Nguyên")],
        topics: [Topic(code: "CDS", title: "Chuyển đổi số"), Topic(code: "YTE", title: "Y tế", activeTo: today.adding(days: -30))],
        groups: [RespondentGroup(code: "CB", name: "Cán bộ"), RespondentGroup(code: "ND", name: "Nhân dân")],
        sentiments: [Sentiment(code: "DT", label: "Đồng tình", polarity: .positive), Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative)]
    )
    return SessionContext(catalog: catalog, dateWindow: DateWindow(), timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt, limits: limits)
}()

/// Stops the run (and makes libFuzzer save the input) when an invariant breaks.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}

private func check(_ reply: Reply) {
    require((200..<600).contains(reply.code), "reply code \(reply.code)")
    let encoded = reply.encoded
    require(encoded.hasSuffix("\r\n"), "reply without CRLF")
    require(!reply.lines.isEmpty, "empty reply")
    for line in reply.lines {
        require(!line.contains("\n") && !line.contains("\r"), "line break inside a reply line")
        require(line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }, "control character echoed: \(line.debugDescription)")
    }
}

private func check(_ submission: BatchSubmission) {
    require(!submission.responses.isEmpty && submission.responses.count <= context.limits.maxBatchResponses, "batch size \(submission.responses.count)")
    for response in submission.responses {
        require(context.catalog.topic(response.topic) != nil, "unknown topic accepted: \(response.topic)")
        require(context.catalog.group(response.group) != nil, "unknown group accepted: \(response.group)")
        require(context.catalog.sentiments.contains { Catalog.key($0.code) == Catalog.key(response.sentiment) }, "unknown sentiment accepted")
        require(context.catalog.topic(response.topic)?.isActive(on: response.collectedOn) == true, "inactive topic accepted")
        require(response.collectedOn <= today.adding(days: context.dateWindow.futureToleranceDays), "future date accepted")
        require(response.collectedOn >= today.adding(days: -context.dateWindow.maximumAgeDays), "old date accepted")
    }
}

@_cdecl("FuzzProtocol_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}

/// One input.
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var framer = LineFramer(maxLineBytes: context.limits.maxLineBytes)
    var session = CollaboratorSession(context: context)
    // Two writes, split where the first byte says, so that lines also arrive in parts.
    let split = size > 0 ? Int(bytes[0]) % (size + 1) : 0
    var lines = framer.push(bytes[0..<split])
    lines += framer.push(bytes[split...])
    require(framer.bufferedByteCount <= context.limits.maxLineBytes + 2, "framer holds \(framer.bufferedByteCount) bytes")
    var step = 0
    for line in lines {
        // The byte-level reading of response lines accepts only what the general path accepts,
        // with the same result.
        if case let .line(bytes) = line, let fast = ResponseValidator(context: context, today: today).fastResponse(bytes) {
            let general: Result<Response, LineError>? = String(validating: Array(bytes), as: UTF8.self).flatMap { text in
                guard case let .success(.response(fields)) = Command.parse(text) else { return nil }
                return ResponseValidator(context: context, today: today).validate(fields, line: 1)
            }
            require(general == .success(fast), "fast path differs from the general path: \(Array(bytes))")
        }
        var action = session.receive(line, today: today)
        // Follow-up actions: the store's answer is chosen by the input, deterministically.
        while true {
            step += 1
            switch action {
            case .none:
                break
            case let .reply(reply), let .replyAndClose(reply):
                check(reply)
            case let .authenticate(id, token):
                require(!token.isEmpty, "empty token passed to the store")
                let outcomes: [CollaboratorSession.AuthenticationOutcome] = [
                    .accepted(.init(collaboratorID: id, unit: "TPTN")), .rejected, .unavailable, .revoked, .lockedOut, .overCapacity,
                ]
                action = session.authenticationFinished(outcomes[(token.utf8.count + step) % outcomes.count])
                continue
            case let .commit(submission):
                check(submission)
                let outcomes: [CollaboratorSession.CommitOutcome] = [
                    .stored(responses: submission.responses.count, receivedAt: "2026-11-22T10:00:00Z"),
                    .storedBefore(responses: submission.responses.count, receivedAt: "2026-11-21T10:00:00Z"),
                    .conflict(responses: 1, receivedAt: "2026-11-22T09:00:00Z"), .retracted(receivedAt: "2026-11-21T08:00:00Z"), .held(responses: 3, receivedAt: "2026-11-22T10:00:00Z"), .unavailable, .revoked,
                    .rejected(BatchErrors(listing: [LineError(line: 1, field: "topic", reason: "unknown topic 'CDS'")], total: 1)),
                ]
                action = session.commitFinished(outcomes[(submission.clientBatchID.utf8.count + step) % outcomes.count])
                continue
            }
            break
        }
        if case .closed = session.state { break }
    }
    return 0
}
