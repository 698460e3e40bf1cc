import SurveyModel

/// Every reply the server sends, in one place, so that docs/PROTOCOL.md and the code agree.
extension Reply {
    public static func greeting(limits: ProtocolLimits) -> Reply {
        Reply(220, "2.0.0", "surveyd \(protocolVersion) ready max-line=\(limits.maxLineBytes) max-batch=\(limits.maxBatchResponses)")
    }

    public static let help = Reply(214, "2.0.0", ["commands:"] + Command.usage.map(\.usage) + ["see docs/PROTOCOL.md"])
    public static let bye = Reply(221, "2.0.0", "bye")

    /// The reply to `LABELS`: `labels:`, one `topic|group|sentiment CODE LABEL` line per
    /// configured code (the label is the rest of the line), then `end of labels`.
    public static func labels(_ catalog: Catalog) -> Reply {
        var lines = ["labels:"]
        lines += catalog.topics.map { "topic \($0.code) \(printableLabel($0.title))" }
        lines += catalog.groups.map { "group \($0.code) \(printableLabel($0.name))" }
        lines += catalog.sentiments.map { "sentiment \($0.code) \(printableLabel($0.label))" }
        lines.append("end of labels")
        return Reply(214, "2.0.0", lines)
    }

    /// A configured label on one line: line breaks and other control characters become spaces.
    static func printableLabel(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }
    public static let pong = Reply(250, "2.0.0", "pong")
    public static let aborted = Reply(250, "2.0.0", "batch aborted, nothing stored")

    public static func authenticated(collaboratorID: Int64, unit: String) -> Reply {
        Reply(235, "2.7.0", "authenticated as collaborator \(collaboratorID) of unit \(unit)")
    }

    public static func sendResponses(batchID: String, count: Int) -> Reply {
        Reply(354, "3.0.0", "send \(Reply.responses(count)) for batch \(batchID), then COMMIT")
    }

    /// The success reply to COMMIT; identical for the first acceptance and for every retry.
    public static func accepted(batchID: String, responses: Int, receivedAt: String) -> Reply {
        Reply(250, "2.6.0", "batch \(batchID) accepted: \(Reply.responses(responses)), received \(receivedAt)")
    }

    /// The reply to a COMMIT of a batch stored before with the same content: the first line is
    /// the first acceptance's, word for word; the second says nothing new was stored.
    public static func acceptedBefore(batchID: String, responses: Int, receivedAt: String) -> Reply {
        Reply(250, "2.6.0", accepted(batchID: batchID, responses: responses, receivedAt: receivedAt).lines + [alreadyReceivedLine])
    }

    /// The second line of ``acceptedBefore(batchID:responses:receivedAt:)``.
    public static let alreadyReceivedLine = "already received before; nothing new stored"

    public static let tooManyConnections = Reply(421, "4.3.2", "too many connections, try again later")
    public static let tooManyConnectionsFromPeer = Reply(421, "4.3.2", "too many connections from your address, try again later")
    public static let idleTimeout = Reply(421, "4.4.2", "idle timeout, closing")
    /// Instead of the greeting, or to a waiting connection displaced by a newer one: the places for
    /// connections that have not authenticated yet are taken.
    public static let tooManyUnauthenticated = Reply(421, "4.3.2", "too many connections waiting to authenticate, try again later")

    /// No successful AUTH within the login grace time after the connection was accepted.
    public static func loginTimeout(seconds: Int) -> Reply {
        Reply(421, "4.4.2", "no successful AUTH within \(seconds == 1 ? "1 second" : "\(seconds) seconds") of connecting, closing")
    }

    public static let shuttingDown = Reply(421, "4.3.0", "server shutting down, try again later")
    public static let tooManyAuthFailures = Reply(421, "4.7.0", "too many failed authentications, closing")
    public static let lockedOut = Reply(421, "4.7.1", "too many failed authentications from your address, try again later")
    public static let temporarilyUnavailable = Reply(451, "4.3.0", "temporarily unavailable, try again later")
    public static let storageUnavailable = Reply(451, "4.3.0", "storage temporarily unavailable, batch not stored; send it again later")

    public static func unknownCommand(_ verb: String) -> Reply {
        Reply(500, "5.5.1", "unknown command '\(Reply.printable(verb))' (try HELP)")
    }

    /// Client text as quoted in a reply: control characters become `?`, at most 40 characters.
    public static func printable(_ text: some StringProtocol) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        return cleaned.count > 40 ? String(cleaned.prefix(40)) + "…" : cleaned
    }

    static func responses(_ count: Int) -> String {
        count == 1 ? "1 response" : "\(count) responses"
    }

    public static func lineTooLong(limit: Int) -> Reply {
        Reply(500, "5.5.6", "line too long: more than \(limit) bytes")
    }

    public static func invalidUTF8(offset: Int) -> Reply {
        Reply(500, "5.5.2", "line is not valid UTF-8 (at byte \(offset + 1))")
    }

    public static let emptyLine = Reply(500, "5.5.2", "empty line")

    public static func syntax(usage: String) -> Reply {
        Reply(501, "5.5.4", "syntax: \(usage)")
    }

    public static func badSequence(_ reason: String) -> Reply {
        Reply(503, "5.5.1", "bad sequence: \(reason)")
    }

    public static let revoked = Reply(530, "5.7.1", "collaborator revoked; contact the commission, closing")
    public static let authenticationFailed = Reply(535, "5.7.8", "authentication failed")

    public static func conflict(batchID: String, responses: Int, receivedAt: String) -> Reply {
        Reply(550, "5.6.1", "batch \(batchID) conflicts: already accepted with different content (\(Reply.responses(responses)), received \(receivedAt)); use a new batch id")
    }

    public static func heldForReview(batchID: String, responses: Int, receivedAt: String) -> Reply {
        Reply(250, "2.6.4", "batch \(batchID) held for review: \(Reply.responses(responses)), received \(receivedAt); it counts once an administrator approves it")
    }

    public static func retracted(batchID: String, receivedAt: String) -> Reply {
        Reply(550, "5.6.3", "batch \(batchID) (received \(receivedAt)) was retracted by an administrator and does not count; do not send it again")
    }

    public static func batchTooLarge(declared: Int, limit: Int) -> Reply {
        Reply(552, "5.3.4", "batch too large: \(declared) responses declared, at most \(limit) allowed; split it")
    }

    public static func countMismatch(batchID: String, declared: Int, received: Int) -> Reply {
        Reply(554, "5.6.2", "batch \(batchID) rejected: declared \(Reply.responses(declared)), received \(received); nothing stored")
    }

    /// The rejection of a batch with bad lines: a summary line, then one line per error (at most
    /// ``BatchErrors/maximumListed``), then a closing line.
    public static func rejected(batchID: String, errors: BatchErrors) -> Reply {
        var lines = ["batch \(batchID) rejected: \(errors.total) bad \(errors.total == 1 ? "line" : "lines"); nothing stored"]
        lines += errors.listed.map(\.description)
        if errors.total > errors.listed.count {
            lines.append("… and \(errors.total - errors.listed.count) more")
        }
        lines.append("end of errors")
        return Reply(554, "5.6.0", lines)
    }
}
