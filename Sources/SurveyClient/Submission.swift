import Foundation
import SurveyProtocol

/// Sends one batch file (CSV or workbook) with safe retries, as `surveyctl submit` does.
public struct Submission: Sendable {
    /// How the submission ended.
    public enum Outcome: Sendable, Equatable {
        /// Accepted now (or by an earlier attempt of this run whose reply was lost).
        case accepted(Reply)
        /// The server had this batch before this run sent it: nothing new was stored.
        case alreadyReceived(Reply)
        /// Refused for good: bad lines, conflict, too large.
        case rejected(Reply, lineErrors: [(row: BatchFile.Row?, error: LineError)])
        /// Credentials refused or collaborator revoked.
        case notPermitted(Reply)
        /// Still failing after every retry.
        case gaveUp(lastError: String)
        /// TLS failed (untrusted certificate, wrong name, not a TLS port): retrying cannot help.
        case tlsFailed(String)

        public static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            switch (lhs, rhs) {
            case let (.accepted(a), .accepted(b)), let (.alreadyReceived(a), .alreadyReceived(b)), let (.notPermitted(a), .notPermitted(b)): a == b
            case let (.rejected(a, _), .rejected(b, _)): a == b
            case let (.gaveUp(a), .gaveUp(b)), let (.tlsFailed(a), .tlsFailed(b)): a == b
            default: false
            }
        }
    }

    public var host: String
    public var port: Int
    public var collaboratorID: Int64
    public var token: String
    public var attempts: Int
    public var firstDelay: Duration
    public var timeout: Duration
    /// Speak TLS and verify the server (nil: plain text).
    public var tls: ClientTLS?

    public init(
        host: String, port: Int, collaboratorID: Int64, token: String, attempts: Int = 6, firstDelay: Duration = .seconds(2),
        timeout: Duration = .seconds(60), tls: ClientTLS? = nil
    ) {
        self.tls = tls
        self.host = host
        self.port = port
        self.collaboratorID = collaboratorID
        self.token = token
        self.attempts = max(attempts, 1)
        self.firstDelay = firstDelay
        self.timeout = timeout
    }

    /// A retry about to happen: after `delay`, attempt `attempt` of `attempts`, because of `lastError`.
    public struct Retry: Sendable {
        public var delay: Duration
        public var attempt: Int
        public var attempts: Int
        public var lastError: String
    }

    /// Submits the file's rows as one batch; retries connection failures and 4xx replies with
    /// doubling delays (capped at 60 s), never 5xx. `progress` hears of each retry.
    public func run(_ file: BatchFile, progress: @Sendable (Retry) -> Void = { _ in }) async -> Outcome {
        let batchID = file.batchID(collaboratorID: collaboratorID)
        var delay = firstDelay
        var lastError = ""
        // An attempt cut off after its COMMIT may have stored the batch: a later "already
        // received" is then this run's own batch.
        var mayHaveStored = false
        for attempt in 1...attempts {
            if attempt > 1 {
                progress(Retry(delay: delay, attempt: attempt, attempts: attempts, lastError: lastError))
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(60))
            }
            do {
                switch try await once(file, batchID: batchID) {
                case let .temporary(reply):
                    lastError = reply.lines.joined(separator: " ")
                case let .final(.alreadyReceived(reply)) where mayHaveStored:
                    return .accepted(reply)
                case let .final(outcome):
                    return outcome
                }
            } catch let error as TLSFailure {
                return .tlsFailed(error.message)
            } catch {
                lastError = "\(error)"
                mayHaveStored = true
            }
        }
        return .gaveUp(lastError: lastError)
    }

    /// The labels the server knows (`LABELS`), by which a file without lists of its own may name
    /// topics, groups and sentiments; nil when the server cannot say (unreachable, or older than
    /// the command). One try, within `timeout`.
    public func labels(timeout: Duration = .seconds(10)) async -> BatchFile.Choices? {
        do {
            return try await ProtocolClient.withConnection(host: host, port: port, timeout: timeout, tls: tls) { client in
                guard client.greeting?.code == 220 else { return nil }
                let reply = try await client.command("LABELS")
                _ = try? await client.command("QUIT")
                return Submission.choices(in: reply)
            }
        } catch {
            return nil
        }
    }

    /// The choices of a `LABELS` reply; nil if it is not one.
    static func choices(in reply: Reply) -> BatchFile.Choices? {
        guard reply.code == 214, reply.lines.first == "labels:", reply.lines.last == "end of labels" else { return nil }
        var lists: [String: [BatchFile.Choices.Choice]] = [:]
        for line in reply.lines.dropFirst().dropLast() {
            let words = line.split(separator: " ", maxSplits: 2)
            guard words.count == 3 else { continue }
            lists[String(words[0]), default: []].append(.init(code: String(words[1]), label: String(words[2])))
        }
        return BatchFile.Choices(topics: lists["topic"] ?? [], groups: lists["group"] ?? [], sentiments: lists["sentiment"] ?? [], strict: false)
    }

    /// The `received <timestamp>` of an acceptance, if the reply has one.
    public static func receivedAt(in reply: Reply) -> String? {
        guard let line = reply.lines.first, let range = line.range(of: "received ", options: .backwards) else { return nil }
        return String(line[range.upperBound...])
    }

    /// A `name=value` number from the greeting, e.g. `max-batch=5000`.
    static func advertisedLimit(_ name: String, in greeting: Reply) -> Int? {
        for word in greeting.lines.joined(separator: " ").split(separator: " ") where word.hasPrefix("\(name)=") {
            return Int(word.dropFirst(name.count + 1))
        }
        return nil
    }

    private enum Attempt {
        case temporary(Reply)
        case final(Outcome)
    }

    private func once(_ file: BatchFile, batchID: String) async throws -> Attempt {
        try await ProtocolClient.withConnection(host: host, port: port, timeout: timeout, tls: tls) { client in
            try await exchange(client, file, batchID: batchID)
        }
    }

    private func exchange(_ client: ProtocolClient, _ file: BatchFile, batchID: String) async throws -> Attempt {
        guard let greeting = client.greeting, greeting.code == 220 else {
            return .temporary(client.greeting ?? Reply(421, "4.0.0", "no greeting"))
        }
        if let limit = Submission.advertisedLimit("max-batch", in: greeting), file.rows.count > limit {
            return .final(.rejected(.batchTooLarge(declared: file.rows.count, limit: limit), lineErrors: []))
        }
        let auth = try await client.command("AUTH \(collaboratorID) \(token)")
        switch auth.code {
        case 235: break
        case 421 where auth.status == "4.7.0": return .final(.notPermitted(auth))
        case 400..<500: return .temporary(auth)
        default: return .final(.notPermitted(auth))
        }
        let lines = file.responseLines
        // BATCH first, then every response line and COMMIT in one write once the server said go
        // on: a refused BATCH would otherwise turn each line into a stray command.
        let begin = try await client.command("BATCH \(batchID) \(lines.count)")
        guard begin.code == 354 else {
            return begin.isTemporary ? .temporary(begin) : .final(.rejected(begin, lineErrors: []))
        }
        try await client.send(lines + ["COMMIT"])
        let commit = try await client.readReply()
        _ = try? await client.command("QUIT")
        switch commit.code {
        case 200..<300:
            return .final(commit.lines.contains(Reply.alreadyReceivedLine) ? .alreadyReceived(commit) : .accepted(commit))
        case 400..<500:
            return .temporary(commit)
        case 530:
            return .final(.notPermitted(commit))
        default:
            let errors = commit.lines.compactMap(LineError.init(parsing:)).map { error in
                (row: file.rows.indices.contains(error.line - 1) ? file.rows[error.line - 1] : nil, error: error)
            }
            return .final(.rejected(commit, lineErrors: errors))
        }
    }
}
