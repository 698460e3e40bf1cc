#!/usr/bin/env bash
# Power-loss test: surveyd's state folder on a FUSE file system that forgets every write not
# flushed (Tests/System/lazyfs.py), cut at random moments under load from many clients; after each
# cut surveyd restarts on what survived and every acknowledged batch must be there, once, whole.
# See the docstring of Tests/System/powerloss.py and docs/RELIABILITY.md.
# Usage: Tests/System/powerloss.sh BIN_DIR   (as root; about 1.5 minutes on two cores)
# Environment: SEED (replay a run's choices), POWERLOSS_CUTS (default 50), POWERLOSS_CLIENTS (12).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Debian's python3 with python3-pyfuse3 (scripts/setup --for-tests installs it), not a pyenv one.
python=/usr/bin/python3
[[ -e /dev/fuse ]] || { echo "powerloss: /dev/fuse is missing (modprobe fuse)" >&2; exit 1; }
"$python" -c 'import pyfuse3, trio' 2>/dev/null || { echo "powerloss: $python cannot import pyfuse3 (apt-get install python3-pyfuse3 fuse3, or scripts/setup --for-tests)" >&2; exit 1; }
# A private mount namespace: the FUSE mount is never seen outside, and goes away with the test.
exec unshare --mount --propagation private "$python" "$here/powerloss.py" "$@"
