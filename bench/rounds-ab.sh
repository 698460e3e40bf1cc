#!/usr/bin/env bash
# The ingest cost of survey rounds (issue 17 §4), measured as paired A/B runs in one session:
# surveyd under bench/LoadGen (K = 100, C = 16) and the storage path alone (bench/IngestCeiling in
# group-commit mode), each run once with the example configuration (A) and once with a round over
# 3 of the workload's 7 topics and all its dates (B), alternating, so that the machine's drift
# affects both alike. Prints the medians and the median of the paired ratios B ÷ A.
#   bench/rounds-ab.sh              PAIRS=12 (pairs of runs), B=150 (batches per connection)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bin=$(scripts/build-release surveyd surveyctl loadgen ingest-ceiling)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
day() { TZ=Asia/Ho_Chi_Minh date -d "$1 days" +%F; }
sed -e 's/max_connections: 512/max_connections: 2000/' -e 's/max_connections_per_peer: 64/max_connections_per_peer: 1000/' \
    config/surveyd.conf > "$work/A.conf"
cp "$work/A.conf" "$work/B.conf"
printf '\nrounds:\n  - { code: BENCH, title: "Đợt đo", topics: [DAIHOI, CANBO, YTE], from: %s, to: %s, targets: { default: 1000 } }\n' \
    "$(day -40)" "$(day 5)" >> "$work/B.conf"
units=$(python3 -c 'import re,sys; print(" ".join(re.findall(r"\{ code: (\w+), name:", open(sys.argv[1]).read())))' config/surveyd.conf)
read -r -a units <<< "$units"
batches=${B:-150}
for pair in $(seq "${PAIRS:-12}"); do
    for config in A B; do
        run="$work/run"; rm -rf "$run"; mkdir -p "$run/state"
        for index in $(seq 0 15); do
            "$bin/surveyctl" collaborator add --config "$work/$config.conf" --state-dir "$run/state" --unit "${units[$index]}" --name "bench $index" --json |
                python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["collaborator"]["id"], d["token"])'
        done > "$run/credentials"
        port=$(free_port)
        "$bin/surveyd" --config "$work/$config.conf" --state-dir "$run/state" --listen "127.0.0.1:$port" --log-target stderr --log-level warning 2> "$run/log" &
        pid=$!
        wait_port "$port"
        load=$("$bin/loadgen" --port "$port" --credentials "$run/credentials" --batches "$batches" --responses 100)
        kill -TERM "$pid"; wait "$pid" || true
        ceiling=$("$bin/ingest-ceiling" --config "$work/$config.conf" --database "$run/ceiling.sqlite" --connections 16 --batches "$batches" --responses 100 --mode group --seed "$pair")
        echo "$config $load $ceiling" >> "$work/results"
    done
done
python3 - "$work/results" <<'PY'
import json, statistics, sys
runs = {"A": {"surveyd": [], "storage": []}, "B": {"surveyd": [], "storage": []}}
for line in open(sys.argv[1]):
    config, rest = line.split(" ", 1)
    decoder = json.JSONDecoder()
    load, end = decoder.raw_decode(rest.strip())
    ceiling, _ = decoder.raw_decode(rest.strip()[end:].strip())
    runs[config]["surveyd"].append(load["responses_per_second"])
    runs[config]["storage"].append(ceiling["responses_per_second"])
print("| path | A: no round, median resp/s | B: one round, median resp/s | median of paired B ÷ A | pairs |")
print("|---|---|---|---|---|")
for path, name in [("surveyd", "surveyd end to end (LoadGen, K = 100, C = 16)"), ("storage", "storage alone (IngestCeiling, group commit)")]:
    a, b = runs["A"][path], runs["B"][path]
    ratio = statistics.median([y / x for x, y in zip(a, b)])
    print(f"| {name} | {statistics.median(a):,.0f} | {statistics.median(b):,.0f} | {ratio:.3f} | {len(a)} |")
PY
