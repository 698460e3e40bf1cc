import Foundation
import GRDB

/// An administrative action.
public enum AuditAction: String, Sendable, Codable, CaseIterable {
    case collaboratorAdded = "collaborator_added"
    case collaboratorRevoked = "collaborator_revoked"
    case batchRetracted = "batch_retracted"
    case batchRestored = "batch_restored"
    case batchApproved = "batch_approved"
    case configurationReloaded = "configuration_reloaded"
    case publishForced = "publish_forced"
    case backupMade = "backup_made"
    case databaseRestored = "database_restored"
    /// Web accounts (`surveyctl account`): journal only, they live in the web service's own file.
    case accountAdded = "account_added"
    case accountRemoved = "account_removed"
    case accountPasswordChanged = "account_password_changed"
}

/// One row of the audit trail.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: Int64
    /// UTC, ISO 8601.
    public var at: String
    public var actor: String
    public var action: AuditAction
    /// `collaborator:ID`, `batch:ID`, or nil.
    public var subject: String?
    public var details: String
}

/// Who is acting: the Unix user running this process, or "daemon" for surveyd itself.
public enum AuditActor {
    /// The name of the effective Unix user (its number if it has no name).
    public static var currentUser: String {
        let uid = geteuid()
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return "uid \(uid)"
    }

    public static let daemon = "daemon"
}

extension SurveyStore {
    /// Appends an audit row inside the caller's transaction.
    static func audit(_ db: Database, actor: String, action: AuditAction, subject: String?, details: String, now: Date = Date()) throws {
        try db.execute(
            sql: "INSERT INTO audit_log (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)",
            arguments: [SurveyStore.timestamp(now), String(actor.prefix(64)), action.rawValue, subject, details]
        )
    }

    /// Records an action that changes nothing else in the database (a reload, a forced publication).
    public func recordAudit(_ action: AuditAction, actor: String, subject: String? = nil, details: String = "") throws(StoreError) {
        do {
            try writer.write { db in try SurveyStore.audit(db, actor: actor, action: action, subject: subject, details: details) }
        } catch {
            throw SurveyStore.classify(error, "cannot record the audit entry")
        }
    }

    /// The audit trail, oldest first, from `since` (a UTC timestamp or date prefix) on.
    public func auditTrail(since: String? = nil, subject: String? = nil) throws(StoreError) -> [AuditEntry] {
        do {
            return try writer.read { db in
                var conditions: [String] = []
                var arguments: StatementArguments = []
                if let since {
                    conditions.append("at >= ?")
                    arguments += [since]
                }
                if let subject {
                    conditions.append("subject = ?")
                    arguments += [subject]
                }
                let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
                return try Row.fetchAll(db, sql: "SELECT id, at, actor, action, subject, details FROM audit_log\(filter) ORDER BY id", arguments: arguments)
                    .map { row in
                        AuditEntry(
                            id: row["id"], at: row["at"], actor: row["actor"],
                            action: AuditAction(rawValue: row["action"]) ?? .publishForced, subject: row["subject"], details: row["details"]
                        )
                    }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read the audit trail")
        }
    }
}
