-- surveyd schema, version 2: what has been published.
-- One row per published period: its revision rises each time the period's content changes
-- (late data), and the digest of the content it was built from tells whether it changed.
CREATE TABLE publications (
    kind TEXT NOT NULL CHECK (kind IN ('week', 'month', 'quarter', 'year')),
    period TEXT NOT NULL CHECK (length(period) BETWEEN 4 AND 8),
    revision INTEGER NOT NULL CHECK (revision >= 1),
    digest BLOB NOT NULL CHECK (length(digest) = 32),
    responses INTEGER NOT NULL CHECK (responses >= 0),
    data_through TEXT NOT NULL,
    PRIMARY KEY (kind, period)
) WITHOUT ROWID;
