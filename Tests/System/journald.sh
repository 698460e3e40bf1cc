#!/usr/bin/env bash
# Runs surveyd against a real systemd-journald in private namespaces (nothing of the host's
# journal is touched) and reads the entries back with journalctl: the MESSAGE_ID and SURVEY_*
# fields of an accepted batch and of an authentication failure must be there, and the survey
# rounds' events (a round opened and one closed, units silent, one unit recovered) with theirs, and
# surveyweb's failed sign-in with its own.
# Usage: Tests/System/journald.sh BIN_DIR   (as root; about 3 s)
set -euo pipefail
bin=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/surveyd-journald-XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/journald.conf" <<'CONF'
[Journal]
Storage=volatile
ReadKMsg=no
ForwardToSyslog=no
ForwardToWall=no
ForwardToKMsg=no
ForwardToConsole=no
Audit=no
CONF

cat > "$work/inner.sh" <<'INNER'
#!/usr/bin/env bash
set -euo pipefail
bin=$1 repo=$2 work=$3
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /var/log/journal && mount -t tmpfs -o mode=755 tmpfs /var/log/journal
mount --bind "$work/journald.conf" /etc/systemd/journald.conf
mkdir -p /run/systemd/journal
ip link set lo up
/lib/systemd/systemd-journald &
journald=$!
for _ in $(seq 100); do [[ -S /run/systemd/journal/socket ]] && break; sleep 0.05; done
[[ -S /run/systemd/journal/socket ]] || { echo "journald did not start" >&2; exit 1; }

options=(--config "$work/surveyd.conf" --state-dir "$work/state")
"$bin/surveyctl" collaborator add --unit VN --name "Cộng tác viên" --json "${options[@]}" > "$work/added.json"
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/added.json")
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["collaborator"]["id"])' "$work/added.json")
# Standard error is not a terminal and the journal socket exists: surveyd logs to the journal.
"$bin/surveyd" "${options[@]}" --listen 127.0.0.1:7411 2> "$work/stderr.log" &
daemon=$!
for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/7411) 2>/dev/null && break; sleep 0.05; done
printf 'date,topic,group,sentiment\n%s,CDS,ND,DONGTINH\n%s,YTE,CB,PHANVAN\n' "$(date +%F)" "$(date +%F)" > "$work/batch.csv"
SURVEYD_TOKEN=$token "$bin/surveyctl" submit "$work/batch.csv" --server 127.0.0.1:7411 --collaborator "$id"
SURVEYD_TOKEN=wrong "$bin/surveyctl" submit "$work/batch.csv" --server 127.0.0.1:7411 --collaborator "$id" --attempts 1 && exit 1 || true
# VN completes the open round (5 of 5): at the next publication (SIGHUP) it has recovered.
printf 'date,topic,group,sentiment\n' > "$work/round.csv"
for _ in 1 2 3 4 5; do printf '%s,DAIHOI,ND,DONGTINH\n' "$(TZ=Asia/Ho_Chi_Minh date +%F)" >> "$work/round.csv"; done
SURVEYD_TOKEN=$token "$bin/surveyctl" submit "$work/round.csv" --server 127.0.0.1:7411 --collaborator "$id"
# The web service: a failed sign-in goes to the journal with its MESSAGE_ID, the account and the
# address (never the password).
"$bin/surveyweb" --config "$work/surveyd.conf" --state-dir "$work/web" --listen 127.0.0.1:7480 --surveyd 127.0.0.1:7411 --log journal 2> "$work/web-stderr.log" &
web=$!
for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/7480) 2>/dev/null && break; sleep 0.05; done
python3 - <<'PY'
import re, urllib.request, urllib.error
page = urllib.request.urlopen("http://127.0.0.1:7480/app/signin").read().decode()
csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
request = urllib.request.Request("http://127.0.0.1:7480/app/signin", data=f"csrf={csrf}&kind=administrator&name=tinh&password=not-the-password".encode(),
                                 headers={"Cookie": f"surveyd_signin={csrf}", "X-Real-IP": "192.0.2.7", "Content-Type": "application/x-www-form-urlencoded"})
try:
    urllib.request.urlopen(request)
except urllib.error.HTTPError as error:
    assert error.code == 401, error.code
PY
kill -TERM "$web"
wait "$web" || true
kill -HUP "$daemon"
for _ in $(seq 200); do
    journalctl -D /run/log/journal -o cat MESSAGE_ID=7b90482c57a44ed6b9a4ad660e781082 2>/dev/null | grep . > /dev/null && break
    sleep 0.05
done
kill -TERM "$daemon"
wait "$daemon"
journalctl --sync 2>/dev/null || true
journalctl -D /run/log/journal -o json SYSLOG_IDENTIFIER=surveyd > "$work/all.json"
journalctl -D /run/log/journal -o json SURVEY_UNIT=VN > "$work/unit.json"
journalctl -D /run/log/journal -o json SYSLOG_IDENTIFIER=surveyctl > "$work/surveyctl.json"
journalctl -D /run/log/journal -o json SURVEY_ROUND=J-OPEN > "$work/round.json"
journalctl -D /run/log/journal -o json SYSLOG_IDENTIFIER=surveyweb > "$work/web.json"
kill "$journald"
# Nothing went to standard error: everything went to the journal.
[[ ! -s "$work/stderr.log" ]] || { echo "surveyd wrote to stderr:"; cat "$work/stderr.log"; exit 1; } >&2
INNER
chmod +x "$work/inner.sh"
# The example configuration with two rounds: one open for 10 days (every unit silent at start),
# one closed (report_by 15 days ago).
day() { TZ=Asia/Ho_Chi_Minh date -d "$1 days" +%F; }
cp "$repo/config/surveyd.conf" "$work/surveyd.conf"
cat >> "$work/surveyd.conf" <<ROUNDS

rounds:
  - { code: J-OPEN, title: "Đợt đang mở", topics: [DAIHOI], from: $(day -10), to: $(day 10), report_by: $(day 12), targets: { default: 5 } }
  - { code: J-PAST, title: "Đợt đã kết thúc", topics: [KTXH], from: $(day -40), to: $(day -20), report_by: $(day -15), targets: { default: 1 } }
ROUNDS
unshare --mount --propagation private --pid --fork --mount-proc --uts --ipc --net "$work/inner.sh" "$bin" "$repo" "$work"

python3 - "$work/all.json" "$work/unit.json" "$work/surveyctl.json" "$work/round.json" "$work/web.json" <<'CHECK'
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
by_id = {}
for entry in entries:
    by_id.setdefault(entry.get("MESSAGE_ID"), []).append(entry)
def one(message_id, name):
    found = by_id.get(message_id)
    assert found, f"no '{name}' entry (MESSAGE_ID={message_id}); got {[e.get('MESSAGE') for e in entries]}"
    return found[0]
accepted = one("aa0b7a4aa9fd4015b0a212bd63156dc6", "batch accepted")
assert accepted["MESSAGE"] == "batch accepted"
assert accepted["PRIORITY"] == "6", accepted["PRIORITY"]
assert accepted["SURVEY_UNIT"] == "VN", accepted
assert accepted["SURVEY_RESPONSES"] == "2", accepted
assert accepted["SURVEY_BATCH"].startswith("csv-"), accepted
assert accepted["SURVEY_COLLABORATOR"] == "1", accepted
assert accepted["SURVEY_PEER"] == "127.0.0.1", accepted
assert "SURVEY_DURATION_MS" in accepted and accepted["CODE_FILE"] and accepted["CODE_LINE"] and accepted["CODE_FUNC"]
# The entry's own place in the code, not a logging helper's.
assert accepted["CODE_FILE"].endswith("CollaboratorServer+Connection.swift") and accepted["CODE_FUNC"].startswith("commit("), accepted
failed = one("feeec64f1a644dc1b124606023332298", "authentication failed")
assert failed["PRIORITY"] == "4" and failed["SURVEY_PEER"] == "127.0.0.1" and failed["SURVEY_COLLABORATOR"] == "1", failed
for message_id, name in [("86c110abe581429b86f95d6da577592c", "started"), ("1e6ea45f52284f82b5c84ddd97e0fdf5", "ready"),
                         ("49f32cfaea4640f39701ac4a0bafd536", "shutting down"), ("56291635581f4f9f9be9634950643300", "publish done")]:
    one(message_id, name)
assert all(e.get("SYSLOG_IDENTIFIER") == "surveyd" for e in entries)
unit = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
assert unit and all(e["SURVEY_UNIT"] == "VN" for e in unit), "filtering by SURVEY_UNIT found nothing"
admin = [json.loads(line) for line in open(sys.argv[3]) if line.strip()]
added = [e for e in admin if e.get("MESSAGE_ID") == "5f1e735cc4c64d53aef7136afd9b68ca"]
assert added and added[0]["SURVEY_ACTION"] == "collaborator_added" and added[0]["SURVEY_SUBJECT"] == "collaborator:1", admin
assert added[0]["SURVEY_ACTOR"] and added[0]["PRIORITY"] == "5", added[0]
# Survey rounds: each event with its MESSAGE_ID, priority and fields.
opened = one("88ac6944c5424290892baeaea29c410f", "round opened")
assert opened["SURVEY_ROUND"] == "J-OPEN" and opened["PRIORITY"] == "5", opened
closed = one("1cac9bbce3574bdda4466caf665eeaa2", "round closed")
assert closed["SURVEY_ROUND"] == "J-PAST" and closed["SURVEY_RECEIVED"] == "0" and closed["SURVEY_TARGET"] == "16", closed
assert closed["SURVEY_UNITS_REPORTED"] == "0" and closed["SURVEY_UNITS_EXPECTED"] == "16" and closed["PRIORITY"] == "5", closed
silent = by_id.get("e281815328f44adeacd5afdc9461e784", [])
assert len(silent) == 16 and {e["SURVEY_UNIT"] for e in silent} >= {"VN", "TPTN"}, silent
vn = [e for e in silent if e["SURVEY_UNIT"] == "VN"][0]
assert vn["SURVEY_ROUND"] == "J-OPEN" and vn["SURVEY_RECEIVED"] == "0" and vn["SURVEY_TARGET"] == "5" and vn["PRIORITY"] == "4", vn
assert vn["SURVEY_DAYS_SINCE_LAST_BATCH"] == "never", vn
recovered = by_id.get("7b90482c57a44ed6b9a4ad660e781082", [])
assert len(recovered) == 1 and recovered[0]["SURVEY_UNIT"] == "VN" and recovered[0]["SURVEY_STATUS"] == "complete", recovered
assert recovered[0]["SURVEY_PREVIOUS_STATUS"] == "silent" and recovered[0]["SURVEY_RECEIVED"] == "5" and recovered[0]["PRIORITY"] == "5", recovered
assert "ac29e96fff504f1b9d0491d50442e486" not in by_id, "no unit is behind"
rounds = [json.loads(line) for line in open(sys.argv[4]) if line.strip()]
assert len(rounds) == 18 and all(e["SURVEY_ROUND"] == "J-OPEN" for e in rounds), len(rounds)
web = [json.loads(line) for line in open(sys.argv[5]) if line.strip()]
web_failed = [e for e in web if e.get("MESSAGE_ID") == "bda1322c61074e24952eea715dd2775e"]
assert web_failed and web_failed[0]["MESSAGE"] == "sign-in failed" and web_failed[0]["PRIORITY"] == "4", web
assert web_failed[0]["SURVEY_ACCOUNT"] == "tinh" and web_failed[0]["SURVEY_ADDRESS"] == "192.0.2.7", web_failed[0]
assert not any("not-the-password" in json.dumps(e) for e in web), "a password reached the journal"
assert any(e.get("MESSAGE_ID") == "e3e576e1463343cc8f76c3387291d4d3" for e in web), web
print(f"journald: {len(entries)} entries; the web service's failed sign-in carries its MESSAGE_ID, account and address; batch accepted, authentication failed and the rounds' events carry their MESSAGE_ID and SURVEY_* fields")
CHECK
