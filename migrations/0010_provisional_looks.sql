-- surveyd schema, version 10: the provisional look's alarms (docs/SUMMARIES.md, "The provisional
-- look"). An alarm shown on the current week's first days, before the week is released, tells its
-- reader that some of those days' counts of a unit's (or the province's) topic reached a bound.
-- Every later plan keeps those counts from moving toward the bound in the week's spans, so each
-- alarm shown is recorded here before the files that show it are written, and kept.
CREATE TABLE provisional_looks (
    -- Days since 1970-01-01 of the week's Monday.
    week_start INTEGER NOT NULL,
    -- The unit's id; 0 for the province.
    unit_id INTEGER NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES topics (id),
    -- When it was first shown (UTC).
    shown_at TEXT NOT NULL,
    PRIMARY KEY (week_start, unit_id, topic_id)
) WITHOUT ROWID;
