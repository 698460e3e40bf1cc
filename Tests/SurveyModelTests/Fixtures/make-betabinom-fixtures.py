#!/usr/bin/env python3
"""Reference values for surveyd's overdispersed weekly counts (BinomialCUSUM.probabilities and
overdispersedProbability): SciPy's beta-binomial, scipy.stats.betabinom, written by people who are
not us. A count of n answers with mean share p and variance φ·np(1 − p) is beta-binomial with
intra-class correlation ρ = (φ − 1)/(n − 1) (at most 0.95), a = p(1 − ρ)/ρ, b = (1 − p)(1 − ρ)/ρ.
Writes betabinom-fixtures.json beside this script; check-fixtures.sh regenerates and compares it.
Run: python3 make-betabinom-fixtures.py (Debian's python3-scipy)."""
import json
import os

import scipy
from scipy.stats import betabinom

cases = []
for n, p, dispersion in [(40, 0.2, 1.5), (40, 0.2, 3.0), (10, 0.5, 2.0), (150, 0.1, 1.2), (600, 0.3, 2.9), (2, 0.4, 1.5), (25, 0.05, 30.0)]:
    rho = min(0.95, (dispersion - 1) / (n - 1))
    a, b = p * (1 - rho) / rho, (1 - p) * (1 - rho) / rho
    cases.append({"n": n, "p": p, "dispersion": dispersion, "pmf": [float(v) for v in betabinom.pmf(range(n + 1), n, a, b)]})
out = {"generator": f"SciPy {scipy.__version__} (scipy.stats.betabinom)", "cases": cases}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "betabinom-fixtures.json"), "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
