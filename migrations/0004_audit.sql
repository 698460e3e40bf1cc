-- surveyd schema, version 4: the administrators' audit trail.
-- Every administrative action (collaborator added or revoked, batch retracted or restored,
-- configuration reloaded, publication forced, backup made, database restored) is one row, with
-- the time (UTC), the actor (the Unix user running surveyctl, or "daemon"), what it applied to and
-- the details. The table is append-only: triggers refuse any UPDATE or DELETE.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 64),
    action TEXT NOT NULL CHECK (action IN (
        'collaborator_added', 'collaborator_revoked', 'batch_retracted', 'batch_restored',
        'configuration_reloaded', 'publish_forced', 'backup_made', 'database_restored'
    )),
    -- What the action applied to: "collaborator:ID", "batch:ID", or NULL.
    subject TEXT,
    details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, id);

CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
