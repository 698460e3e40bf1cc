#!/usr/bin/env bash
# Does a large export block ingest? surveyd on a 1 GB database (bench/large-db.sh): the load
# generator alone (16 connections, batches of 100), then again while `surveyctl export` streams
# 10 million rows to a file. Prints a Markdown table.
#   bench/export-during-ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup >/dev/null
bin=$(scripts/build-release surveyd surveyctl loadgen)
db=$(bench/large-db.sh)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; print(round(json.loads(sys.argv[1])[sys.argv[2]]))" "$1" "$2"; }
mkdir -p "$work/state"
cp "$db" "$work/state/surveyd.sqlite"
sed -e 's/max_connections_per_peer: 64/max_connections_per_peer: 1000/' -e 's/max_unauthenticated: 128/max_unauthenticated: 2000/' \
    -e 's/early_drop_start: 64/early_drop_start: 2000/' config/surveyd.conf > "$work/surveyd.conf"
options=(--config "$work/surveyd.conf" --state-dir "$work/state")
for i in $(seq 16); do
    "$bin/surveyctl" collaborator add --unit TPTN --name "bench $i" --json "${options[@]}" \
        | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["collaborator"]["id"], d["token"])'
done > "$work/credentials"
port=$(free_port)
"$bin/surveyd" "${options[@]}" --listen "127.0.0.1:$port" --log-target stderr --log-level warning 2> "$work/surveyd.log" &
pid=$!
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
alone=$("$bin/loadgen" --port "$port" --credentials "$work/credentials" --batches 300 --responses 100 --seed 1)
# Days 19000–19599 hold a third of the 30 M responses.
start=$(date +%s.%N)
"$bin/surveyctl" export --from 2022-01-08 --to 2023-08-31 --output "$work/export.csv" "${options[@]}" 2> "$work/export.log" &
exporter=$!
sleep 1
during=$("$bin/loadgen" --port "$port" --credentials "$work/credentials" --batches 300 --responses 100 --seed 2)
peak=0
while kill -0 "$exporter" 2>/dev/null; do
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$exporter/status" 2>/dev/null || echo 0); (( rss > peak )) && peak=$rss
    sleep 0.1
done
wait "$exporter"
end=$(date +%s.%N)
rows=$(( $(wc -l < "$work/export.csv") - 1 ))
kill -TERM "$pid"; wait "$pid" || true
echo "| measure | value |"
echo "|---|---|"
echo "| ingest alone (C = 16, K = 100) | $(json "$alone" responses_per_second) responses/s, p99 $(( $(json "$alone" p99_us) / 1000 )) ms |"
echo "| ingest during the export | $(json "$during" responses_per_second) responses/s, p99 $(( $(json "$during" p99_us) / 1000 )) ms |"
echo "| export | $rows rows in $(python3 -c "print(round($end - $start, 1))") s, peak resident memory $(( peak / 1024 )) MB |"
