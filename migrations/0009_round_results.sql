-- surveyd schema, version 9: the survey rounds' results (docs/SUMMARIES.md, "Round results").
-- A round's results are one more table of the protection plan, over the tally spans inside its
-- window. Its window may start or end in the middle of a span, so tally spans are also cut at
-- each round's first day and at the day after its last: a span starts on the latest of its ISO
-- week's Monday, its month's first day and the cuts before it. A cut is recorded once and kept
-- (a cut nobody needs any more only makes spans smaller); a cut that would split a span already
-- released is never made, and that round's results are withheld.
CREATE TABLE span_cuts (
    -- Days since 1970-01-01 on which a tally span starts although it is neither a Monday nor a
    -- month's first day.
    day INTEGER PRIMARY KEY
) WITHOUT ROWID;

-- Cuts refused because their span was released whole (the journal says so once for each).
CREATE TABLE refused_cuts (
    day INTEGER PRIMARY KEY
) WITHOUT ROWID;

-- Whether the journal has said that the round's results are published (`round results published`,
-- once per round, by the daemon).
ALTER TABLE rounds ADD COLUMN results_announced INTEGER NOT NULL DEFAULT 0 CHECK (results_announced IN (0, 1));

-- The released versions of each round's results: like period_versions, with the round's window
-- and topics as that version showed them (a round's definition may change later).
CREATE TABLE round_versions (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    seq INTEGER NOT NULL REFERENCES releases (seq),
    from_day INTEGER NOT NULL,
    to_day INTEGER NOT NULL CHECK (to_day >= from_day),
    -- The topic ids the version shows, as a JSON array.
    topics TEXT NOT NULL CHECK (json_valid(topics)),
    PRIMARY KEY (round_id, seq)
) WITHOUT ROWID;

-- The positions a round version withholds, as in period_version_withheld.
CREATE TABLE round_version_withheld (
    round_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    PRIMARY KEY (round_id, seq, topic_id, unit_id, group_id),
    FOREIGN KEY (round_id, seq) REFERENCES round_versions (round_id, seq)
) WITHOUT ROWID;
