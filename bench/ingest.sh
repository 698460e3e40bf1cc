#!/usr/bin/env bash
# Ingest benchmark, all in one go on this machine: surveyd under load (bench/LoadGen), the storage
# ceiling (the same batches stored by surveyd's storage code, one transaction per batch, no network:
# bench/IngestCeiling) and the Redis peer (redis-server with appendonly yes / appendfsync always,
# HINCRBY + RPUSH per response, MULTI/EXEC per batch, C parallel `redis-cli --pipe`), for
# K = 10, 100, 1000 responses per batch and C = 1, 16, 256 connections. Prints a Markdown table.
#   bench/ingest.sh                            # every K × C, then the latency table
#   KS="100" CS="16" LATENCY=0 bench/ingest.sh  # one cell
#   KS="" LATENCY=1 RATES="1" bench/ingest.sh   # latency at one rate only
#   TOTAL=60000                     # responses per run (at least one batch per connection)
#   REPEAT=3                        # runs per cell; the table shows medians
#   BIN=DIR                         # binaries built elsewhere (a before/after comparison)
#   ROUNDS=1                        # with a survey round over 3 of the 7 topics (issue 17's cost)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup >/dev/null
if ! command -v redis-server >/dev/null 2>&1; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
fi
# BIN: a folder of binaries built elsewhere (surveyd, surveyctl, loadgen, ingest-ceiling), to
# compare two versions in one session; default: this tree's release build.
bin=${BIN:-$(scripts/build-release surveyd surveyctl loadgen ingest-ceiling)}
total=${TOTAL:-60000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# Adds N collaborators (spread over the 16 units) to the state folder; prints "ID TOKEN" lines.
credentials() {
    python3 - "$bin/surveyctl" "$work/surveyd.conf" "$1" "$2" <<'PY'
import json, subprocess, sys
surveyctl, config, state, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
units = [u["code"] for u in json.loads(subprocess.check_output([surveyctl, "units", "--config", config, "--state-dir", state, "--json"]))]
for i in range(count):
    out = json.loads(subprocess.check_output([surveyctl, "collaborator", "add", "--config", config, "--state-dir", state,
                                              "--unit", units[i % len(units)], "--name", f"bench {i}", "--json"]))
    print(out["collaborator"]["id"], out["token"])
PY
}
json() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# Every connection opens at once from one address: room for all of them to wait for AUTH.
sed -e 's/max_connections: 512/max_connections: 2000/' -e 's/max_connections_per_peer: 64/max_connections_per_peer: 1000/' \
    -e 's/max_unauthenticated: 128/max_unauthenticated: 2000/' -e 's/early_drop_start: 64/early_drop_start: 2000/' \
    config/surveyd.conf > "$work/surveyd.conf"
# ROUNDS=1: a survey round over three of the workload's seven topics and all its dates, so that
# about 3/7 of the responses are classified into it and counted in round_counts at ingest.
if [[ "${ROUNDS:-0}" == 1 ]]; then
    day() { TZ=Asia/Ho_Chi_Minh date -d "$1 days" +%F; }
    cat >> "$work/surveyd.conf" <<ROUNDS

rounds:
  - { code: BENCH, title: "Đợt đo", topics: [DAIHOI, CANBO, YTE], from: $(day -40), to: $(day 5), targets: { default: 1000 } }
ROUNDS
fi

# One run of the three systems for a cell; prints one JSON line.
cell() {
    local K=$1 C=$2 B=$3 run=$4
    rm -rf "$run"; mkdir -p "$run/state"
    # Collaborators, one per connection, spread over the 16 units.
    credentials "$run/state" "$C" > "$run/credentials"
    local port pid load rss accepted stored check ceiling rport rpid start end redis_rate
    port=$(free_port)
    "$bin/surveyd" --config "$work/surveyd.conf" --state-dir "$run/state" --listen "127.0.0.1:$port" \
        --log-target stderr --log-level warning 2> "$run/surveyd.log" &
    pid=$!
    wait_port "$port"
    load=$("$bin/loadgen" --port "$port" --credentials "$run/credentials" --batches "$B" --responses "$K")
    rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
    kill -TERM "$pid"; wait "$pid" || true
    accepted=$(json "$load" accepted_responses)
    stored=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('SELECT COUNT(*) FROM responses').fetchone()[0], c.execute('SELECT COALESCE(SUM(count),0) FROM span_tallies').fetchone()[0])" "$run/state/surveyd.sqlite")
    check="FAILED ($accepted acknowledged, stored/tallied: $stored)"
    [[ "$stored" == "$accepted $accepted" && "$accepted" == "$(( C * B * K ))" ]] && check="ok"
    # The ceiling: the same batches, same storage code, one transaction each, no network.
    ceiling=$("$bin/ingest-ceiling" --config "$work/surveyd.conf" --database "$run/ceiling.sqlite" \
        --connections "$C" --batches "$B" --responses "$K")
    # The Redis peer.
    rport=$(free_port); mkdir -p "$run/redis"
    redis-server --port "$rport" --dir "$run/redis" --appendonly yes --appendfsync always --save "" \
        --daemonize no --protected-mode no > "$run/redis.log" 2>&1 &
    rpid=$!
    wait_port "$rport"
    python3 - "$run" "$C" "$B" "$K" <<'PY'
import random, sys
run, C, B, K = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
topics = ["DAIHOI", "CANBO", "YTE", "GIAODUC", "TREEM", "KTXH", "CDS"]
groups, sentiments = ["CB", "DV", "ND"], ["DONGTINH", "PHANVAN", "KHONGDONGTINH"]
def resp(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))
for c in range(C):
    rng = random.Random(c)
    unit = f"U{c % 16:02d}"
    with open(f"{run}/redis-{c}.resp", "wb") as out:
        for b in range(B):
            out.write(resp("MULTI"))
            start, days = rng.randint(2, 30), rng.randint(1, 3)
            for _ in range(K):
                day = f"2026-11-{(start - rng.randrange(days)) % 28 + 1:02d}"
                t, g, s = rng.choice(topics), rng.choice(groups), rng.choice(sentiments)
                out.write(resp("HINCRBY", f"tally:{unit}", f"{day}|{t}|{g}|{s}", "1"))
                out.write(resp("RPUSH", f"responses:{unit}", f"{day} {t} {g} {s}"))
            out.write(resp("EXEC"))
PY
    start=$(date +%s.%N)
    local pipes=()
    for c in $(seq 0 $(( C - 1 ))); do redis-cli -p "$rport" --pipe < "$run/redis-$c.resp" > /dev/null & pipes+=($!); done
    wait "${pipes[@]}" 2>/dev/null || true
    end=$(date +%s.%N)
    redis_rate=$(python3 -c "print(round($C * $B * $K / ($end - $start)))")
    redis-cli -p "$rport" shutdown nosave > /dev/null 2>&1 || kill "$rpid"; wait "$rpid" 2>/dev/null || true
    python3 -c "import json,sys; print(json.dumps({'load': json.loads(sys.argv[1]), 'ceiling': json.loads(sys.argv[2]), 'redis': float(sys.argv[3]), 'rss': int(sys.argv[4]), 'check': sys.argv[5]}))" \
        "$load" "$ceiling" "$redis_rate" "$rss" "$check"
    rm -rf "$run"
}

repeat=${REPEAT:-1}
echo "| K | C | batches | surveyd resp/s | ceiling resp/s | surveyd ÷ ceiling | Redis resp/s | surveyd ÷ Redis | ACK p50 / p99 / p99.9 ms | surveyd peak RSS | check |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for K in ${KS-10 100 1000}; do
    for C in ${CS-1 16 256}; do
        B=$(( total / (K * C) )); (( B < 1 )) && B=1
        results="$work/results-k$K-c$C"; : > "$results"
        for _ in $(seq "$repeat"); do cell "$K" "$C" "$B" "$work/k$K-c$C" >> "$results"; done
        # With REPEAT > 1, each figure is the median of the runs (latency: of the median run).
        python3 - "$K" "$C" "$B" "$results" <<'PY'
import json, statistics, sys
K, C, B, path = sys.argv[1:]
runs = [json.loads(line) for line in open(path)]
median = lambda values: statistics.median(values)
s = median([r["load"]["responses_per_second"] for r in runs])
c = median([r["ceiling"]["responses_per_second"] for r in runs])
redis = median([r["redis"] for r in runs])
load = sorted(runs, key=lambda r: r["load"]["responses_per_second"])[len(runs) // 2]["load"]
rss = max(r["rss"] for r in runs)
checks = {r["check"] for r in runs}
check = "ok" if checks == {"ok"} else "; ".join(sorted(checks - {"ok"}))
ms = lambda us: f"{us / 1000:.1f}"
runs_note = f" (median of {len(runs)})" if len(runs) > 1 else ""
print(f"| {K} | {C} | {int(C) * int(B)} | {s:,.0f}{runs_note} | {c:,.0f} | {s / c:.2f}× | {redis:,.0f} | {s / redis:.2f}× | "
      f"{ms(load['p50_us'])} / {ms(load['p99_us'])} / {ms(load['p999_us'])} | {rss} MB | {check} |")
PY
    done
done

# Latency at a set arrival rate (open loop): C = 256 collaborators sending batches of 100 on a
# schedule for about 10 s, at several rates; latency counts from each batch's scheduled time.
if [[ "${LATENCY:-1}" == 1 ]]; then
    echo
    echo "| C | K | offered resp/s | accepted resp/s | ACK p50 / p99 / p99.9 / max ms | check |"
    echo "|---|---|---|---|---|---|"
    C=256; K=100
    for rate in ${RATES:-0.5 1 2}; do
        B=$(python3 -c "print(max(1, round(10 * $rate)))")
        run="$work/rate-$rate"; mkdir -p "$run/state"
        credentials "$run/state" "$C" > "$run/credentials"
        port=$(free_port)
        "$bin/surveyd" --config "$work/surveyd.conf" --state-dir "$run/state" --listen "127.0.0.1:$port" \
            --log-target stderr --log-level warning 2> "$run/surveyd.log" &
        pid=$!
        wait_port "$port"
        load=$("$bin/loadgen" --port "$port" --credentials "$run/credentials" --batches "$B" --responses "$K" --rate "$rate")
        kill -TERM "$pid"; wait "$pid" || true
        stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM responses').fetchone()[0])" "$run/state/surveyd.sqlite")
        python3 - "$C" "$K" "$rate" "$load" "$stored" <<'PY'
import json, sys
C, K, rate, load, stored = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5])
ms = lambda us: f"{us / 1000:.1f}"
check = "ok" if stored == load["accepted_responses"] == C * K * max(1, round(10 * rate)) else f"FAILED ({stored} stored)"
print(f"| {C} | {K} | {C * K * rate:,.0f} | {load['responses_per_second']:,.0f} | "
      f"{ms(load['p50_us'])} / {ms(load['p99_us'])} / {ms(load['p999_us'])} / {ms(load['max_us'])} | {check} |")
PY
        rm -rf "$run"
    done
fi
