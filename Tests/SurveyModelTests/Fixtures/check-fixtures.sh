#!/usr/bin/env bash
# Regenerates the reference fixtures from their generators (R's surveillance package, statsmodels, SciPy)
# and fails if they differ from the committed ones. The Swift tests read the committed files, so CI
# needs R and statsmodels only to run this check; without them it says so and exits 0 (or 77 with
# --strict, the "skipped" of automake).
set -euo pipefail
cd "$(dirname "$0")"
strict=0
[[ "${1:-}" == "--strict" ]] && strict=1
status=0
# Debian's Python holds Debian's statsmodels (scripts/setup installs it); a python3 of pyenv or a
# virtual environment earlier on PATH may not.
python=python3
[[ -x /usr/bin/python3 ]] && python=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { # generator output
    cp "$2" "$tmp/$2.committed"
    if "${@:3}"; then
        if ! "$python" - "$tmp/$2.committed" "$2" <<'PY'
import json, math, sys
def same(a, b, path="$"):
    if isinstance(a, dict) and isinstance(b, dict):
        keys = (set(a) | set(b)) - {"generator"}  # versions may differ; the values may not
        return all(same(a.get(k), b.get(k), f"{path}.{k}") for k in sorted(keys))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14):
            return True
    elif a == b:
        return True
    print(f"check-fixtures: {path}: committed {a!r}, now {b!r}", file=sys.stderr)
    return False
sys.exit(0 if same(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))) else 1)
PY
        then
            echo "check-fixtures: $2 differs from what $1 produces now" >&2
            cp "$tmp/$2.committed" "$2"
            status=1
        else
            echo "check-fixtures: $2 reproduced by $1"
        fi
    else
        cp "$tmp/$2.committed" "$2"
        status=1
    fi
}
if command -v Rscript >/dev/null && Rscript -e 'library(surveillance)' >/dev/null 2>&1; then
    check "R surveillance" cusum-fixtures.json Rscript make-cusum-fixtures.R
else
    echo "check-fixtures: R with surveillance not installed (apt-get install r-cran-surveillance); cusum-fixtures.json not checked" >&2
    ((strict)) && exit 77
fi
if "$python" -c 'import statsmodels' 2>/dev/null; then
    check "statsmodels" bh-fixtures.json "$python" make-bh-fixtures.py
    check "statsmodels" newcombe-fixtures.json "$python" make-newcombe-fixtures.py
else
    echo "check-fixtures: statsmodels not installed (pip install statsmodels); bh-fixtures.json and newcombe-fixtures.json not checked" >&2
    ((strict)) && exit 77
fi
if "$python" -c 'import scipy.stats' 2>/dev/null; then
    check "SciPy" betabinom-fixtures.json "$python" make-betabinom-fixtures.py
else
    echo "check-fixtures: SciPy not installed (apt-get install python3-scipy); betabinom-fixtures.json not checked" >&2
    ((strict)) && exit 77
fi
exit $status
