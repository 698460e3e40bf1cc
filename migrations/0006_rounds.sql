-- surveyd schema, version 6: survey rounds (đợt điều tra).
-- Reference rows synchronised from the configuration's `rounds`, like units and topics: rows no
-- longer configured are deactivated, never deleted, so a past round's progress stays readable.
-- `definition` is the round as JSON (topics, dates, silent_after_days, targets);
-- `membership` is what decides which responses belong to it (topics, from, to): when it changes,
-- the round's counts are rebuilt from the responses once.
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    title TEXT NOT NULL CHECK (length(title) > 0),
    definition TEXT NOT NULL CHECK (json_valid(definition)),
    membership TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- The phase the journal last announced (upcoming, open, closed), or NULL.
    announced_phase TEXT CHECK (announced_phase IS NULL OR announced_phase IN ('upcoming', 'open', 'closed'))
);

-- The responses of each batch that belong to a round, per topic and respondent group: written at
-- ingest in the batch's transaction (a few rows a batch), so that progress never reads the
-- responses. A batch's state (retracted) and held flag are read through the join with batches.
CREATE TABLE round_counts (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    batch_id INTEGER NOT NULL REFERENCES batches (id),
    topic_id INTEGER NOT NULL REFERENCES topics (id),
    group_id INTEGER NOT NULL REFERENCES respondent_groups (id),
    count INTEGER NOT NULL CHECK (count >= 1),
    PRIMARY KEY (round_id, batch_id, topic_id, group_id)
) WITHOUT ROWID;

-- The status the journal last reported for each unit of each round, so that a restart does not
-- repeat a warning.
CREATE TABLE round_unit_states (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    status TEXT NOT NULL CHECK (status IN ('not_started', 'on_track', 'behind', 'silent', 'complete', 'missed')),
    PRIMARY KEY (round_id, unit_id)
) WITHOUT ROWID;
