import Foundation
import GRDB
import SurveyModel

extension SurveyStore {
    static let collaboratorColumns = """
        SELECT c.id, u.code AS unit, c.name, c.created_at, c.revoked_at
        FROM collaborators c JOIN units u ON u.id = c.unit_id
        """

    static func collaborator(_ row: Row) -> Collaborator {
        Collaborator(id: row["id"], unit: row["unit"], name: row["name"], createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }

    /// Adds a collaborator to a unit and returns it with its token, which is not stored and cannot
    /// be shown again.
    /// The action is recorded in the audit trail under `actor`.
    public func addCollaborator(
        unit code: String, name: String, actor: String = AuditActor.currentUser, now: Date = Date()
    ) throws(StoreError) -> (Collaborator, token: String) {
        let token = CollaboratorToken.generate()
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
        guard !trimmed.isEmpty else { throw StoreError(.internalError, "the collaborator's name must not be empty") }
        do {
            let collaborator = try writer.write { db -> Collaborator in
                guard let unitID = try Int64.fetchOne(db, sql: "SELECT id FROM units WHERE code = ? COLLATE NOCASE AND active = 1", arguments: [code]) else {
                    throw StoreError(.unknownCode, "no active unit has the code '\(code)' (see `surveyctl units`)")
                }
                try db.execute(
                    sql: "INSERT INTO collaborators (unit_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [unitID, trimmed, CollaboratorToken.hash(token), SurveyStore.timestamp(now)]
                )
                let id = db.lastInsertedRowID
                guard let row = try Row.fetchOne(db, sql: SurveyStore.collaboratorColumns + " WHERE c.id = ?", arguments: [id]) else {
                    throw StoreError(.internalError, "the new collaborator vanished")
                }
                let collaborator = SurveyStore.collaborator(row)
                try SurveyStore.audit(
                    db, actor: actor, action: .collaboratorAdded, subject: "collaborator:\(id)",
                    details: "unit \(collaborator.unit), name \(collaborator.name)", now: now
                )
                return collaborator
            }
            return (collaborator, token)
        } catch {
            throw SurveyStore.classify(error, "cannot add the collaborator")
        }
    }

    /// All collaborators, optionally only one unit's.
    public func collaborators(unit: String? = nil) throws(StoreError) -> [Collaborator] {
        do {
            return try writer.read { db in
                if let unit {
                    return try Row.fetchAll(db, sql: SurveyStore.collaboratorColumns + " WHERE u.code = ? COLLATE NOCASE ORDER BY c.id", arguments: [unit])
                        .map(SurveyStore.collaborator)
                }
                return try Row.fetchAll(db, sql: SurveyStore.collaboratorColumns + " ORDER BY c.id").map(SurveyStore.collaborator)
            }
        } catch {
            throw SurveyStore.classify(error, "cannot list collaborators")
        }
    }

    /// One collaborator by id, or nil.
    public func collaborator(id: Int64) throws(StoreError) -> Collaborator? {
        do {
            return try writer.read { db in
                try Row.fetchOne(db, sql: SurveyStore.collaboratorColumns + " WHERE c.id = ?", arguments: [id]).map(SurveyStore.collaborator)
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read the collaborator")
        }
    }

    /// Revokes a collaborator: its token stops working at its next command. Returns false when it
    /// was already revoked.
    @discardableResult
    public func revokeCollaborator(id: Int64, actor: String = AuditActor.currentUser, now: Date = Date()) throws(StoreError) -> Bool {
        do {
            return try writer.write { db in
                guard try Row.fetchOne(db, sql: "SELECT id FROM collaborators WHERE id = ?", arguments: [id]) != nil else {
                    throw StoreError(.notFound, "no collaborator has the id \(id) (see `surveyctl collaborator list`)")
                }
                try db.execute(
                    sql: "UPDATE collaborators SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    arguments: [SurveyStore.timestamp(now), id]
                )
                guard db.changesCount > 0 else { return false }
                try SurveyStore.audit(db, actor: actor, action: .collaboratorRevoked, subject: "collaborator:\(id)", details: "", now: now)
                return true
            }
        } catch {
            throw SurveyStore.classify(error, "cannot revoke the collaborator")
        }
    }

    /// Checks a collaborator's id and token. The comparison is on hashes, in constant time.
    public func authenticate(id: Int64, token: String) async throws(StoreError) -> AuthenticationResult {
        do {
            return try await writer.read { db in
                guard let row = try Row.fetchOne(
                    db, sql: SurveyStore.collaboratorColumns.replacingOccurrences(of: "SELECT ", with: "SELECT c.token_hash, ") + " WHERE c.id = ?",
                    arguments: [id]
                ) else {
                    return .rejected
                }
                let stored: Data = row["token_hash"]
                let given = CollaboratorToken.hash(token)
                var difference: UInt8 = stored.count == given.count ? 0 : 1
                for (a, b) in zip(stored, given) { difference |= a ^ b }
                guard difference == 0 else { return .rejected }
                let collaborator = SurveyStore.collaborator(row)
                return collaborator.isRevoked ? .revoked : .accepted(collaborator)
            }
        } catch {
            throw SurveyStore.classify(error, "cannot check credentials")
        }
    }

    /// Whether the collaborator exists and is not revoked: the check before each command of a
    /// session (once per batch). Read on the caller's thread through a connection of its own
    /// that only reads and never waits for a lock (a busy database throws at once): one indexed
    /// row of a small table, from the page cache, takes microseconds, less than handing the read
    /// to the pool's threads and back.
    public func isActive(collaboratorID: Int64) throws(StoreError) -> Bool {
        do {
            // One statement in autocommit mode is its own read transaction (GRDB's `read` would
            // add a transaction and a savepoint around it).
            return try checkConnection.inDatabase { db in
                try Bool.fetchOne(db.cachedStatement(sql: "SELECT revoked_at IS NULL FROM collaborators WHERE id = ?"), arguments: [collaboratorID]) ?? false
            }
        } catch {
            throw SurveyStore.classify(error, "cannot check the collaborator")
        }
    }
}
