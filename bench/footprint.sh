#!/usr/bin/env bash
# surveyd's footprint, release build: resident memory idle and holding 1,000 open connections, and
# the time from start to ready on a database of about 1 GB (generated here once, kept in
# .build-bench/ for later runs). Prints a Markdown table. The memory is measured with surveyd
# started as the service starts it (bench/service-like.sh: socket activation, TLS, notifications
# with the watchdog, the journal), 2 s after READY=1 and its first publication.
#   bench/footprint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup >/dev/null
bin=$(scripts/build-release surveyd surveyctl)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/service-like.sh
service_config "$work" 's/max_connections: 512/max_connections: 2000/; s/max_connections_per_peer: 64/max_connections_per_peer: 1500/; s/max_unauthenticated: 128/max_unauthenticated: 2000/; s/early_drop_start: 64/early_drop_start: 2000/'
rss() { awk "/$2/ {printf \"%.1f MB\", \$2/1024}" "/proc/$1/status"; }

# Memory: idle, then 1,000 connections that each read the greeting and stay open.
port=$(free_port); mkdir -p "$work/state"
service_start "$work" "$port" "$bin/surveyd" --config "$work/surveyd.conf" --state-dir "$work/state" --log-target journal
pid=$SERVICE_PID
sleep 2
idle="$(rss "$pid" VmRSS), of which private (anonymous) $(rss "$pid" RssAnon)"
python3 - "$port" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
held = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port))
    s.recv(200)
    held.append(s)
time.sleep(4)
PY
holder=$!
sleep 3
held=$(rss "$pid" VmRSS)
wait "$holder"
peak=$(rss "$pid" VmHWM)
kill -TERM "$pid"; wait "$pid" || true

# Start to ready on a large database.
db=$(bench/large-db.sh)
size=$(du -m "$db" | cut -f1)
mkdir -p "$work/big"; cp "$db" "$work/big/surveyd.sqlite"
sync
# Milliseconds from start to ready; the log is kept in $work/big-$1.log.
start_to_ready() {
    local port start pid
    port=$(free_port)
    start=$(date +%s%N)
    "$bin/surveyd" --config "$work/surveyd.conf" --state-dir "$work/big" --listen "127.0.0.1:$port" --log-target stderr --log-level info 2> "$work/big-$1.log" &
    pid=$!
    until grep -q "\] ready" "$work/big-$1.log"; do sleep 0.005; done
    echo $(( ($(date +%s%N) - start) / 1000000 ))
    kill -TERM "$pid"; wait "$pid" || true
}
# The cached database may predate newer migrations: the first start applies them (an upgrade),
# the second is an ordinary start.
first=$(start_to_ready first)
migrations=$(grep -o "migrations=[^ ]*" "$work/big-first.log" | cut -d= -f2 || true)
ready=$(start_to_ready second)

echo "| measure | value |"
echo "|---|---|"
echo "| resident memory, idle | $idle |"
echo "| resident memory holding 1,000 open connections | $held (peak $peak) |"
echo "| start to ready, database of $size MB (30 M responses) | $ready ms |"
[[ -n "$migrations" ]] && echo "| first start after an upgrade, applying $migrations to it | $first ms |"
true
