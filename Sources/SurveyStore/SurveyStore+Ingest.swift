import Crypto
import Foundation
import GRDB
import SurveyModel

/// What the store says about a stored batch; the same for the first acceptance and every retry.
public struct BatchReceipt: Sendable, Hashable, Codable {
    public var clientBatchID: String
    public var responseCount: Int
    /// UTC time the batch was first accepted, ISO 8601.
    public var receivedAt: String
    /// Hex SHA-256 of the batch's canonical content.
    public var digest: String
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
        Data(SHA256.hash(data: Data(submission.canonicalContent.utf8)))
    }

    /// Stores a validated batch and its tally increments in one transaction, durably, or nothing.
    ///
    /// Re-ingesting the same batch id of the same collaborator with the same content returns the
    /// first receipt and changes nothing; with other content it throws ``StoreError/Code/conflict``.
    /// Uniqueness is enforced by the database's unique index, not by a prior lookup.
    public func ingest(_ submission: BatchSubmission, receivedAt: Date = Date()) async throws(StoreError) -> IngestOutcome {
        guard !submission.responses.isEmpty else {
            throw StoreError(.internalError, "a batch must hold at least one response")
        }
        let digest = SurveyStore.digest(of: submission)
        let codes = self.codes.withLock { $0 }
        // Resolve codes before taking the write lock.
        var rows: [(day: Int, topic: Int64, group: Int64, sentiment: Int64, span: Int)] = []
        rows.reserveCapacity(submission.responses.count)
        for response in submission.responses {
            guard let topic = codes.topics[Catalog.key(response.topic)],
                  let group = codes.groups[Catalog.key(response.group)],
                  let sentiment = codes.sentiments[Catalog.key(response.sentiment)]
            else {
                throw StoreError(.unknownCode, "the batch refers to a topic, group or sentiment that is not configured: \(response.canonicalLine)")
            }
            rows.append((response.collectedOn.dayNumber, topic, group, sentiment, response.collectedOn.tallySpanStart.dayNumber))
        }
        let timestamp = SurveyStore.timestamp(receivedAt)
        let resolved = rows
        do {
            return try await writer.write { db -> IngestOutcome in
                guard let collaborator = try Row.fetchOne(
                    db, sql: "SELECT unit_id, revoked_at FROM collaborators WHERE id = ?", arguments: [submission.collaboratorID]
                ) else {
                    throw StoreError(.unknownCollaborator, "no collaborator has the id \(submission.collaboratorID)")
                }
                guard (collaborator["revoked_at"] as String?) == nil else {
                    throw StoreError(.collaboratorRevoked, "collaborator \(submission.collaboratorID) has been revoked")
                }
                let unitID: Int64 = collaborator["unit_id"]
                try db.execute(
                    sql: """
                    INSERT INTO batches (collaborator_id, client_batch_id, unit_id, digest, received_at, response_count)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (collaborator_id, client_batch_id) DO NOTHING
                    """,
                    arguments: [submission.collaboratorID, submission.clientBatchID, unitID, digest, timestamp, resolved.count]
                )
                guard db.changesCount == 1 else {
                    return try SurveyStore.existingBatch(db, submission: submission, digest: digest)
                }
                let batchID = db.lastInsertedRowID
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO responses (batch_id, collected_on, topic_id, group_id, sentiment_id) VALUES (?, ?, ?, ?, ?)"
                )
                var increments: [TallyIncrementKey: Int] = [:]
                for row in resolved {
                    try insert.execute(arguments: [batchID, row.day, row.topic, row.group, row.sentiment])
                    increments[TallyIncrementKey(span: row.span, topic: row.topic, group: row.group, sentiment: row.sentiment), default: 0] += 1
                }
                let upsert = try db.cachedStatement(
                    sql: """
                    INSERT INTO span_tallies (unit_id, span_start, topic_id, group_id, sentiment_id, count) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (unit_id, span_start, topic_id, group_id, sentiment_id) DO UPDATE SET count = count + excluded.count
                    """
                )
                for (key, count) in increments {
                    try upsert.execute(arguments: [unitID, key.span, key.topic, key.group, key.sentiment, count])
                }
                return .accepted(BatchReceipt(
                    clientBatchID: submission.clientBatchID, responseCount: resolved.count, receivedAt: timestamp,
                    digest: digest.hexString
                ))
            }
        } catch {
            throw SurveyStore.classify(error, "cannot store the batch")
        }
    }

    static func existingBatch(_ db: Database, submission: BatchSubmission, digest: Data) throws -> IngestOutcome {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT digest, received_at, response_count FROM batches WHERE collaborator_id = ? AND client_batch_id = ?",
            arguments: [submission.collaboratorID, submission.clientBatchID]
        ) else {
            throw StoreError(.internalError, "batch insert was ignored but no batch exists")
        }
        let stored: Data = row["digest"]
        let receipt = BatchReceipt(
            clientBatchID: submission.clientBatchID, responseCount: row["response_count"], receivedAt: row["received_at"],
            digest: stored.hexString
        )
        guard stored == digest else {
            throw StoreError(
                .conflict, "batch \(submission.clientBatchID) was already accepted with different content",
                existing: receipt
            )
        }
        return .duplicate(receipt)
    }
}

/// One tally cell of a batch's unit, by database ids: the increments of a batch are summed per
/// cell before the upserts.
struct TallyIncrementKey: Hashable {
    /// Day number of the tally span's first day (``LocalDate/tallySpanStart``).
    var span: Int
    var topic: Int64
    var group: Int64
    var sentiment: Int64
}
