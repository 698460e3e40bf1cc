-- surveyd schema, version 5: batches held for review.
-- With `review.hold` in the configuration, new batches from the chosen units are stored with
-- held = 1: their responses are kept but not counted in the tallies until an administrator
-- approves them (`surveyctl batch approve`), which clears the flag and adds the increments.
ALTER TABLE batches ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
CREATE INDEX batches_held ON batches (held) WHERE held = 1;

-- The audit trail learns the approval: its CHECK lists the actions, so the table is rebuilt (rows,
-- ids and triggers kept).
DROP TRIGGER audit_log_is_append_only_update;
DROP TRIGGER audit_log_is_append_only_delete;
CREATE TABLE audit_log_new (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 64),
    action TEXT NOT NULL CHECK (action IN (
        'collaborator_added', 'collaborator_revoked', 'batch_retracted', 'batch_restored', 'batch_approved',
        'configuration_reloaded', 'publish_forced', 'backup_made', 'database_restored'
    )),
    subject TEXT,
    details TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_log_new (id, at, actor, action, subject, details) SELECT id, at, actor, action, subject, details FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_by_subject ON audit_log (subject, id);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
