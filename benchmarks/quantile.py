"""Held-out coverage of quantile models: skann against HistGradientBoostingRegressor.

Usage::

    python benchmarks/quantile.py [--quick]

A heteroscedastic problem: ``x`` uniform on [0, 4], ``y = x + (0.2 + 0.5 x) e`` with
``e`` standard normal, so the spread of ``y`` grows with ``x``, and two features of
pure noise beside ``x``. For each seed, 3000 rows train and 3000 others are held
out; ``ANNRegressor(loss='quantile')`` and ``HistGradientBoostingRegressor(
loss='quantile')``, each at its defaults, fit the 0.05, 0.5 and 0.95 quantiles.
Reported over the seeds, as mean (standard deviation): the held-out coverage
(the share of rows whose ``y`` is at or below the predicted quantile), the mean
pinball loss against that of the true quantile, and the fit time; then the
coverage of the 90% interval between the 0.05 and 0.95 models.
"""

import argparse
import time
import warnings

import numpy as np
from compare import describe_machine
from scipy.stats import norm
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_pinball_loss

from skann import ANNRegressor

QUANTILES = (0.05, 0.5, 0.95)
ROWS = 3000


def make_data(n_rows, seed):
    """X of x and two noise features; y; and each row's true spread."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(0, 4, n_rows)
    spread = 0.2 + 0.5 * x
    y = x + spread * rng.standard_normal(n_rows)
    X = np.column_stack([x, rng.standard_normal((n_rows, 2))])
    return X, y, x, spread


def models(q, seed):
    return {
        "skann": ANNRegressor(loss="quantile", quantile=q, random_state=seed),
        "HGB": HistGradientBoostingRegressor(
            loss="quantile", quantile=q, random_state=seed
        ),
    }


def run_seed(seed):
    """Coverage, pinball-loss ratio and fit time of each model and quantile."""
    X, y, _, _ = make_data(ROWS, seed)
    X_test, y_test, centre, spread = make_data(ROWS, seed + 1000)
    results, predictions = {}, {}
    for q in QUANTILES:
        true_quantile = centre + spread * norm.ppf(q)
        best = mean_pinball_loss(y_test, true_quantile, alpha=q)
        for name, model in models(q, seed).items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X, y)
            seconds = time.perf_counter() - start
            pred = model.predict(X_test)
            predictions[name, q] = pred
            loss = mean_pinball_loss(y_test, pred, alpha=q)
            results[name, q] = (np.mean(y_test <= pred), loss / best, seconds)
    for name in ("skann", "HGB"):
        low, high = predictions[name, 0.05], predictions[name, 0.95]
        results[name, "interval"] = np.mean((low <= y_test) & (y_test <= high))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, not 5")
    seeds = range(2 if parser.parse_args().quick else 5)
    runs = [run_seed(seed) for seed in seeds]
    describe_machine()
    print(f"{ROWS} training rows, {ROWS} held out, seeds {list(seeds)}\n")
    print(
        "| model | quantile | held-out coverage | pinball loss / true quantile's "
        "| fit (s) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name in ("skann", "HGB"):
        for q in QUANTILES:
            values = np.array([run[name, q] for run in runs])
            mean, std = values.mean(axis=0), values.std(axis=0)
            print(
                f"| {name} | {q} | {mean[0]:.3f} ({std[0]:.3f}) | "
                f"{mean[1]:.3f} ({std[1]:.3f}) | {mean[2]:.2f} |"
            )
    for name in ("skann", "HGB"):
        cover = np.array([run[name, "interval"] for run in runs])
        print(
            f"\n{name}: the 0.05-0.95 interval holds {cover.mean():.3f} "
            f"({cover.std():.3f}) of the held-out rows (nominal 0.90)"
        )


if __name__ == "__main__":
    main()
