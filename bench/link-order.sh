#!/usr/bin/env bash
# Writes scripts/link-order.txt, the order in which scripts/build-release links functions: every
# function that runs while surveyd starts, serves collaborators under load, refuses a bad batch,
# reloads, publishes and stops, and while surveyctl does an administrator's and a collaborator's
# commands. They are recorded under valgrind (callgrind) from a release build; the symbols that are
# in the binaries are kept, sorted by name. Run it again after large changes to the code (half a
# minute once the release build is there), then bench/footprint.sh. A stale list still works: functions it does not name are
# linked after the ones it does.
#   bench/link-order.sh
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup >/dev/null
if ! command -v valgrind >/dev/null 2>&1; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >/dev/null
fi
bin=$(scripts/build-release surveyd surveyctl loadgen)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
# valgrind 3.19 cannot read the DWARF 5 that clang writes: record copies without debug sections.
for program in surveyd surveyctl; do strip --strip-debug -o "$work/$program" "$bin/$program"; done
record=(valgrind --tool=callgrind --demangle=no --dump-instr=no "--callgrind-out-file=$work/callgrind.%p" "--log-file=$work/valgrind.%p.log")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
config=(--config config/surveyd.conf --state-dir "$work/state")
port=$(free_port)
mkdir -p "$work/state"
"${record[@]}" "$work/surveyd" "${config[@]}" --listen "127.0.0.1:$port" --log-target stderr 2> "$work/surveyd.log" &
daemon=$!
for _ in $(seq 600); do grep -q '\] ready' "$work/surveyd.log" 2>/dev/null && break; sleep 0.1; done
grep -q '\] ready' "$work/surveyd.log" || { cat "$work/surveyd.log" >&2; exit 1; }

# An administrator's and a collaborator's commands, each recorded too.
"${record[@]}" "$work/surveyctl" collaborator add --unit TPTN --name "Nguyễn Văn An" "${config[@]}" --json > "$work/added.json"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/added.json" > "$work/token"
printf 'date,topic,group,sentiment\n%s,CDS,ND,DONGTINH\n%s,YTE,CB,PHANVAN\n' "$(date +%F)" "$(date +%F)" > "$work/good.csv"
printf 'date,topic,group,sentiment\n%s,TYPO,ND,DONGTINH\n' "$(date +%F)" > "$work/bad.csv"
"${record[@]}" "$work/surveyctl" submit "$work/good.csv" --server "127.0.0.1:$port" --collaborator 1 --token-file "$work/token"
"${record[@]}" "$work/surveyctl" submit "$work/bad.csv" --server "127.0.0.1:$port" --collaborator 1 --token-file "$work/token" || true
# Group commit under load: 8 connections of their own collaborators, 5 batches of 100 each.
for i in $(seq 2 9); do
    "$bin/surveyctl" collaborator add --unit TPTN --name "load $i" "${config[@]}" --json |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["collaborator"]["id"], d["token"])'
done > "$work/credentials"
"$bin/loadgen" --port "$port" --credentials "$work/credentials" --batches 5 --responses 100 > /dev/null
"${record[@]}" "$work/surveyctl" stats "${config[@]}" > /dev/null
kill -HUP "$daemon"
for _ in $(seq 600); do [[ $(grep -c 'publish done' "$work/surveyd.log") -ge 2 ]] && break; sleep 0.1; done
kill -TERM "$daemon"; wait "$daemon"

# Function names that are symbols of the binaries, in name order.
{ nm --defined-only "$bin/surveyd"; nm --defined-only "$bin/surveyctl"; } | awk '$2 ~ /^[tTwW]$/ { print $3 }' | sort -u > "$work/symbols"
sed -n -E 's/^c?fn=\([0-9]+\) (.+)$/\1/p' "$work"/callgrind.* | sort -u > "$work/called"
comm -12 "$work/symbols" "$work/called" > scripts/link-order.txt
echo "scripts/link-order.txt: $(wc -l < scripts/link-order.txt) functions" >&2
