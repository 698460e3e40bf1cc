-- surveyd schema, version 8: every released version of every period (docs/SUMMARIES.md,
-- "Revisions"). Version 7 froze a tally span's counts at its first release and held back what
-- came later; now each period is released with every response stored before its publication, and
-- later changes make a new version of every released period holding them. What each version showed
-- stays recorded, because readers keep copies: the protection plans every later version against
-- all of them.

-- One row per publication that released or revised something, numbered in order.
CREATE TABLE releases (
    seq INTEGER PRIMARY KEY CHECK (seq > 0),
    released_at TEXT NOT NULL
);

-- The versions of a tally span (span_start as in span_tallies): its counts as shown by every
-- period version released at `seq` or later, until the span's next version. `counts` packs, for
-- each non-zero atom, six little-endian 32-bit integers (unit_id, topic_id, group_id, sentiment_id,
-- count, floor); `floor` equals `count` in rows written by this version, and is the smallest count
-- any earlier version showed in rows carried over from version 7.
CREATE TABLE span_versions (
    span_start INTEGER NOT NULL,
    seq INTEGER NOT NULL REFERENCES releases (seq),
    counts BLOB NOT NULL CHECK (length(counts) % 24 = 0),
    PRIMARY KEY (span_start, seq)
) WITHOUT ROWID;

-- The released versions of a period: the version released at `seq` shows, for each of its spans,
-- the span version with the largest seq not above it.
CREATE TABLE period_versions (
    kind TEXT NOT NULL CHECK (kind IN ('week', 'month', 'quarter', 'year')),
    period TEXT NOT NULL CHECK (length(period) BETWEEN 4 AND 8),
    seq INTEGER NOT NULL REFERENCES releases (seq),
    PRIMARY KEY (kind, period, seq)
) WITHOUT ROWID;

-- The positions a period version withholds: topic × unit × respondent group, where 0 stands for
-- all units (the province) or all groups.
CREATE TABLE period_version_withheld (
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    seq INTEGER NOT NULL,
    topic_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    PRIMARY KEY (kind, period, seq, topic_id, unit_id, group_id),
    FOREIGN KEY (kind, period, seq) REFERENCES period_versions (kind, period, seq)
) WITHOUT ROWID;

-- What version 7 released becomes release 1: its span counts (with their floors) and its periods'
-- masks, which never changed under version 7.
INSERT INTO releases (seq, released_at)
    SELECT 1, MAX(released_at) FROM released_periods HAVING COUNT(*) > 0;
INSERT INTO span_versions (span_start, seq, counts)
    SELECT span_start, 1, counts FROM released_spans WHERE EXISTS (SELECT 1 FROM releases);
INSERT INTO period_versions (kind, period, seq) SELECT kind, period, 1 FROM released_periods;
INSERT INTO period_version_withheld (kind, period, seq, topic_id, unit_id, group_id)
    SELECT kind, period, 1, topic_id, unit_id, group_id FROM released_withheld;
DROP TABLE released_withheld;
DROP TABLE released_spans;
DROP TABLE released_periods;
