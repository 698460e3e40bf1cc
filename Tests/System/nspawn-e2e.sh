#!/usr/bin/env bash
# End to end under a real systemd as PID 1 (systemd-nspawn), following
# shared/recipes/systemd-testing.md: install with `make install`, start surveyd.service, submit a
# batch with surveyctl, reload, make the watchdog fire and see the restart, stop the service and
# have surveyd.socket start it again on connect (nspawn-inside.sh; the debug build uses the
# toolchain's Swift runtime, bound read-only).
# Usage: Tests/System/nspawn-e2e.sh BIN_DIR   (as root; about 2 minutes the first time, 30 s after)
set -euo pipefail
here=$(dirname "$0")
exec "$here/in-container.sh" "$here/nspawn-inside.sh" "$1" --bind-ro=/opt/swift
