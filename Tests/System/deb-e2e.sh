#!/usr/bin/env bash
# The Debian package end to end: builds it (three versions of the same binaries), checks it with
# lintian (no errors), and runs Tests/System/deb-inside.sh in a bookworm container under a real
# systemd, without any Swift toolchain: install, use, upgrade twice (one over a database of
# schema version 3), remove, purge.
# Usage: Tests/System/deb-e2e.sh   (as root; the release build takes several minutes the first time)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
payload=$(mktemp -d /tmp/surveyd-deb-XXXXXX)
trap 'rm -rf "$payload"' EXIT
for version in 0.1.0 0.1.1 0.1.2; do
    cp "$(scripts/build-deb "$version")" "$payload/"
done
lintian --fail-on error "$payload/surveyd_0.1.0_amd64.deb" > "$payload/lintian.txt" 2>&1 \
    || { cat "$payload/lintian.txt" >&2; echo "deb-e2e: lintian reported errors" >&2; exit 1; }
echo "deb-e2e: lintian: $(grep -c '^E:' "$payload/lintian.txt" || true) errors, $(grep -c '^W:' "$payload/lintian.txt" || true) warnings"
# FoundationXML (the .xlsx reader) loads libxml2: the package must depend on it.
dpkg-deb -f "$payload/surveyd_0.1.0_amd64.deb" Depends | grep "libxml2" > /dev/null \
    || { echo "deb-e2e: Depends lacks libxml2: $(dpkg-deb -f "$payload/surveyd_0.1.0_amd64.deb" Depends)" >&2; exit 1; }
# The packaged nginx site under Debian's own nginx (the host's; the container has no network to
# install it), as docs/OPERATIONS.md sets it up: Debian's nginx.conf with sites-enabled holding the
# site alone (the default site removed), its certificate paths pointed at a generated pair (the
# snakeoil pair may be missing here). `nginx -t` must pass without a warning.
mkdir -p "$payload/extract" "$payload/sites-enabled"
dpkg-deb -x "$payload/surveyd_0.1.0_amd64.deb" "$payload/extract"
site="$payload/extract/etc/nginx/sites-available/surveyd"
[[ -f "$site" ]] || { echo "deb-e2e: the package ships no nginx site" >&2; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$payload/key.pem" -out "$payload/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
sed -e "s|ssl_certificate .*;|ssl_certificate $payload/cert.pem;|" -e "s|ssl_certificate_key .*;|ssl_certificate_key $payload/key.pem;|" \
    "$site" > "$payload/sites-enabled/surveyd"
sed -e "s|/etc/nginx/sites-enabled/\*|$payload/sites-enabled/*|" -e "s|^pid .*|pid $payload/nginx.pid;|" /etc/nginx/nginx.conf > "$payload/nginx.conf"
grep -q "$payload/sites-enabled" "$payload/nginx.conf" || { echo "deb-e2e: Debian's nginx.conf includes no sites-enabled" >&2; exit 1; }
nginx_bin=$(PATH="$PATH:/usr/sbin" command -v nginx)
if ! checked=$("$nginx_bin" -t -c "$payload/nginx.conf" 2>&1) || grep -q "\[warn\]\|\[emerg\]" <<< "$checked"; then
    echo "$checked" >&2
    echo "deb-e2e: Debian's nginx refuses the packaged site, or warns" >&2
    exit 1
fi
echo "deb-e2e: the packaged nginx site passes nginx -t under Debian's nginx.conf"
# A database of schema version 3 (migrations 0001–0003 only), with one batch.
python3 - "$payload/old.sqlite" migrations <<'PY'
import sqlite3, sys, os
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
for name in ["0001_initial", "0002_publications", "0003_tally_spans"]:
    db.executescript(open(os.path.join(sys.argv[2], name + ".sql"), encoding="utf-8").read())
    db.execute("INSERT INTO grdb_migrations VALUES (?)", (name,))
db.execute("INSERT INTO units (code, name) VALUES ('TPTN', 'Thành phố Thái Nguyên')")
db.execute("INSERT INTO collaborators (unit_id, name, token_hash, created_at) VALUES (1, 'old', zeroblob(32), '2025-01-01T00:00:00Z')")
db.execute("INSERT INTO batches (collaborator_id, client_batch_id, unit_id, digest, received_at, response_count) VALUES (1, 'old-batch', 1, zeroblob(32), '2025-01-01T00:00:00Z', 1)")
db.commit()
PY
Tests/System/in-container.sh Tests/System/deb-inside.sh "$payload"
