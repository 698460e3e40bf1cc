import Crypto
import Foundation
import GRDB
import SurveyModel
import SurveyProtocol
import Synchronization

/// What the store says about a stored batch; the same for the first acceptance and every retry.
public struct BatchReceipt: Sendable, Hashable, Codable {
    public var clientBatchID: String
    public var responseCount: Int
    /// UTC time the batch was first accepted, ISO 8601.
    public var receivedAt: String
    /// Hex SHA-256 of the batch's canonical content.
    public var digest: String
    /// Stored but held for review: not counted until approved.
    public var held: Bool = false

    public init(clientBatchID: String, responseCount: Int, receivedAt: String, digest: String, held: Bool = false) {
        self.clientBatchID = clientBatchID
        self.responseCount = responseCount
        self.receivedAt = receivedAt
        self.digest = digest
        self.held = held
    }
}

/// The result of ingesting a batch.
public enum IngestOutcome: Sendable, Hashable {
    /// Stored now.
    case accepted(BatchReceipt)
    /// Stored before with the same content: nothing changed.
    case duplicate(BatchReceipt)

    public var receipt: BatchReceipt {
        switch self {
        case let .accepted(receipt), let .duplicate(receipt): receipt
        }
    }
}

extension SurveyStore {
    /// SHA-256 of a batch's canonical content.
    public static func digest(of submission: BatchSubmission) -> Data {
        Data(SHA256.hash(data: submission.canonicalBytes))
    }

    /// Stores a validated batch and its tally increments durably, or nothing, and returns once it
    /// is durable.
    ///
    /// Batches arriving while a commit is in progress are stored together in the next transaction
    /// (group commit: one flush to disk for all of them), each inside its own savepoint, so one
    /// batch's failure (a revoked collaborator, a conflict) never affects another's.
    ///
    /// Re-ingesting the same batch id of the same collaborator with the same content returns the
    /// first receipt and changes nothing; with other content it throws ``StoreError/Code/conflict``.
    /// Uniqueness is enforced by the database's unique index, not by a prior lookup.
    public func ingest(_ submission: BatchSubmission, receivedAt: Date = Date()) async throws(StoreError) -> IngestOutcome {
        // After a failed flush nothing more is acknowledged (the daemon is stopping).
        if let failure = logFlusher.failure { throw failure }
        let prepared = try prepare(submission, receivedAt: receivedAt)
        return try await ingestQueue.submit(prepared, connection: ingestConnection, flusher: logFlusher).get()
    }

    /// Stores one batch in a transaction of its own and flushes the log before the next one, as
    /// ``ingest(_:receivedAt:)`` did before group commit (what `synchronous=FULL` does): the
    /// reference ("ceiling") of the ingest benchmark.
    public func ingestAlone(_ submission: BatchSubmission, receivedAt: Date = Date()) async throws(StoreError) -> IngestOutcome {
        let prepared = try prepare(submission, receivedAt: receivedAt)
        let flusher = logFlusher
        do {
            return try await ingestConnection.writeWithoutTransaction { db in
                var outcome: IngestOutcome?
                try db.inTransaction {
                    outcome = try SurveyStore.store(prepared, in: db)
                    return .commit
                }
                try flusher.flushNow()
                guard let outcome else { throw StoreError(.internalError, "the ingest transaction returned nothing") }
                return outcome
            }
        } catch {
            throw SurveyStore.classify(error, "cannot store the batch")
        }
    }

    /// Batches stored through ``ingest(_:receivedAt:)`` and the transactions that held them.
    public var groupCommitCounts: (batches: Int, transactions: Int) { ingestQueue.counts }

    /// Sets which units' new batches wait for approval (at start and on reload).
    public func setHold(_ policy: HoldPolicy) {
        hold.withLock { $0 = policy }
    }

    /// Resolves codes to ids and sums the tally increments, outside the write lock.
    func prepare(_ submission: BatchSubmission, receivedAt: Date) throws(StoreError) -> PreparedBatch {
        guard !submission.responses.isEmpty else {
            throw StoreError(.internalError, "a batch must hold at least one response")
        }
        let codes = self.codes.withLock { $0 }
        var rows: [PreparedBatch.Row] = []
        rows.reserveCapacity(submission.responses.count)
        var keys: [TallyIncrementKey] = []
        keys.reserveCapacity(submission.responses.count)
        let rounds = roundIndex.current
        let cuts = rounds.index.cuts
        var topics = CodeMemo(codes.topics), groups = CodeMemo(codes.groups), sentiments = CodeMemo(codes.sentiments)
        // The session validated the batch against the configuration in force at its BATCH; a
        // reload since may have dropped a code. Every such line is named, as the session would.
        var problems: [LineError] = []
        var problemCount = 0
        for (offset, response) in submission.responses.enumerated() {
            guard let topic = topics.id(response.topic), let group = groups.id(response.group),
                  let sentiment = sentiments.id(response.sentiment)
            else {
                problemCount += 1
                if problems.count < StoreError.maximumProblems {
                    problems.append(SurveyStore.problem(response, line: offset + 1, topics: &topics, groups: &groups))
                }
                continue
            }
            guard problemCount == 0 else { continue }
            rows.append(.init(day: response.collectedOn.dayNumber, topic: topic, group: group, sentiment: sentiment))
            let span = cuts.spanStart(response.collectedOn.dayNumber)
            keys.append(TallyIncrementKey(span: span, topic: topic, group: group, sentiment: sentiment))
        }
        if problemCount > 0 {
            var error = StoreError(
                .unknownCode, "the batch refers to a topic, group or sentiment that the configuration in force does not have"
            )
            error.problems = problems
            error.problemCount = problemCount
            throw error
        }
        let increments = TallyIncrementKey.summed(keys)
        let heldUnits: Set<Int64>?
        switch hold.withLock({ $0 }) {
        case .none: heldUnits = []
        case .all: heldUnits = nil
        case let .units(units): heldUnits = Set(units.compactMap { codes.units[Catalog.key($0)] })
        }
        return PreparedBatch(
            submission: submission, digest: SurveyStore.digest(of: submission), timestamp: SurveyStore.timestamp(receivedAt),
            rows: rows, increments: increments, heldUnits: heldUnits,
            roundCounts: SurveyStore.roundCounts(rows, rounds.index), rounds: roundIndex, roundGeneration: rounds.generation
        )
    }

    /// The first unknown code of a response, as docs/PROTOCOL.md §6.3 words it (topic, then group,
    /// then sentiment). Codes come from the configuration, so they need no escaping.
    static func problem(_ response: Response, line: Int, topics: inout CodeMemo, groups: inout CodeMemo) -> LineError {
        if topics.id(response.topic) == nil {
            return .init(line: line, field: "topic", reason: "unknown topic '\(response.topic)'")
        }
        if groups.id(response.group) == nil {
            return .init(line: line, field: "group", reason: "unknown respondent group '\(response.group)'")
        }
        return .init(line: line, field: "sentiment", reason: "unknown sentiment '\(response.sentiment)'")
    }

    /// The writes of one batch, inside the caller's transaction or savepoint.
    ///
    /// The per-response statements bind their integers through SQLite's C interface: GRDB's
    /// `StatementArguments` box every value, which cost more than the inserts themselves.
    static func store(_ batch: PreparedBatch, in db: Database) throws -> IngestOutcome {
        let submission = batch.submission
        guard let collaborator = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT unit_id, revoked_at IS NOT NULL AS revoked FROM collaborators WHERE id = ?"),
            arguments: [submission.collaboratorID]
        ) else {
            throw StoreError(.unknownCollaborator, "no collaborator has the id \(submission.collaboratorID)")
        }
        let unitID: Int64 = collaborator["unit_id"]
        guard !(collaborator["revoked"] as Bool) else {
            throw StoreError(.collaboratorRevoked, "collaborator \(submission.collaboratorID) has been revoked")
        }
        let held = batch.heldUnits.map { $0.contains(unitID) } ?? true
        try db.cachedStatement(sql: """
            INSERT INTO batches (collaborator_id, client_batch_id, unit_id, digest, received_at, response_count, held)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (collaborator_id, client_batch_id) DO NOTHING
            """).execute(arguments: [submission.collaboratorID, submission.clientBatchID, unitID, batch.digest, batch.timestamp, batch.rows.count, held])
        guard db.changesCount == 1 else {
            return try SurveyStore.existingBatch(db, submission: submission, digest: batch.digest)
        }
        let batchID = db.lastInsertedRowID
        let rows = batch.rows
        try SurveyStore.responseInsert.run(db, rows: rows.count) { index, column in
            switch column {
            case 0: batchID
            case 1: Int64(rows[index].day)
            case 2: rows[index].topic
            case 3: rows[index].group
            default: rows[index].sentiment
            }
        }
        try SurveyStore.storeRoundCounts(batch, batchID: batchID, in: db)
        let receipt = BatchReceipt(
            clientBatchID: submission.clientBatchID, responseCount: batch.rows.count, receivedAt: batch.timestamp,
            digest: batch.digest.hexString, held: held
        )
        // A held batch counts only once approved.
        guard !held else { return .accepted(receipt) }
        var increments = batch.increments
        // Spans cut since the batch was prepared: its responses are summed again (see RoundClassifier).
        if let classifier = batch.rounds, classifier.current.generation != batch.roundGeneration {
            let cuts = classifier.current.index.cuts
            increments = TallyIncrementKey.summed(rows.map { TallyIncrementKey(span: cuts.spanStart($0.day), topic: $0.topic, group: $0.group, sentiment: $0.sentiment) })
        }
        try SurveyStore.changeTallies(.add, unitID: unitID, increments, in: db)
        return .accepted(receipt)
    }

    static let responseInsert = MultiRowInsert(
        head: "INSERT INTO responses (batch_id, collected_on, topic_id, group_id, sentiment_id) VALUES", columns: 5
    )
    static func existingBatch(_ db: Database, submission: BatchSubmission, digest: Data) throws -> IngestOutcome {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT digest, received_at, response_count, state, held FROM batches WHERE collaborator_id = ? AND client_batch_id = ?",
            arguments: [submission.collaboratorID, submission.clientBatchID]
        ) else {
            throw StoreError(.internalError, "batch insert was ignored but no batch exists")
        }
        let stored: Data = row["digest"]
        let receipt = BatchReceipt(
            clientBatchID: submission.clientBatchID, responseCount: row["response_count"], receivedAt: row["received_at"],
            digest: stored.hexString, held: row["held"]
        )
        guard (row["state"] as String) != "retracted" else {
            throw StoreError(
                .retracted, "batch \(submission.clientBatchID) was retracted by an administrator; it does not count",
                existing: receipt
            )
        }
        guard stored == digest else {
            throw StoreError(
                .conflict, "batch \(submission.clientBatchID) was already accepted with different content",
                existing: receipt
            )
        }
        return .duplicate(receipt)
    }
}

/// Ids of the few codes a batch uses, remembered while it is prepared: comparing a response's
/// code with the last ones seen is cheaper than hashing it (they are the catalogue's own strings).
struct CodeMemo {
    private let index: [String: Int64]
    private var codes: [String] = []
    private var ids: [Int64] = []

    init(_ index: [String: Int64]) {
        self.index = index
    }

    mutating func id(_ code: String) -> Int64? {
        for position in codes.indices where codes[position] == code {
            return ids[position]
        }
        // Responses carry the configured spelling, usually the key itself: try it first.
        guard let id = index[code] ?? index[Catalog.key(code)] else { return nil }
        if codes.count < 32 {
            codes.append(code)
            ids.append(id)
        }
        return id
    }
}

/// A batch ready to store: codes resolved to ids, tally increments summed.
struct PreparedBatch: Sendable {
    struct Row: Sendable {
        var day: Int
        var topic: Int64
        var group: Int64
        var sentiment: Int64
    }

    var submission: BatchSubmission
    var digest: Data
    var timestamp: String
    var rows: [Row]
    var increments: [(TallyIncrementKey, Int)]
    /// Units whose batches are held for review (nil: all).
    var heldUnits: Set<Int64>?
    /// Responses that belong to a round, per round, topic and group (usually none or a few).
    var roundCounts: [(RoundCountKey, Int)] = []
    /// The rounds' windows the batch was classified with, and their generation then.
    var rounds: RoundClassifier?
    var roundGeneration = 0
}

/// Group commit: batches submitted while a transaction is being written wait, and are written
/// together in the next one, each in its own savepoint; every caller resumes once the transaction
/// holding its batch is durable.
final class IngestQueue: Sendable {
    private struct Waiting {
        var batch: PreparedBatch
        var continuation: CheckedContinuation<Result<IngestOutcome, StoreError>, Never>
    }

    private struct State {
        var waiting: [Waiting] = []
        var flushing = false
        var batches = 0
        var transactions = 0
    }

    /// Most batches and responses in one transaction (a bound on its size and on the wait).
    static let maxBatches = 256
    static let maxResponses = 50_000

    private let state = Mutex(State())

    /// Batches written and transactions used so far (batches ÷ transactions = the grouping).
    var counts: (batches: Int, transactions: Int) { state.withLock { ($0.batches, $0.transactions) } }

    func submit(_ batch: PreparedBatch, connection: DatabaseQueue, flusher: LogFlusher) async -> Result<IngestOutcome, StoreError> {
        await withCheckedContinuation { continuation in
            let lead = state.withLock { state in
                state.waiting.append(Waiting(batch: batch, continuation: continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if lead {
                Task { await self.flush(connection, flusher: flusher) }
            }
        }
    }

    /// Writes groups while batches wait. A group's batches are answered after the log flush that
    /// follows its commit (every answer, duplicates too: the first copy of a batch may be in the
    /// previous group, still being flushed), while the next group is written.
    private func flush(_ connection: DatabaseQueue, flusher: LogFlusher) async {
        while let group = nextGroup() {
            let results: [Result<IngestOutcome, StoreError>]
            do {
                results = try await connection.write { db in
                    // A savepoint per batch, through cached statements (GRDB's inSavepoint
                    // compiles its SQL every time). If undoing a batch fails, the transaction
                    // fails as a whole and no batch of it is stored.
                    let savepoint = try db.cachedStatement(sql: "SAVEPOINT batch")
                    let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT batch")
                    let undo = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT batch")
                    return try group.map { waiting -> Result<IngestOutcome, StoreError> in
                        try savepoint.execute()
                        do {
                            let outcome = try SurveyStore.store(waiting.batch, in: db)
                            try release.execute()
                            return .success(outcome)
                        } catch let failure {
                            do {
                                try undo.execute()
                                try release.execute()
                            } catch {
                                // SQLite rolled the whole transaction back (disk full, I/O
                                // error): report the cause, not the failed undo.
                                throw failure
                            }
                            return .failure(SurveyStore.classify(failure, "cannot store the batch"))
                        }
                    }
                }
            } catch {
                // The transaction itself failed (disk full, I/O error): nothing of it is stored.
                let failure = SurveyStore.classify(error, "cannot store the batch")
                for waiting in group {
                    waiting.continuation.resume(returning: .failure(failure))
                }
                continue
            }
            flusher.afterNextFlush { error in
                for (waiting, result) in zip(group, results) {
                    // Not known to be on disk: refused (451), and no later batch is acknowledged
                    // before the restart has copied the log into the database file.
                    waiting.continuation.resume(returning: error.map { .failure($0) } ?? result)
                }
            }
        }
    }

    /// The next batches to write together, or nil (and no longer flushing) when none wait.
    private func nextGroup() -> [Waiting]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.flushing = false
                return nil
            }
            var count = 0, responses = 0
            while count < state.waiting.count, count < IngestQueue.maxBatches,
                  count == 0 || responses + state.waiting[count].batch.rows.count <= IngestQueue.maxResponses {
                responses += state.waiting[count].batch.rows.count
                count += 1
            }
            let group = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            state.batches += count
            state.transactions += 1
            return group
        }
    }
}
