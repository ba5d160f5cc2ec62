"""python -m skann: the textbook AND gate, then a tuned model on real data.

Trains the textbook network on the AND gate with the textbook's settings
(skann.TEXTBOOK, which are not the defaults), then searches hidden_size and lr
around the defaults with cross-validation on the breast cancer data bundled with
scikit-learn, and prints what it found. --plot FILE also draws the loss curves
(needs matplotlib).
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skann import TEXTBOOK, ANNClassifier

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
AND_Y = np.array([0, 0, 0, 1])


def run_and_gate():
    """Train the textbook network on the AND gate and print its progress."""
    settings = ", ".join(f"{name}={value!r}" for name, value in TEXTBOOK.items())
    print("AND gate, the textbook network, with the textbook's settings (not the")
    print(f"defaults): ANNClassifier({settings}, random_state=42)")
    start = time.perf_counter()
    clf = ANNClassifier(**TEXTBOOK, random_state=42, verbose=1)
    clf.fit(AND_X, AND_Y)
    seconds = time.perf_counter() - start
    print("Predictions:", clf.predict(AND_X)[np.newaxis, :])
    print(f"({clf.n_iter_} epochs in {seconds:.2f} s)\n")
    return clf


def run_grid_search():
    """Tune hidden_size and lr on breast cancer, the rest at the defaults; print a
    table of the results."""
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, random_state=0
    )
    pipe = make_pipeline(StandardScaler(), ANNClassifier(random_state=0))
    grid = {"annclassifier__hidden_size": [16, 100], "annclassifier__lr": [3e-3, 1e-2]}
    search = GridSearchCV(pipe, grid, cv=5).fit(X_train, y_train)

    print("Breast cancer: 5-fold GridSearchCV over hidden_size and lr (the rest at")
    print("the defaults)")
    print(f"{'hidden_size':>11}  {'lr':>5}  {'mean CV accuracy':>16}  {'std':>6}")
    results = search.cv_results_
    for i in np.argsort(results["rank_test_score"]):
        params = results["params"][i]
        print(
            f"{params['annclassifier__hidden_size']:>11}  "
            f"{params['annclassifier__lr']:>5}  "
            f"{results['mean_test_score'][i]:>16.4f}  "
            f"{results['std_test_score'][i]:>6.4f}"
        )
    best = search.best_estimator_
    print(f"Best: {search.best_params_}")
    print(f"Held-out test accuracy of the best model: {best.score(X_test, y_test):.4f}")
    return best[-1]


def _pyplot():
    """matplotlib's pyplot drawing to files, or exit saying how to install it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise SystemExit("--plot needs matplotlib: pip install 'skann[plot]'") from exc
    return plt


def plot_loss_curves(models, path):
    """Write the loss curves of ``models`` (name -> fitted ANNClassifier) to a PNG."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 3.5))
    for ax, (name, clf) in zip(np.atleast_1d(axes), models.items()):
        ax.plot(clf.loss_curve_)
        ax.set(title=name, xlabel="epoch", ylabel="loss", yscale="log")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"Loss curves written to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skann",
        description=__doc__,
        # The docstring's own paragraphs and line breaks, not argparse's refill.
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--plot", metavar="FILE", help="write the loss curves (PNG)")
    args = parser.parse_args(argv)
    if args.plot:
        _pyplot()  # fail before training, not after, when matplotlib is missing
    and_gate = run_and_gate()
    best = run_grid_search()
    if args.plot:
        plot_loss_curves(
            {"AND gate (textbook settings)": and_gate, "Breast cancer (best)": best},
            args.plot,
        )


if __name__ == "__main__":
    main()
