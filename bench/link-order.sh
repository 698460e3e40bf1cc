#!/usr/bin/env bash
# Writes scripts/link-order.txt, the order in which scripts/build-release links functions: every
# function that runs while surveyd starts as the service does (socket activation, TLS, readiness
# and watchdog notifications, the journal), serves collaborators in plain text and over TLS and
# under load, refuses a bad batch, reloads, publishes and stops, and while surveyctl does an
# administrator's and a collaborator's commands. They are recorded under valgrind (callgrind)
# from a release build; the symbols that are in the binaries are kept, sorted by name. Run it
# again after large changes to the code (a minute once the release build is there), then
# bench/footprint.sh. A stale list still works: functions it does not name are linked after the
# ones it does.
#   bench/link-order.sh
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source scripts/env.sh
./scripts/setup >/dev/null
if ! command -v valgrind >/dev/null 2>&1; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >/dev/null
fi
bin=$(scripts/build-release surveyd surveyctl loadgen)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/service-like.sh
# valgrind 3.19 cannot read the DWARF 5 that clang writes: record copies without debug sections.
for program in surveyd surveyctl; do strip --strip-debug -o "$work/$program" "$bin/$program"; done
record=(valgrind --tool=callgrind --demangle=no --dump-instr=no "--callgrind-out-file=$work/callgrind.%p" "--log-file=$work/valgrind.%p.log")
service_config "$work"
config=(--config "$work/surveyd.conf" --state-dir "$work/state")
port=$(free_port)
mkdir -p "$work/state"
service_start "$work" "$port" "${record[@]}" "$work/surveyd" "${config[@]}" --log-target journal
daemon=$SERVICE_PID

# An administrator's and a collaborator's commands, each recorded too: a batch in plain text, one
# over TLS, and one refused.
"${record[@]}" "$work/surveyctl" collaborator add --unit TPTN --name "Nguyễn Văn An" "${config[@]}" --json > "$work/added.json"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/added.json" > "$work/token"
printf 'date,topic,group,sentiment\n%s,CDS,ND,DONGTINH\n%s,YTE,CB,PHANVAN\n' "$(date +%F)" "$(date +%F)" > "$work/good.csv"
printf 'date,topic,group,sentiment\n%s,YTE,ND,KHONGDONGTINH\n' "$(date +%F)" > "$work/tls.csv"
printf 'date,topic,group,sentiment\n%s,TYPO,ND,DONGTINH\n' "$(date +%F)" > "$work/bad.csv"
submit=("${record[@]}" "$work/surveyctl" submit --collaborator 1 --token-file "$work/token")
"${submit[@]}" "$work/good.csv" --server "127.0.0.1:$port"
"${submit[@]}" "$work/tls.csv" --server "127.0.0.1:$TLS_PORT" --ca-file "$work/tls-cert.pem"
status=0; "${submit[@]}" "$work/bad.csv" --server "127.0.0.1:$port" || status=$?
[[ $status -eq 65 ]] || { echo "the bad batch was not refused with 65 (exit $status)" >&2; exit 1; }
# Group commit under load: 8 connections of their own collaborators, 5 batches of 100 each.
for i in $(seq 2 9); do
    "$bin/surveyctl" collaborator add --unit TPTN --name "load $i" "${config[@]}" --json |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["collaborator"]["id"], d["token"])'
done > "$work/credentials"
"$bin/loadgen" --port "$port" --credentials "$work/credentials" --batches 5 --responses 100 > /dev/null
"${record[@]}" "$work/surveyctl" stats "${config[@]}" > /dev/null
# Reload (SIGHUP publishes), then stop. The status line names the last publication's time: wait
# for a second one, with the watchdog fed in between.
kill -HUP "$daemon"
published() { service_notifications "$work" | grep -o 'last publish [0-9:]*' | sort -u | wc -l; }
for _ in $(seq 1200); do [[ $(published) -ge 2 ]] && break; sleep 0.1; done
[[ $(published) -ge 2 ]] || { echo "no publication after SIGHUP" >&2; exit 1; }
service_notifications "$work" | grep -q "WATCHDOG=1" || { echo "the watchdog was never fed" >&2; exit 1; }
kill -TERM "$daemon"; wait "$daemon"

# Function names that are symbols of the binaries, in name order.
{ nm --defined-only "$bin/surveyd"; nm --defined-only "$bin/surveyctl"; } | awk '$2 ~ /^[tTwW]$/ { print $3 }' | sort -u > "$work/symbols"
sed -n -E 's/^c?fn=\([0-9]+\) (.+)$/\1/p' "$work"/callgrind.* | sort -u > "$work/called"
comm -12 "$work/symbols" "$work/called" > "$work/link-order.txt"
count=$(wc -l < "$work/link-order.txt")
(( count > 5000 )) || { echo "only $count functions recorded: scripts/link-order.txt left as it was" >&2; exit 1; }
mv "$work/link-order.txt" scripts/link-order.txt
echo "scripts/link-order.txt: $count functions" >&2
