-- surveyd schema, version 1.
-- Migrations are applied in file-name order, each in its own transaction, and recorded in the
-- grdb_migrations table. A migration is never edited after it has shipped: add a new file instead.

-- Reference data, synchronised from the configuration at start-up. Rows removed from the
-- configuration are deactivated (active = 0), never deleted, so history stays readable.
CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name TEXT NOT NULL CHECK (length(name) > 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    title TEXT NOT NULL CHECK (length(title) > 0),
    active_from TEXT CHECK (active_from IS NULL OR active_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    active_to TEXT CHECK (active_to IS NULL OR active_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE respondent_groups (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name TEXT NOT NULL CHECK (length(name) > 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE sentiments (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    label TEXT NOT NULL CHECK (length(label) > 0),
    polarity INTEGER NOT NULL CHECK (polarity IN (-1, 0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- Field collaborators. Only a SHA-256 hash of the token is kept.
CREATE TABLE collaborators (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    name TEXT NOT NULL CHECK (length(name) > 0),
    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- One row per accepted batch. (collaborator_id, client_batch_id) is unique: a retry of the same
-- batch is recognised by the database itself, and its digest tells a true retry from a conflict.
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    collaborator_id INTEGER NOT NULL REFERENCES collaborators (id),
    client_batch_id TEXT NOT NULL CHECK (length(client_batch_id) BETWEEN 1 AND 64),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    digest BLOB NOT NULL CHECK (length(digest) = 32),
    received_at TEXT NOT NULL,
    response_count INTEGER NOT NULL CHECK (response_count >= 1),
    state TEXT NOT NULL DEFAULT 'accepted' CHECK (state IN ('accepted', 'retracted')),
    UNIQUE (collaborator_id, client_batch_id)
);
CREATE INDEX batches_by_unit ON batches (unit_id, received_at);

-- One row per response. No personal data: the collection day (days since 1970-01-01, a local
-- date in the provincial time zone), the topic, the respondent group and the sentiment.
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches (id),
    collected_on INTEGER NOT NULL CHECK (collected_on BETWEEN 0 AND 2932896),
    topic_id INTEGER NOT NULL REFERENCES topics (id),
    group_id INTEGER NOT NULL REFERENCES respondent_groups (id),
    sentiment_id INTEGER NOT NULL REFERENCES sentiments (id)
);
CREATE INDEX responses_by_batch ON responses (batch_id);

-- Daily tallies, kept in the same transaction as the responses they count.
CREATE TABLE daily_tallies (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    day INTEGER NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES topics (id),
    group_id INTEGER NOT NULL REFERENCES respondent_groups (id),
    sentiment_id INTEGER NOT NULL REFERENCES sentiments (id),
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (unit_id, day, topic_id, group_id, sentiment_id)
) WITHOUT ROWID;

-- A readable view for administrators using the sqlite3 shell.
CREATE VIEW response_details AS
SELECT r.id AS response_id,
       b.client_batch_id AS batch,
       u.code AS unit,
       date(r.collected_on * 86400, 'unixepoch') AS collected_on,
       t.code AS topic,
       g.code AS respondent_group,
       s.code AS sentiment,
       b.received_at AS received_at,
       b.state AS batch_state
FROM responses r
JOIN batches b ON b.id = r.batch_id
JOIN units u ON u.id = b.unit_id
JOIN topics t ON t.id = r.topic_id
JOIN respondent_groups g ON g.id = r.group_id
JOIN sentiments s ON s.id = r.sentiment_id;
