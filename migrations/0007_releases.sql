-- surveyd schema, version 7: what has been released for good (publish.release: closed).
-- A period is released once it has ended and its grace days have passed. From then on its figures
-- come from the released counts of its tally spans (released_spans), not from the live
-- span_tallies, and what it withholds (released_withheld) never changes. Responses that arrive
-- later for a released span stay in span_tallies and are published only when comparing the two
-- versions reveals no group below the minimum (docs/SUMMARIES.md, "Revisions").
CREATE TABLE released_periods (
    kind TEXT NOT NULL CHECK (kind IN ('week', 'month', 'quarter', 'year')),
    period TEXT NOT NULL CHECK (length(period) BETWEEN 4 AND 8),
    released_at TEXT NOT NULL,
    PRIMARY KEY (kind, period)
) WITHOUT ROWID;

-- The positions a released period withholds: topic × unit × respondent group, where 0 stands for
-- all units (the province) or all groups.
CREATE TABLE released_withheld (
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    topic_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    PRIMARY KEY (kind, period, topic_id, unit_id, group_id),
    FOREIGN KEY (kind, period) REFERENCES released_periods (kind, period)
) WITHOUT ROWID;

-- The counts of every released tally span as last released (span_start as in span_tallies), one
-- row per span: `counts` packs, for each non-zero atom, six little-endian 32-bit integers
-- (unit_id, topic_id, group_id, sentiment_id, count, floor). `floor` is the smallest count any
-- released version showed: what the protection's certificates may draw on, so that each is a
-- valid change of every version at once. A span is released when a released period contains it.
CREATE TABLE released_spans (
    span_start INTEGER PRIMARY KEY,
    counts BLOB NOT NULL CHECK (length(counts) % 24 = 0)
);
