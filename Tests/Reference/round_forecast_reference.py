#!/usr/bin/env python3
"""Reference values for RoundForecastTests: quantiles of the negative binomial with a given mean
and variance (SciPy's nbinom(n = mu^2 / (V - mu), p = mu / V)), and the predictive interval of
the forecast (see RoundForecast). Run: python3 Tests/Reference/round_forecast_reference.py"""
from scipy import stats

def nb(mean, var):
    return stats.nbinom(mean * mean / (var - mean), mean / var)

cases = [(10.0, 12.0), (50.0, 200.0), (3.5, 4.0), (1000.0, 1500.0), (0.8, 5.0), (250000.0, 900000.0)]
for mean, var in cases:
    d = nb(mean, var)
    print(f"({mean}, {var}, {int(d.ppf(0.05))}, {int(d.ppf(0.95))}),")

# Forecast cases: daily counts over the window, days remaining -> 5% and 95% of the count to come.
import statistics
for daily, remaining in [([10, 12, 8, 15, 9, 11, 10], 20), ([0, 0, 40, 0, 0, 35, 0], 10), ([5] * 14, 30)]:
    n = len(daily); rate = sum(daily) / n
    phi = max(1.0, statistics.variance(daily) / rate)
    mu = rate * remaining; var = phi * rate * remaining * (1 + remaining / n)
    d = nb(mu, var)
    print(f"({daily}, {remaining}, {int(d.ppf(0.05))}, {int(d.ppf(0.95))}),  # rate {rate:.4f} phi {phi:.4f}")
