"""What the estimators check of their input: X, the weights, the hidden sizes and
the validation split of early stopping.

Each function raises with the name of the parameter or input at fault; none of them
changes an estimator, except ``validate_data``'s record of the features seen in
``fit``.
"""

import math
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._arrays import Home, detached
from ._core.namespaces import from_numpy, take_rows
from ._core.plan import Dataset

#: The weighted loss multiplies each weight by a row's loss, at most -log(1e-9) per
#: output of a cross-entropy; this headroom under the dtype's largest value keeps
#: those sums finite.
_WEIGHT_HEADROOM = 1e8


def hidden_sizes(hidden_size, owner):
    """Return ``hidden_size`` as a tuple, raising for a tuple with a bad entry."""
    if isinstance(hidden_size, Integral):
        return (int(hidden_size),)
    sizes = tuple(hidden_size)
    if not sizes or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise InvalidParameterError(
            f"The 'hidden_size' parameter of {owner} must be an int in the range "
            "[1, inf) or a non-empty tuple of such ints. "
            f"Got {hidden_size!r} instead."
        )
    return tuple(int(s) for s in sizes)


def dropout_rates(dropout, n_hidden, solver, owner):
    """Return one dropout rate per hidden layer, raising for a bad ``dropout``."""
    rates = (dropout,) * n_hidden if isinstance(dropout, Real) else tuple(dropout)
    if len(rates) != n_hidden or not all(
        isinstance(r, Real) and not isinstance(r, bool) and 0 <= r < 1 for r in rates
    ):
        raise InvalidParameterError(
            f"The 'dropout' parameter of {owner.__name__} must be a float in the "
            f"range [0, 1) or a tuple of {n_hidden} such floats, one per hidden "
            f"layer. Got {dropout!r} instead."
        )
    if solver == "lbfgs" and any(rates):
        raise ValueError(
            f"dropout={dropout!r} does not work with solver='lbfgs', whose line "
            "search needs the same loss at the same parameters; set dropout=0 or "
            "choose another solver."
        )
    return tuple(float(r) for r in rates)


def _validate_quietly(*args, **kwargs):
    """``validate_data`` without the RuntimeWarning of its finiteness check.

    scikit-learn looks for inf and NaN by summing X, which warns when X holds both
    +inf and -inf, just before it raises its own clear error.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return validate_data(*args, **kwargs)


def _refuse_dates(X, owner):
    """Raise a TypeError naming the datetime64 or timedelta64 columns of ``X``."""
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "mM":
        raise TypeError(
            f"X has dtype {dtype}; {owner} needs numeric features. Convert "
            "dates and durations to numbers first, for example to seconds since a "
            "reference time."
        )
    dtypes = getattr(X, "dtypes", None)
    columns = getattr(X, "columns", None)
    if dtypes is None or columns is None or isinstance(dtypes, np.dtype):
        return
    # pandas gives tz-aware datetimes their own dtype, whose kind is still "M".
    bad = [c for c, d in zip(columns, dtypes) if getattr(d, "kind", None) in ("m", "M")]
    if bad:
        raise TypeError(
            f"X has datetime or timedelta columns {bad}; {owner} needs numeric "
            "features. Convert dates and durations to numbers first, for example "
            "to seconds since a reference time, or drop those columns."
        )


def _refuse_other_sparse(X, owner):
    """Raise a TypeError for a sparse array other than SciPy's (a sparse tensor).

    The first layer multiplies SciPy's sparse matrices on the host; other
    libraries' sparse formats are outside the Array API standard.
    """
    if sp.issparse(X):
        return
    layout = str(getattr(X, "layout", ""))
    if "sparse" in layout or "sparse" in type(X).__module__:
        raise TypeError(
            f"X is a sparse {type(X).__module__}.{type(X).__name__}"
            f"{f' ({layout})' if layout else ''}; {owner} takes sparse input as a "
            "SciPy sparse matrix only, which trains on the host with NumPy. Pass "
            "a dense array to train where X lives (X.to_dense() for PyTorch), or "
            "a SciPy CSR matrix."
        )


def _values_of(a):
    """The array ``a`` of another namespace as a plain array: detached from an
    autograd graph, and refused if complex.

    scikit-learn refuses complex NumPy arrays, but not a complex PyTorch tensor,
    whose imaginary part would be dropped on the way to a float dtype.
    """
    if a is None or isinstance(a, np.ndarray) or sp.issparse(a):
        return a
    a = detached(a)
    xp = Home.of(a).xp
    if xp is not np and xp.isdtype(a.dtype, "complex floating"):
        # scikit-learn's message for a complex NumPy array.
        raise ValueError(f"Complex data not supported\n{a}\n")
    return a


def training_data(estimator, X, y, reset):
    """Validated ``X`` (dense, or CSR) and ``y`` for ``fit`` or ``partial_fit``.

    With ``reset``, ``estimator`` records the features of ``X``
    (``n_features_in_``, ``feature_names_in_``); otherwise ``X`` must match them.
    """
    X, y = _values_of(X), _values_of(y)
    _refuse_dates(X, type(estimator).__name__)
    _refuse_other_sparse(X, type(estimator).__name__)
    # CSC and every other sparse format become CSR once: batches take rows.
    return _validate_quietly(
        estimator,
        X,
        y,
        reset=reset,
        accept_sparse="csr",
        multi_output=True,
        dtype=Home.of_input(X).float_dtypes(),
    )


def prediction_data(estimator, X, home):
    """Validated ``X`` (dense, or CSR) with the features ``estimator`` was fitted on.

    ``home`` is where the model lives, and ``X`` with it.
    """
    if _plain_rows(estimator, X):
        return X
    X = _values_of(X)
    _refuse_dates(X, type(estimator).__name__)
    _refuse_other_sparse(X, type(estimator).__name__)
    return _validate_quietly(
        estimator, X, reset=False, accept_sparse="csr", dtype=home.float_dtypes()
    )


def _plain_rows(estimator, X):
    """Whether ``X`` is a finite float ndarray of the fitted width, needing nothing.

    For such an ``X`` and a model fitted without feature names, scikit-learn's
    checks change nothing and raise nothing; skipping them takes 0.1 ms off each
    call, most of the time of predicting a few rows (``benchmarks/predict.py``).
    Anything else takes the full checks, and their messages.
    """
    if (
        type(X) is not np.ndarray
        or X.ndim != 2
        or X.dtype not in (np.float64, np.float32)
        or X.shape[0] == 0
        or X.shape[1] != estimator.n_features_in_
        or hasattr(estimator, "feature_names_in_")
    ):
        return False
    # A sum is finite only if every value is (an overflow merely takes the long way).
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(X.sum()))


def _check_weight_sum(total, dtype, what, home):
    """Raise if weights summing to ``total`` would overflow training in ``dtype``."""
    finfo = home.xp.finfo(dtype)
    low, high = float(finfo.smallest_normal), float(finfo.max) / _WEIGHT_HEADROOM
    if not low <= total <= high:
        raise ValueError(
            f"{what} sums to {total:.4g}, outside [{low:.3g}, {high:.3g}], the range "
            f"training on {home.numpy_dtype(dtype).name} data can use without "
            "overflow. Divide the weights by a common factor: the loss is their "
            "weighted mean, so only the alpha penalty, which is divided by their "
            "sum, changes."
        )


def sample_weights(X, sample_weight, target_weights, home):
    """Validated sample weights times the targets' weights, or None for neither.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The training data, whose dtype the weights take.
    sample_weight : array-like of shape (n_samples,) or None
        The weights given to ``fit``.
    target_weights : tuple (str, ndarray) or None
        The name and the row weights that the targets bring (``class_weight``).
    home : Home
        Where ``X`` lives, and the weights with it.

    Returns
    -------
    sample_weight : array of shape (n_samples,) or None
    what : str
        What the weights are, for messages.
    """
    sample_weight = _values_of(sample_weight)
    given = sample_weight is not None
    widest = home.widest_float
    if given:
        # The widest float first: weights too large for float32 X are refused
        # below with their sum, not by an overflow on the way.
        sample_weight = home.put(
            _check_sample_weight(
                sample_weight, X, dtype=widest, ensure_non_negative=True
            ),
            widest,
        )
    if target_weights is not None:
        weights = home.put(target_weights[1], widest)
        with np.errstate(over="ignore"):
            sample_weight = (
                weights if sample_weight is None else sample_weight * weights
            )
    if sample_weight is None:
        return None, None
    names = ["sample_weight"] if given else []
    if target_weights is not None:
        names.append(target_weights[0])
    what = " times ".join(names)
    with np.errstate(over="ignore"):
        total = float(home.xp.sum(sample_weight))
    if total <= 0:
        raise ValueError(f"{what} must have a positive sum.")
    _check_weight_sum(total, X.dtype, what, home)
    return home.put(sample_weight, X.dtype), what


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"


def _check_split_sizes(n, strata, fraction, classes, min_rows):
    """Raise, naming the parameters, where the validation split cannot be made."""
    # train_test_split rounds the held-out share of the rows up.
    n_validation = math.ceil(fraction * n)
    n_train = n - n_validation
    counts = np.bincount(strata) if strata is not None else np.array([n])
    counts = counts[counts > 0]
    needed = len(counts)
    if min(n_validation, n_train) < needed:
        if strata is None:
            need = "at least one row in each part"
        else:
            need = (
                f"at least one row of each of the {needed} classes in each part "
                "of its stratified split"
            )
        raise ValueError(
            f"early_stopping=True holds out validation_fraction="
            f"{fraction!r} of the {n} rows: a validation set of "
            f"{_rows(n_validation)} and a training set of {_rows(n_train)}, but "
            f"it needs {need}. Change validation_fraction, give more rows, or "
            "set early_stopping=False."
        )
    if n_validation < min_rows:
        raise ValueError(
            "The validation set is too small: early_stopping=True holds out "
            f"validation_fraction={fraction!r} of the {n} rows, "
            f"{_rows(n_validation)}, but scoring it needs at least "
            f"{min_rows}. Raise validation_fraction, give more "
            "rows, or set early_stopping=False."
        )
    if strata is not None and counts.min() < 2:
        rare = classes[np.flatnonzero(np.bincount(strata) == 1)]
        raise ValueError(
            "early_stopping=True splits the rows by class, which needs at least "
            f"2 rows of each class; the classes {rare.tolist()} have 1. Give more "
            "rows, or set early_stopping=False."
        )


def split_validation(data, strata, rng, fraction, classes=None, min_rows=1, home=None):
    """Hold out ``fraction`` of ``data``, stratified by ``strata``.

    Parameters
    ----------
    data : Dataset
    strata : ndarray of shape (n_samples,) or None
        Each row's class index, or None (regression).
    rng : numpy.random.RandomState
    fraction : float
        ``validation_fraction``.
    classes : ndarray or None
        The class labels, to name the rare ones in an error.
    min_rows : int, default=1
        Fewest held-out rows the validation score is defined on.
    home : Home, default=None
        Where ``data`` lives; None means NumPy.

    Returns
    -------
    train, validation : Dataset
    """
    n = data.X.shape[0]
    _check_split_sizes(n, strata, fraction, classes, min_rows)
    # The rows are drawn on the host, as train_test_split draws them for any
    # arrays, and gathered where the data live.
    parts = train_test_split(
        np.arange(n), test_size=fraction, random_state=rng, stratify=strata
    )
    xp = np if home is None else home.xp
    datasets = []
    for rows, name in zip(parts, ["training", "validation"]):
        rows = from_numpy(rows, xp, device=None if home is None else home.device)
        w = data.sample_weight
        if w is not None:
            w = take_rows(w, rows, xp)
            if not float(xp.sum(w)) > 0:
                raise ValueError(
                    f"early_stopping=True drew a {name} set whose sample weights "
                    "sum to zero, so its loss is undefined. Give weight to more "
                    "rows, or set early_stopping=False."
                )
        datasets.append(
            Dataset(take_rows(data.X, rows, xp), take_rows(data.Y, rows, xp), w)
        )
    return tuple(datasets)
