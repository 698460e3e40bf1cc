#!/usr/bin/env python3
"""Reference values for Statistics.wilson and Statistics.newcombe, the intervals of a share and of
its change between two periods or two survey rounds: statsmodels' proportion_confint(method='wilson')
and confint_proportions_2indep(method='newcomb', compare='diff') at 95%.

Writes newcombe-fixtures.json beside this script. Run: python3 make-newcombe-fixtures.py (needs
statsmodels: apt-get install python3-statsmodels). The fixture is committed; the Swift test reads it.
Tests/SurveyModelTests/Fixtures/check-fixtures.sh regenerates and compares.
"""
import json
import os

import numpy as np
import statsmodels
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

rng = np.random.default_rng(20261207)
# (count now, responses now, count before, responses before): the shares of a round against the
# previous round on the same topic, from small units to the province, with the boundaries.
cases = [(56, 70, 48, 80), (3, 10, 4, 10), (0, 12, 5, 15), (12, 12, 9, 14), (1, 1, 0, 1), (40, 200, 25, 210), (130, 640, 128, 655)]
for _ in range(25):
    n1, n2 = int(rng.integers(1, 400)), int(rng.integers(1, 400))
    cases.append((int(rng.integers(0, n1 + 1)), n1, int(rng.integers(0, n2 + 1)), n2))
out = []
for c1, n1, c2, n2 in cases:
    low, high = confint_proportions_2indep(c1, n1, c2, n2, method="newcomb", compare="diff", alpha=0.05)
    w1 = proportion_confint(c1, n1, alpha=0.05, method="wilson")
    w2 = proportion_confint(c2, n2, alpha=0.05, method="wilson")
    out.append({"count1": c1, "n1": n1, "count2": c2, "n2": n2, "low": float(low), "high": float(high),
                "wilson1": [float(w1[0]), float(w1[1])], "wilson2": [float(w2[0]), float(w2[1])]})
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "newcombe-fixtures.json"), "w") as f:
    json.dump({"generator": f"statsmodels {statsmodels.__version__} confint_proportions_2indep(method='newcomb', compare='diff'), proportion_confint(method='wilson')",
               "cases": out}, f, indent=1)
