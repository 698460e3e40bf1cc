#!/usr/bin/env bash
# Runs inside the bookworm container (no Swift toolchain in it): install the package with apt,
# use it, upgrade twice (configuration and data kept; migrations of an older database applied at
# start), remove (data kept), purge (data gone). /payload/bin holds the packages and old.sqlite.
set -euo pipefail
step() { echo "deb-e2e: $*"; }
fail() { echo "deb-e2e: FAILED: $*" >&2; journalctl -u surveyd --no-pager -n 30 >&2 || true; exit 1; }
deb() { ls /payload/bin/surveyd_"$1"_amd64.deb; }

step "apt install ./surveyd_0.1.0_amd64.deb"
cd /payload/bin
# No network in the container: the recommended nginx-light and ssl-cert are not installed.
apt-get install -y -q --no-install-recommends "$(deb 0.1.0)" > /tmp/apt.log 2>&1 || { cat /tmp/apt.log >&2; fail "apt install"; }
[[ -x /usr/bin/surveyd && -x /usr/bin/surveyctl ]] || fail "binaries not installed"
ldd /usr/bin/surveyd /usr/bin/surveyctl > /tmp/ldd.txt
! grep -E "swift|not found" /tmp/ldd.txt || fail "a library is missing or a Swift runtime is needed"
for _ in $(seq 50); do systemctl is-active --quiet surveyd.service && break; sleep 0.2; done
systemctl is-active --quiet surveyd.service || fail "surveyd.service is not active after install"
systemctl is-enabled --quiet surveyd.socket || fail "surveyd.socket is not enabled"
[[ "$(stat -c %U:%G:%a /var/lib/surveyd)" == "surveyd:surveyd:750" ]] || fail "state folder: $(stat -c %U:%G:%a /var/lib/surveyd)"
for file in /usr/share/man/man8/surveyd.8.gz /usr/share/man/man8/surveyctl.8.gz /usr/share/man/man5/surveyd.conf.5.gz \
    /usr/share/bash-completion/completions/surveyctl /usr/share/zsh/vendor-completions/_surveyctl \
    /usr/lib/systemd/catalog/surveyd.catalog /lib/systemd/system/surveyd-backup.timer; do
    [[ -s "$file" ]] || fail "missing $file"
done
journalctl --list-catalog > /tmp/catalog.txt 2>/dev/null || true
grep -q "97a239459f7c4a928074f81df6856dfd" /tmp/catalog.txt || fail "the journal catalog was not updated"

step "submit a batch"
json=$(runuser -u surveyd -- surveyctl collaborator add --unit TPTN --name "Cộng tác viên" --json) || fail "collaborator add"
token=$(echo "$json" | sed -n 's/.*"token" : "\([^"]*\)".*/\1/p')
id=$(echo "$json" | tr -d '\n ' | sed -n 's/.*"collaborator":{[^}]*"id":\([0-9]*\).*/\1/p')
printf 'date,topic,group,sentiment\n%s,CDS,ND,DONGTINH\n%s,YTE,CB,PHANVAN\n' "$(date +%F)" "$(date +%F)" > /tmp/batch.csv
SURVEYD_TOKEN=$token surveyctl submit /tmp/batch.csv --server 127.0.0.1:7411 --collaborator "$id" > /tmp/submit.txt || fail "submit"
grep -q "accepted 2 responses" /tmp/submit.txt || fail "submit said: $(cat /tmp/submit.txt)"

step "the Excel template, read back by submit (FoundationXML with the packaged libxml2)"
surveyctl template --unit TPTN --output /tmp/phieu.xlsx > /tmp/template.txt || fail "template"
grep -q "^wrote /tmp/phieu.xlsx for unit TPTN" /tmp/template.txt || fail "template said: $(cat /tmp/template.txt)"
status=0
SURVEYD_TOKEN=$token surveyctl submit /tmp/phieu.xlsx --server 127.0.0.1:7411 --collaborator "$id" --lang vi 2> /tmp/submit-xlsx.txt || status=$?
[[ $status == 66 ]] && grep -q "tệp có dòng tiêu đề nhưng không có ý kiến nào" /tmp/submit-xlsx.txt \
    || fail "an empty template should be refused in Vietnamese with 66, got $status: $(cat /tmp/submit-xlsx.txt)"
grep -q "template" /usr/share/bash-completion/completions/surveyctl || fail "the bash completion does not know surveyctl template"

step "the web service: running on loopback, accounts made by root, the nginx site shipped"
for _ in $(seq 50); do systemctl is-active --quiet surveyweb.service && break; sleep 0.2; done
systemctl is-active --quiet surveyweb.service || { journalctl -u surveyweb --no-pager -n 20 >&2; fail "surveyweb.service is not active after install"; }
surveyctl account add tinh --province > /tmp/account.txt || fail "account add"
grep -q "^password: " /tmp/account.txt || fail "account add printed no password: $(cat /tmp/account.txt)"
[[ "$(stat -c %U /var/lib/surveyweb/accounts.sqlite)" == surveyweb ]] || fail "accounts file owned by $(stat -c %U /var/lib/surveyweb/accounts.sqlite)"
exec 3<>/dev/tcp/127.0.0.1/7480 || fail "surveyweb does not listen on 127.0.0.1:7480"
printf 'GET /_auth HTTP/1.1\r\nHost: localhost\r\nX-Original-URI: /index.html\r\nConnection: close\r\n\r\n' >&3
head -1 <&3 | grep -q "401" || fail "surveyweb's /_auth should answer 401 to nobody signed in"
exec 3<&-
grep -q "auth_request /_auth" /etc/nginx/sites-available/surveyd || fail "the nginx site is not installed"
[[ -f /usr/share/surveyd/web/too-large.html ]] || fail "too-large.html is not installed"
getfacl -p /var/lib/surveyd 2>/dev/null | grep -q "group:surveyd-admins:--x" || [[ ! -x /usr/bin/getfacl ]] || fail "the administrators' group cannot reach the summaries"
# The administrator edits the configuration: the upgrade must keep it.
sed -i 's/^  interval_seconds: 900/  interval_seconds: 600/' /etc/surveyd/surveyd.conf
systemctl reload surveyd.service

step "upgrade to 0.1.1: configuration and data kept, service restarted"
before=$(systemctl show -P MainPID surveyd.service)
apt-get install -y -q --no-install-recommends "$(deb 0.1.1)" > /tmp/apt.log 2>&1 || { cat /tmp/apt.log >&2; fail "upgrade"; }
for _ in $(seq 50); do [[ "$(systemctl show -P MainPID surveyd.service)" != "$before" && "$(systemctl show -P MainPID surveyd.service)" != 0 ]] && break; sleep 0.2; done
[[ "$(systemctl show -P MainPID surveyd.service)" != "$before" ]] || fail "surveyd was not restarted by the upgrade"
systemctl is-active --quiet surveyd.service || fail "surveyd not active after upgrade"
grep -q "^  interval_seconds: 600" /etc/surveyd/surveyd.conf || fail "the configuration was replaced"
[[ "$(dpkg-query -W -f='${Version}' surveyd)" == 0.1.1 ]] || fail "version after upgrade"
runuser -u surveyd -- surveyctl stats --json > /tmp/stats.json || fail "stats"
grep -q '"responses" : 2' /tmp/stats.json || fail "data lost: $(cat /tmp/stats.json)"

step "upgrade to 0.1.2 over a database of schema version 3: migrations applied at start"
systemctl stop surveyd.socket surveyd.service
install -o surveyd -g surveyd -m 0640 /payload/bin/old.sqlite /var/lib/surveyd/surveyd.sqlite
rm -f /var/lib/surveyd/surveyd.sqlite-wal /var/lib/surveyd/surveyd.sqlite-shm
since=$(date '+%Y-%m-%d %H:%M:%S')
apt-get install -y -q --no-install-recommends "$(deb 0.1.2)" > /tmp/apt.log 2>&1 || { cat /tmp/apt.log >&2; fail "second upgrade"; }
systemctl start surveyd.socket surveyd.service
for _ in $(seq 50); do
    journalctl -u surveyd --since "$since" -o verbose --no-pager > /tmp/journal.txt 2>/dev/null || true
    grep -q "SURVEY_MIGRATIONS=" /tmp/journal.txt && break
    sleep 0.2
done
grep -q "SURVEY_MIGRATIONS=0004_audit,0005_review_hold" /tmp/journal.txt \
    || fail "migrations 0004 and 0005 not applied: $(grep -E "MESSAGE=|SURVEY_MIGRATIONS" /tmp/journal.txt | tail -5)"
runuser -u surveyd -- surveyctl audit > /dev/null || fail "the audit trail (migration 0004) is missing"
runuser -u surveyd -- surveyctl batches > /tmp/batches.txt || fail "batches"
grep -q "old-batch" /tmp/batches.txt || fail "the old database's batch is gone"

step "remove: data and configuration kept"
apt-get remove -y -q surveyd > /tmp/apt.log 2>&1 || { cat /tmp/apt.log >&2; fail "remove"; }
! systemctl is-active --quiet surveyd.service || fail "surveyd still running after remove"
[[ ! -e /usr/bin/surveyd ]] || fail "binary left after remove"
[[ -f /var/lib/surveyd/surveyd.sqlite && -f /etc/surveyd/surveyd.conf ]] || fail "data or configuration deleted by remove"

step "purge: data gone"
apt-get purge -y -q surveyd > /tmp/apt.log 2>&1 || { cat /tmp/apt.log >&2; fail "purge"; }
[[ ! -e /var/lib/surveyd && ! -e /etc/surveyd ]] || fail "data or configuration left after purge"
step "all checks passed"
