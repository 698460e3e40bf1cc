#!/usr/bin/env bash
# Runs inside the container (systemd as PID 1). Each step says what it checks.
set -euo pipefail
step() { echo "nspawn-e2e: $*" >&2; }
fail() { echo "nspawn-e2e: FAILED: $*" >&2; journalctl -u surveyd --no-pager -n 40 >&2 || true; journalctl -u surveyd -o verbose --no-pager -n 300 | grep -E "SURVEY_ERROR" | sort -u | tail -5 >&2 || true; exit 1; }
export PATH=/usr/local/bin:$PATH
# Whether surveyd's journal (in OUTPUT format) holds PATTERN. (Not `journalctl | grep -q`: with
# pipefail, grep leaving early fails the pipeline.)
journal_has() { journalctl -u surveyd -o "$1" --no-pager > /tmp/journal.txt 2>/dev/null; grep -q -- "$2" /tmp/journal.txt; }

step "make install"
mkdir -p /tmp/src
cp -r /payload/src/Makefile /payload/src/README.md /payload/src/systemd /payload/src/config /payload/src/docs /tmp/src/
make -C /tmp/src install SKIP_BUILD=1 BINPATH=/payload/bin PREFIX=/usr/local > /tmp/install.log 2>&1 || { cat /tmp/install.log >&2; fail "make install"; }
id surveyd > /dev/null || fail "the surveyd user was not created"
[[ -f /etc/surveyd/surveyd.conf ]] || fail "no configuration installed"

step "start surveyd.service (Type=notify: returns after READY=1)"
systemctl enable --now surveyd.socket > /dev/null 2>&1 || fail "enable surveyd.socket"
systemctl start surveyd.service || fail "start"
[[ $(systemctl is-active surveyd.service) == active ]] || fail "not active"
for _ in $(seq 30); do
    status=$(systemctl show -P StatusText surveyd.service)
    [[ "$status" == *"batches accepted today"* ]] && break; sleep 0.2
done
[[ "$status" == *"batches accepted today"* ]] || fail "status text is '$status'"

step "submit a batch with surveyctl"
json=$(runuser -u surveyd -- surveyctl collaborator add --unit TPTN --name "Cộng tác viên" --json) || fail "collaborator add"
token=$(echo "$json" | sed -n 's/.*"token" : "\([^"]*\)".*/\1/p')
id=$(echo "$json" | tr -d '\n ' | sed -n 's/.*"collaborator":{[^}]*"id":\([0-9]*\).*/\1/p')
[[ -n "$token" && -n "$id" ]] || fail "cannot read the new collaborator: $json"
printf 'date,topic,group,sentiment\n%s,CDS,ND,DONGTINH\n%s,YTE,CB,PHANVAN\n' "$(date +%F)" "$(date +%F)" > /tmp/batch.csv
SURVEYD_TOKEN=$token surveyctl submit /tmp/batch.csv --server 127.0.0.1:7411 --collaborator "$id" > /tmp/submit.txt || fail "submit"
grep -q "accepted 2 responses" /tmp/submit.txt || fail "submit said: $(cat /tmp/submit.txt)"
for _ in $(seq 30); do
    [[ "$(systemctl show -P StatusText surveyd.service)" == *"1 batches accepted today"* ]] && break; sleep 0.2
done
[[ "$(systemctl show -P StatusText surveyd.service)" == *"1 batches accepted today"* ]] || fail "status not updated"
journal_has verbose "SURVEY_UNIT=TPTN" || fail "no SURVEY_UNIT field in the journal"

step "nightly backup unit"
systemctl start surveyd-backup.service || { journalctl -u surveyd-backup --no-pager -n 20 >&2; fail "surveyd-backup.service"; }
backup=$(ls /var/lib/surveyd/backups/surveyd-*.sqlite 2>/dev/null | head -1)
[[ -n "$backup" ]] || fail "no backup file"
[[ "$(stat -c %U:%a "$backup")" == "surveyd:640" ]] || fail "backup owner/mode: $(stat -c %U:%a "$backup")"
# (grep reads everything: with pipefail, `grep -q` leaving early can fail the writer with SIGPIPE.)
runuser -u surveyd -- surveyctl audit | grep "backup_made" > /dev/null || fail "no audit row for the backup"
systemctl list-unit-files surveyd-backup.timer | grep surveyd-backup.timer > /dev/null || fail "timer not installed"

step "reload"
systemctl reload surveyd.service || fail "reload"
for _ in $(seq 30); do journal_has short "configuration reloaded" && break; sleep 0.2; done
journal_has short "configuration reloaded" || fail "no reload in the journal"
# RELOADING=1 keeps the unit "reloading" until READY=1, which follows the republication.
for _ in $(seq 50); do [[ $(systemctl is-active surveyd.service) == active ]] && break; sleep 0.2; done
[[ $(systemctl is-active surveyd.service) == active ]] || fail "not active after reload ($(systemctl is-active surveyd.service))"

step "the watchdog fires when the daemon stops answering"
mkdir -p /run/systemd/system/surveyd.service.d
printf '[Service]\nWatchdogSec=2s\nTimeoutAbortSec=3s\n' > /run/systemd/system/surveyd.service.d/watchdog.conf
systemctl daemon-reload
systemctl restart surveyd.service
before=$(systemctl show -P NRestarts surveyd.service)
kill -STOP "$(systemctl show -P MainPID surveyd.service)"
for _ in $(seq 80); do
    [[ $(systemctl show -P NRestarts surveyd.service) -gt $before ]] && break; sleep 0.25
done
[[ $(systemctl show -P NRestarts surveyd.service) -gt $before ]] || fail "no restart after the watchdog timeout"
for _ in $(seq 40); do [[ $(systemctl is-active surveyd.service) == active ]] && break; sleep 0.25; done
[[ $(systemctl is-active surveyd.service) == active ]] || fail "not active again after the watchdog restart"
rm -rf /run/systemd/system/surveyd.service.d && systemctl daemon-reload

step "a crash is reported in the journal at priority crit, and the service restarts"
pid=$(systemctl show -P MainPID surveyd.service)
before=$(systemctl show -P NRestarts surveyd.service)
systemctl kill --kill-whom=main -s SIGILL surveyd.service
for _ in $(seq 40); do
    [[ $(systemctl show -P NRestarts surveyd.service) -gt $before ]] && break; sleep 0.25
done
[[ $(systemctl show -P NRestarts surveyd.service) -gt $before ]] || fail "no restart after SIGILL"
journalctl --sync
journalctl -u surveyd -p crit -o cat _PID="$pid" --no-pager > /tmp/crash.txt 2>/dev/null
grep -q "^fatal signal SIGILL (illegal instruction) at .*sent by process 1 with kill(2)" /tmp/crash.txt || fail "no crash report: $(head -3 /tmp/crash.txt)"
grep -q "^#0 " /tmp/crash.txt && grep -q "^build-id " /tmp/crash.txt || fail "no frames in the crash report"
journal_has cat "Main process exited, code=[a-z]*, status=4/ILL" || fail "systemd did not see the SIGILL"
for _ in $(seq 40); do [[ $(systemctl is-active surveyd.service) == active ]] && break; sleep 0.25; done
[[ $(systemctl is-active surveyd.service) == active ]] || fail "not active again after the crash"

step "stop; a connection to surveyd.socket starts it again"
systemctl stop surveyd.service
[[ $(systemctl is-active surveyd.service) != active ]] || fail "still active after stop"
(exec 3<>/dev/tcp/127.0.0.1/7411 && head -c 3 <&3) > /tmp/greeting || fail "cannot connect to the socket"
[[ "$(cat /tmp/greeting)" == 220 ]] || fail "no greeting through socket activation: $(cat /tmp/greeting)"
[[ $(systemctl is-active surveyd.service) == active ]] || fail "not started by the socket"
[[ -n "$(systemctl show -P TriggeredBy surveyd.service)" ]] || fail "surveyd.service is not triggered by surveyd.socket"
for _ in $(seq 20); do
    journal_has verbose "SURVEY_SOCKET_ACTIVATED=true" && break; sleep 0.25
done
journal_has verbose "SURVEY_SOCKET_ACTIVATED=true" || fail "surveyd did not serve on the passed socket"
step "all checks passed"
