-- surveyd schema, version 3: tallies per span instead of per day.
-- A span is the part of an ISO week that lies in one calendar month; it starts on the later of the
-- week's Monday and the month's first day. Every published period (week, month, quarter, year) is
-- a union of whole spans, so summing span tallies gives exactly the daily tallies' totals, from
-- about a seventh of the rows, and a batch of one to three field days touches one or two spans.
CREATE TABLE span_tallies (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    -- Days since 1970-01-01 of the span's first day.
    span_start INTEGER NOT NULL,
    topic_id INTEGER NOT NULL REFERENCES topics (id),
    group_id INTEGER NOT NULL REFERENCES respondent_groups (id),
    sentiment_id INTEGER NOT NULL REFERENCES sentiments (id),
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (unit_id, span_start, topic_id, group_id, sentiment_id)
) WITHOUT ROWID;

-- The span start of day number d, in SQL (SurveyModel's LocalDate.tallySpanStart in Swift):
-- max(Monday of the ISO week, first day of the month).
INSERT INTO span_tallies (unit_id, span_start, topic_id, group_id, sentiment_id, count)
SELECT unit_id,
       max(day - (day + 3) % 7, CAST(julianday(day * 86400, 'unixepoch', 'start of month') - 2440587.5 AS INTEGER)),
       topic_id, group_id, sentiment_id, SUM(count)
FROM daily_tallies
GROUP BY 1, 2, 3, 4, 5;

DROP TABLE daily_tallies;
