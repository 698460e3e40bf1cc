#!/usr/bin/env bash
# Prints the path of a surveyd database of about 1 GB (30 M responses in 300 k batches over five
# years, 16 units), building it once into .build-bench/ (about 2 minutes). Used by footprint.sh and
# export-during-ingest.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bin=$(scripts/build-release surveyctl)
db=.build-bench/footprint-1g/surveyd.sqlite
if [[ ! -f "$db" ]]; then
    mkdir -p "$(dirname "$db")"
    "$bin/surveyctl" units --config config/surveyd.conf --database "$db" > /dev/null
    python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO collaborators (unit_id, name, token_hash, created_at) VALUES (1, 'bench', zeroblob(32), '2026-01-01T00:00:00Z')")
c.execute("""WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299999)
             INSERT INTO batches (collaborator_id, client_batch_id, unit_id, digest, received_at, response_count)
             SELECT 1, 'b' || i, 1 + i % 16, randomblob(32), '2026-01-01T00:00:00Z', 100 FROM n""")
c.execute("""WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999999)
             INSERT INTO responses (batch_id, collected_on, topic_id, group_id, sentiment_id)
             SELECT 1 + i / 100, 19000 + (i / 100) % 1800, 1 + i % 7, 1 + (i / 7) % 3, 1 + (i / 21) % 3 FROM n""")
c.execute("""INSERT INTO span_tallies SELECT b.unit_id,
             max(r.collected_on - (r.collected_on + 3) % 7, CAST(julianday(r.collected_on * 86400, 'unixepoch', 'start of month') - 2440587.5 AS INTEGER)),
             r.topic_id, r.group_id, r.sentiment_id, COUNT(*) FROM responses r JOIN batches b ON b.id = r.batch_id GROUP BY 1, 2, 3, 4, 5""")
c.commit()
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
PY
fi
echo "$db"
