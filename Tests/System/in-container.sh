#!/usr/bin/env bash
# Boots a Debian bookworm root under a real systemd as PID 1 (systemd-nspawn), following
# shared/recipes/systemd-testing.md, and runs INSIDE_SCRIPT in it once it is up. The repository is
# at /payload/src, PAYLOAD_DIR at /payload/bin, the script at /payload/work/inside.sh; extra
# arguments go to systemd-nspawn (e.g. --bind-ro=/opt/swift).
# Usage: Tests/System/in-container.sh INSIDE_SCRIPT PAYLOAD_DIR [NSPAWN_ARGS...]   (as root; the
# Debian root is cached in the clone's .build-system/ folder: about a minute the first time)
set -euo pipefail
inside=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
bin=$(cd "$2" && pwd)
shift 2
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache="$repo/.build-system"
root="$cache/rootfs"
mkdir -p "$cache"
# libxml2: surveyctl reads workbooks with FoundationXML; the package depends on it (the container has no network).
packages=systemd,systemd-sysv,dbus,iproute2,libsqlite3-0,libxml2,make,libstdc++6,procps
if [[ ! -x "$root/lib/systemd/systemd" || "$(cat "$cache/packages" 2>/dev/null)" != "$packages" ]]; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    rm -rf "$root"
    echo "in-container: building a Debian root in $root (once)" >&2
    debootstrap --variant=minbase --include="$packages" \
        bookworm "$root" "${mirror:-http://deb.debian.org/debian}" > "$cache/debootstrap.log" 2>&1 \
        || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    echo "$packages" > "$cache/packages"
fi
work=$(mktemp -d /tmp/surveyd-nspawn-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$inside" "$work/inside.sh"
chmod +x "$work/inside.sh"

unshare --mount --propagation private -- bash -c '
set -euo pipefail
root=$1 repo=$2 bin=$3 work=$4
shift 4
mount -t tmpfs -o mode=755 tmpfs /run
cg=surveyd-ci-$$
for h in systemd unified; do
    if [[ -d /sys/fs/cgroup/$h ]]; then mkdir -p /sys/fs/cgroup/$h/$cg && echo $$ > /sys/fs/cgroup/$h/$cg/cgroup.procs; fi
done
timeout 300 systemd-nspawn -q -D "$root" --register=no --keep-unit --private-network --volatile=overlay \
    "$@" --bind-ro="$repo":/payload/src --bind-ro="$bin":/payload/bin --bind-ro="$work":/payload/work \
    -b --console=pipe > "$work/console.log" 2>&1 &
nspawn=$!
container=""
descendants() { local p; for p in $(pgrep -P "$1" 2>/dev/null); do echo "$p"; descendants "$p"; done; }
for _ in $(seq 200); do
    for child in $(descendants $nspawn); do
        [[ "$(cat /proc/$child/comm 2>/dev/null)" == systemd ]] && { container=$child; break; }
    done
    [[ -n "$container" ]] && break
    sleep 0.1
done
[[ -n "$container" ]] || { echo "in-container: the container did not boot" >&2; cat "$work/console.log" >&2; exit 1; }
for _ in $(seq 100); do
    state=$(nsenter -t $container -a systemctl is-system-running 2>/dev/null || true)
    [[ "$state" == running || "$state" == degraded ]] && break
    sleep 0.2
done
status=0
nsenter -t $container -a /payload/work/inside.sh || status=$?
nsenter -t $container -a systemctl poweroff 2>/dev/null || kill -TERM $nspawn
wait $nspawn || true
for h in systemd unified; do
    if [[ -d /sys/fs/cgroup/$h/$cg ]]; then
        echo $$ > /sys/fs/cgroup/$h/cgroup.procs 2>/dev/null || true
        find /sys/fs/cgroup/$h/$cg -depth -type d -exec rmdir {} \; 2>/dev/null || true
    fi
done
exit $status
' _ "$root" "$repo" "$bin" "$work" "$@"
