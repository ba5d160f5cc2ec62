"""Accuracy and fit time at the defaults: skann against scikit-learn's MLPs.

Usage::

    python benchmarks/defaults.py [--quick] [--panel {classifier,regressor,both}]
        [--candidate NAME] [--set PARAM=VALUE ...] [--only SUBSTRING] [--seed S]

Each item of a panel of data sets is split several times; on each split
``ANNClassifier`` at a candidate set of defaults (by default the estimator's own
defaults) and ``MLPClassifier()`` at scikit-learn's are fitted alternately, with the
same ``random_state``, and scored on the held-out rows (accuracy; R² for the
regression panel, ``ANNRegressor`` against ``MLPRegressor()``). The table gives the
mean scores, the fit times summed over the splits and their ratio MLP / skann, and
how many fits ended with a ``ConvergenceWarning``. The BLAS library and its threads
are printed first.

``ANNRegressor`` is measured as it is: its ``fit`` standardises the target
(``normalize_y=True``).
"""

import argparse
import time
import warnings

import numpy as np
from compare import describe_machine
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_friedman1,
    make_friedman2,
    make_moons,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedShuffleSplit
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skann import ANNClassifier, ANNRegressor, from_mlp

#: The candidates tried, by name (see README.md); "defaults" is the estimators' own,
#: "drop-once-10" for both. Each starts from MLPClassifier's defaults in skann's
#: words (``from_mlp``).
MLP_LIKE = {
    name: value
    for name, value in from_mlp(MLPClassifier()).get_params().items()
    if name in ANNRegressor().get_params() and name != "random_state"  # both take it
}
DATA_INIT = {**MLP_LIKE, "init_scale": "data", "batch_size": 64, "alpha": 0.1}
CANDIDATES = {
    "defaults": {},
    "mlp-like": MLP_LIKE,
    "small-init": {**MLP_LIKE, "init_scale": 0.01},
    "small-init-fast": {**MLP_LIKE, "init_scale": 0.01, "lr": 0.01},
    "small-init-l2": {
        **MLP_LIKE, "init_scale": 0.03, "lr": 3e-3, "alpha": 0.3,
        "n_iter_no_change": 20,
    },
    "data-init": DATA_INIT,
    "data-init-long-l2": {
        **DATA_INIT, "alpha": 0.3, "epochs": 400, "n_iter_no_change": 20,
    },
    "data-init-long": {**DATA_INIT, "epochs": 400, "n_iter_no_change": 20},
    "auto-penalty": {
        **DATA_INIT, "epochs": 400, "n_iter_no_change": 20, "alpha": "auto",
    },
    "auto-penalty-128": {
        **DATA_INIT, "epochs": 400, "n_iter_no_change": 20, "alpha": "auto",
        "batch_size": 128, "lr": 3e-3,
    },
}  # fmt: skip
CANDIDATES["equal-batches"] = {**CANDIDATES["auto-penalty-128"], "batch_size": "auto"}
CANDIDATES["constant-10"] = {**CANDIDATES["equal-batches"], "n_iter_no_change": 10}
CANDIDATES["drop-once-20"] = {**CANDIDATES["equal-batches"], "lr_schedule": "drop_once"}
CANDIDATES["drop-once-10"] = {**CANDIDATES["drop-once-20"], "n_iter_no_change": 10}


def text_documents(n_docs=4000, n_classes=4, vocabulary=3000, seed=0):
    """Random documents whose words come from class-specific distributions.

    Every class mixes a background distribution shared by all classes (80% of
    the words) with its own topic; the documents are strings of word ids.
    """
    rng = np.random.RandomState(seed)
    background = rng.dirichlet(np.full(vocabulary, 0.1))
    topics = rng.dirichlet(np.full(vocabulary, 0.05), size=n_classes)
    y = rng.randint(n_classes, size=n_docs)
    lengths = rng.randint(20, 120, size=n_docs)
    words = 0.8 * background + 0.2 * topics[y]
    docs = [
        " ".join(f"w{i}" for i in rng.choice(vocabulary, size=n, p=p))
        for n, p in zip(lengths, words)
    ]
    return np.array(docs, dtype=object), y


def classification_panel(quick):
    """(name, X, y, needs a TfidfVectorizer, scale the features, splits)."""
    three = make_classification(3000, 20, n_informative=6, n_classes=3, random_state=0)
    large = make_classification(
        25_000 if quick else 100_000, 20, n_informative=10, random_state=0
    )
    moons = make_moons(1000, noise=0.3, random_state=0)
    splits, small = (1, 1) if quick else (3, 10)
    panel = []
    for name, loader in [
        ("digits", load_digits),
        ("wine", load_wine),
        ("breast cancer", load_breast_cancer),
        ("iris", load_iris),
    ]:
        X, y = loader(return_X_y=True)
        n = splits if len(y) > 1000 else small
        panel.append((f"{name}, raw", X, y, False, False, n))
        panel.append((f"{name}, scaled", X, y, False, True, n))
    panel += [
        ("3 classes, 3000 x 20", *three, False, False, splits),
        ("moons, noise 0.3", *moons, False, False, small),
        ("text, TF-IDF (4000 docs)", *text_documents(), True, False, splits),
        (f"{len(large[1]) // 1000}k x 20, 2 classes", *large, False, False, 1),
    ]
    return panel


def regression_panel(quick, seed=0):
    """(name, X, y, scale the features, cross-validation)."""
    splits = 1 if quick else 3
    X, y = load_diabetes(return_X_y=True)
    X_reg, y_reg = make_regression(2000, 20, n_informative=10, noise=10, random_state=0)
    panel = [
        ("diabetes, scaled X, raw y (5-fold CV)", X, y, True,
         KFold(5, shuffle=True, random_state=seed)),
        ("make_regression, y * 50 + 1000", X_reg, y_reg * 50 + 1000, False,
         ShuffleSplit(splits, test_size=0.25, random_state=seed)),
        ("friedman1, raw", *make_friedman1(2000, noise=1.0, random_state=0), False,
         ShuffleSplit(splits, test_size=0.25, random_state=seed)),
        ("friedman2, scaled X", *make_friedman2(2000, noise=1.0, random_state=0),
         True, ShuffleSplit(splits, test_size=0.25, random_state=seed)),
    ]  # fmt: skip
    return panel


def selected(name, only):
    """Whether ``name`` holds one of the comma-separated substrings of ``only``."""
    return not only or any(part in name for part in only.split(","))


def build(estimator, text, scale):
    steps = [TfidfVectorizer()] if text else []
    steps += [StandardScaler()] if scale else []
    return make_pipeline(*steps, estimator) if steps else estimator


def timed_score(model, X, y, train, test):
    """Fit on ``train``; return (score on ``test``, seconds, warned)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X[train], y[train])
        seconds = time.perf_counter() - start
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model.score(X[test], y[test]), seconds, warned


def compare_item(make_ours, make_mlp, X, y, splits):
    """Fit both on every split, alternating which goes first; return the sums."""
    totals = np.zeros((2, 3))  # rows: skann, MLP; columns: score, seconds, warned
    for seed, (train, test) in enumerate(splits):
        pair = [(0, make_ours(seed)), (1, make_mlp(seed))]
        for row, model in pair if seed % 2 else pair[::-1]:
            totals[row] += timed_score(model, X, y, train, test)
    n = len(splits)
    return totals[:, 0] / n, totals[:, 1], totals[:, 2].astype(int), n


def print_row(name, scores, seconds, warned, n):
    ratio = seconds[1] / seconds[0]
    print(
        f"| {name} | {scores[0]:.3f} | {scores[1]:.3f} | {seconds[0]:.2f} | "
        f"{seconds[1]:.2f} | {ratio:.2f} | {warned[0]}/{n} | {warned[1]}/{n} |",
        flush=True,
    )


def run_panel(panel, ours, mlp, params, metric, seed=0):
    """Print the table of ``ours(**params)`` against ``mlp()`` on every item."""
    print(
        f"| data | skann {metric} | MLP {metric} | skann s | MLP s | MLP / skann "
        "| skann warned | MLP warned |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total = np.zeros(2)
    worst = np.inf
    for name, X, y, build_model, splits in panel:
        scores, seconds, warned, n = compare_item(
            lambda split: build_model(ours(**params, random_state=seed + split)),
            lambda split: build_model(mlp(random_state=seed + split)),
            X,
            y,
            splits,
        )
        print_row(name, scores, seconds, warned, n)
        total += seconds
        worst = min(worst, scores[0] - scores[1])
    print(
        f"| **whole panel** | | | {total[0]:.1f} | {total[1]:.1f} | "
        f"{total[1] / total[0]:.2f} | | |"
    )
    print(f"Smallest {metric} difference skann - MLP over the items: {worst:+.3f}\n")


def classifier_run(params, quick, only, seed=0):
    panel = []
    for name, X, y, text, scale, n_splits in classification_panel(quick):
        if not selected(name, only):
            continue
        cv = StratifiedShuffleSplit(n_splits, test_size=0.25, random_state=seed)
        panel.append(
            (
                name,
                X,
                y,
                lambda e, t=text, s=scale: build(e, t, s),
                list(cv.split(X, y)),
            )
        )
    print(f"## Classifier: ANNClassifier({params}) against MLPClassifier()\n")
    run_panel(panel, ANNClassifier, MLPClassifier, params, "accuracy", seed)


def regressor_run(params, quick, only, seed=0):
    panel = []
    for name, X, y, scale, cv in regression_panel(quick, seed):
        if not selected(name, only):
            continue
        panel.append(
            (name, X, y, lambda e, s=scale: build(e, False, s), list(cv.split(X, y)))
        )
    print(f"## Regressor: ANNRegressor({params}) against MLPRegressor()\n")
    run_panel(panel, ANNRegressor, MLPRegressor, params, "R²", seed)


def parse_value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"None": None, "True": True, "False": False}.get(text, text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one split, 25k rows")
    parser.add_argument(
        "--panel", choices=["classifier", "regressor", "both"], default="both"
    )
    parser.add_argument("--candidate", choices=sorted(CANDIDATES), default="defaults")
    parser.add_argument(
        "--set", nargs="*", default=[], metavar="PARAM=VALUE",
        help="override a parameter of the candidate",
    )  # fmt: skip
    parser.add_argument(
        "--only", help="only the items whose name holds one of these (comma-separated)"
    )
    parser.add_argument(
        "--seed", type=int, default=0,
        help="seeds the splits, and (plus the split's index) both estimators",
    )  # fmt: skip
    args = parser.parse_args(argv)
    params = dict(CANDIDATES[args.candidate])
    for item in args.set:
        key, value = item.split("=", 1)
        params[key] = parse_value(value)
    describe_machine()
    print()
    if args.panel in ("classifier", "both"):
        classifier_run(params, args.quick, args.only, args.seed)
    if args.panel in ("regressor", "both"):
        regressor_run(params, args.quick, args.only, args.seed)


if __name__ == "__main__":
    main()
