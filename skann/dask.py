"""Train an estimator on data larger than memory, a block of a dask array at a time.

:func:`fit_blocks` walks the row blocks of dask arrays and hands each, computed, to
the estimator's ``partial_fit``. The training itself runs in the calling process;
dask computes the blocks, on its local threads or on a ``distributed`` cluster when
a ``Client`` is active.

``dask`` is the optional extra ``dask``: ``pip install 'skann[dask]'``. Grid searches
and cross-validation need nothing from this module: run them inside
``joblib.parallel_config(backend="dask")`` to spread their fits over a cluster.
"""

import importlib
import inspect
import math
from numbers import Integral

from sklearn.utils._param_validation import InvalidParameterError

__all__ = ["fit_blocks"]


def _import_dask():
    """Return ``dask`` and ``dask.array``, naming the extra if they are missing."""
    try:
        return importlib.import_module("dask"), importlib.import_module("dask.array")
    except ImportError as err:
        raise ImportError(
            "skann.dask needs the 'dask' package with its array module, which is "
            "not installed. Install the dask extra: pip install 'skann[dask]'"
        ) from err


def _unknown_rows(array):
    """Whether the sizes of ``array``'s row blocks are unknown (after filtering)."""
    return any(math.isnan(rows) for rows in array.chunks[0])


def _rows_like(da, array, X, name):
    """``array`` as a dask array split into the same row blocks as ``X``.

    Where the sizes of the row blocks are unknown, as after boolean indexing,
    ``array`` must have unknown sizes too and as many row blocks as ``X`` (``X``
    and ``array`` filtered by one mask): its blocks are paired with those of
    ``X`` by position, and each pair's rows are compared once computed.
    """
    array = da.asarray(array)
    if _unknown_rows(X) or _unknown_rows(array):
        unknown = [n for n, a in (("X", X), (name, array)) if _unknown_rows(a)]
        if len(unknown) < 2 or array.numblocks[0] != X.numblocks[0]:
            raise ValueError(
                f"The sizes of the row blocks of {' and '.join(unknown)} are "
                "unknown, as after boolean indexing, so the rows of "
                f"{name} cannot be matched with those of X. Call "
                f"{' and '.join(f'{n}.compute_chunk_sizes()' for n in unknown)} "
                f"first, or filter X and {name}, chunked alike, with the same mask."
            )
        return array.rechunk({axis: -1 for axis in range(1, array.ndim)})
    if array.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but {name} has {array.shape[0]}; they must "
            "have the same number of rows."
        )
    # One block per row block: later columns must not be left behind.
    chunks = {0: X.chunks[0], **{axis: -1 for axis in range(1, array.ndim)}}
    return array.rechunk(chunks)


def _check_call(estimator, classes, epochs):
    """Refuse ``epochs`` that train nothing, and estimators it cannot drive so."""
    # bool is an Integral too, but True is no number of passes.
    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 1:
        raise InvalidParameterError(
            "The 'epochs' parameter of fit_blocks must be an int in the range "
            f"[1, inf). Got {epochs!r} instead."
        )
    try:
        partial_fit = estimator.partial_fit
    except AttributeError as err:
        # available_if hides partial_fit, giving the reason (the solver) as cause.
        raise AttributeError(
            f"fit_blocks trains through partial_fit, which this "
            f"{type(estimator).__name__} does not have: {err.__cause__ or err}"
        ) from err
    parameters = inspect.signature(partial_fit).parameters
    if classes is not None and "classes" not in parameters:
        raise TypeError(
            f"classes was given, but {type(estimator).__name__}.partial_fit takes "
            "no classes; leave classes=None for a regressor."
        )


def fit_blocks(estimator, X, y, *, classes=None, sample_weight=None, epochs=1):
    """Fit ``estimator`` with ``partial_fit`` over the row blocks of dask arrays.

    Each epoch walks the row blocks of ``X`` in order. For each block, the rows of
    ``X``, ``y`` and ``sample_weight`` are computed together, passed to
    ``estimator.partial_fit`` and released before the next block is computed, so
    this process holds one block of data at a time.

    Parameters
    ----------
    estimator : ANNClassifier, ANNRegressor or other estimator with ``partial_fit``
        Trained in place; a fitted one continues from its current weights.
    X : dask.array.Array of shape (n_samples, n_features)
        Training data, chunked along the rows; chunks along the columns are
        joined, so each block holds whole rows. Array-likes are taken as one block.
    y : dask.array.Array or array-like of shape (n_samples,) or (n_samples, n_outputs)
        Class labels, a binary indicator matrix for multilabel targets, or the
        targets of a regressor. It is split into the row blocks of ``X``.
    classes : array-like of shape (n_classes,), default=None
        Every class of the whole data set, which a single block may not show.
        Passed to each ``partial_fit`` call when given; ``ANNClassifier``
        requires it on its first call, except for multilabel targets. Leave it
        None for a regressor.
    sample_weight : dask.array.Array or array-like of shape (n_samples,), \
default=None
        Non-negative weights, split into the row blocks of ``X``.
    epochs : int, default=1
        Passes over all the blocks, at least 1.

    Returns
    -------
    estimator : object
        The estimator, trained.

    Raises
    ------
    ImportError
        If ``dask`` is missing.
    ValueError
        If ``y`` or ``sample_weight`` do not have as many rows as ``X`` (or, with
        row blocks of unknown sizes, as many row blocks), if every row block is
        empty, or if ``epochs`` is not an int of at least 1 (an
        ``InvalidParameterError``).
    TypeError
        If ``classes`` is given to an estimator whose ``partial_fit`` takes none.
    AttributeError
        If the estimator has no ``partial_fit``, as with ``solver='lbfgs'``.

    See Also
    --------
    skann.ANNClassifier.partial_fit : One epoch over the data it is given.
    skann.ANNRegressor.partial_fit : One epoch over the data it is given.

    Notes
    -----
    With ``ANNClassifier`` and ``ANNRegressor``, each ``partial_fit`` call is one
    epoch over its block (in mini-batches of ``batch_size``), so ``epochs`` passes
    make ``epochs`` times ``X.numblocks[0]`` calls. Blocks come in the same order
    in every pass: shuffle the rows of data sorted by class first. A block's size
    in memory is set by the chunks of ``X``; rechunk ``X`` to trade memory for
    fewer, larger steps.

    Filtered arrays train as they are: a block left empty is skipped, and blocks
    whose sizes are unknown (``X[mask]``, ``y[mask]``) are paired by position.
    Otherwise, ``X.compute_chunk_sizes()`` makes the sizes known.

    A dask DataFrame becomes a suitable array with
    ``df.to_dask_array(lengths=True)``: the row counts of its partitions must be
    known.

    Examples
    --------
    >>> import dask.array as da
    >>> from skann import ANNClassifier
    >>> from skann.dask import fit_blocks
    >>> X = da.random.default_rng(0).normal(size=(10_000, 4), chunks=(2_000, 4))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> clf = ANNClassifier(8, solver="adam", lr=0.01, batch_size=100, random_state=0)
    >>> clf = fit_blocks(clf, X, y, classes=[0, 1], epochs=2)
    >>> clf.n_iter_
    10
    >>> bool(clf.score(X[:1_000].compute(), y[:1_000].compute()) > 0.9)
    True
    """
    _check_call(estimator, classes, epochs)
    dask, da = _import_dask()
    X = da.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-dimensional; got {X.ndim} dimensions.")
    X = X.rechunk({1: -1})
    y = _rows_like(da, y, X, "y")
    if sample_weight is not None:
        sample_weight = _rows_like(da, sample_weight, X, "sample_weight")

    arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
    # Optimizing the whole graph once gives every task one name and one definition;
    # optimizing each block's piece anew can fuse a shared task two ways.
    blocks = [
        a.to_delayed(optimize_graph=False).ravel() for a in dask.optimize(*arrays)
    ]
    # Only what was given: a regressor's partial_fit takes no classes, and some
    # estimators' no sample_weight.
    kwargs = {} if classes is None else {"classes": classes}
    for epoch in range(epochs):
        trained = False
        for i in range(X.numblocks[0]):
            # One compute call, so work that X and y share runs once per block.
            X_block, *others = dask.compute(
                *(b[i] for b in blocks), optimize_graph=False
            )
            _check_block(i, X_block, others)
            if X_block.shape[0] == 0:
                continue  # left empty by a filter: nothing to train on
            y_block, *weight = others
            if weight:
                kwargs["sample_weight"] = weight[0]
            estimator.partial_fit(X_block, y_block, **kwargs)
            trained = True
        if not trained:
            # scikit-learn's message for data without rows.
            raise ValueError(
                f"Found array with 0 sample(s) (shape={X_block.shape}) while a "
                "minimum of 1 is required by fit_blocks: every row block of X is "
                "empty."
            )
    return estimator


def _check_block(i, X_block, others):
    """Raise unless the arrays paired with row block ``i`` of X have its rows."""
    for name, block in zip(("y", "sample_weight"), others):
        if block.shape[0] != X_block.shape[0]:
            raise ValueError(
                f"Row block {i} of X has {X_block.shape[0]} rows but that of {name} "
                f"has {block.shape[0]}: X and {name} were not filtered alike. Call "
                f"compute_chunk_sizes() on both first, so that fit_blocks can match "
                "their rows."
            )
