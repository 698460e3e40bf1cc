#!/usr/bin/env python3
"""Reference values for FalseDiscovery.benjaminiHochberg: statsmodels' multipletests(method='fdr_bh').

Writes bh-fixtures.json beside this script. Run: python3 make-bh-fixtures.py (needs statsmodels:
pip install statsmodels). The fixture is committed; the Swift test reads it, so the tests need no
Python. Tests/SurveyModelTests/Fixtures/check-fixtures.sh regenerates and compares.
"""
import json
import os

import numpy as np
import statsmodels
from statsmodels.stats.multitest import multipletests

rng = np.random.default_rng(20261129)
cases = [
    [0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.9],
    [0.001, 0.002, 0.003, 0.004, 0.005],
    [0.5],
    [0.04, 0.04, 0.04, 0.04],
    [1.0, 0.0, 0.049, 0.051],
    list(rng.uniform(size=40)),
    list(np.concatenate([rng.uniform(0, 0.002, size=12), rng.uniform(size=108)])),
]
out = []
for p in cases:
    reject, adjusted, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    out.append({"p": [float(x) for x in p], "adjusted": [float(x) for x in adjusted], "reject": [bool(x) for x in reject]})
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "bh-fixtures.json"), "w") as f:
    json.dump({"generator": f"statsmodels {statsmodels.__version__} multipletests(method='fdr_bh', alpha=0.05)", "cases": out}, f, indent=1)
    f.write("\n")
