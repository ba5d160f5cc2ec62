"""ANNClassifier's behaviour as a scikit-learn classifier."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from textbook_settings import textbook_classifier

from skann import ANNClassifier


def fitted_state(clf):
    """Everything fit sets, pickled so that arrays compare by value."""
    params = clf.get_params(deep=False)
    return pickle.dumps({k: v for k, v in vars(clf).items() if k not in params})


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"hidden_size": 0}, "hidden_size"),
        ({"hidden_size": (4, 0)}, "hidden_size"),
        ({"hidden_size": ()}, "hidden_size"),
        ({"hidden_size": (4, 2.5)}, "hidden_size"),
        ({"hidden_size": "4"}, "hidden_size"),
        ({"lr": 0}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1.5}, "epochs"),
        ({"init_scale": 0.0}, "init_scale"),
        ({"activation": "softmax"}, "activation"),
        ({"random_state": "seed"}, "random_state"),
        ({"verbose": -1}, "verbose"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(params, name):
    X, y = [[0, 0], [1, 1]], [0, 1]
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of ANN"):
        textbook_classifier(**{"epochs": 1, **params}).fit(X, y)


def test_hidden_size_tuple_builds_several_layers(rng):
    X = rng.randn(30, 5)
    y = rng.randint(0, 3, 30)
    clf = textbook_classifier((6, 4), epochs=5, random_state=0).fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(5, 6), (6, 4), (4, 3)]
    assert [b.shape for b in clf.intercepts_] == [(6,), (4,), (3,)]
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 3
    assert clf.out_activation_ == "softmax"


def test_only_hidden_size_is_positional():
    textbook_classifier(8)
    with pytest.raises(TypeError):
        textbook_classifier(8, "relu")


def test_binary_string_labels_and_proba(rng):
    X = rng.randn(60, 2)
    y = np.where(X[:, 0] > 0, "yes", "no")
    clf = textbook_classifier(lr=0.5, epochs=300, random_state=0).fit(X, y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    expected = clf.classes_[(proba[:, 1] >= 0.5).astype(int)]
    np.testing.assert_array_equal(clf.predict(X), expected)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    assert clf.score(X, y) > 0.9


def test_multilabel_targets_get_one_logistic_unit_per_label(rng):
    X = rng.randn(80, 4)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0]).astype(int)
    clf = textbook_classifier(8, lr=0.5, epochs=500, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    proba = clf.predict_proba(X)
    assert proba.shape == (80, 3)
    np.testing.assert_array_equal(clf.predict(X), (proba >= 0.5).astype(int))
    assert (clf.predict(X) == Y).mean() > 0.9


def test_multiclass_multioutput_targets_are_refused(rng):
    X = rng.randn(10, 2)
    y = rng.randint(0, 3, (10, 2))
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        textbook_classifier(epochs=1).fit(X, y)


def test_sample_weight_equals_repeating_rows(rng):
    X = rng.randn(20, 3)
    y = rng.randint(0, 3, 20)
    w = rng.randint(1, 4, 20)
    params = dict(hidden_size=5, lr=0.3, epochs=200, random_state=0)
    weighted = textbook_classifier(**params).fit(X, y, sample_weight=w)
    repeated = textbook_classifier(**params).fit(np.repeat(X, w, 0), np.repeat(y, w))
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-8
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_follows_the_input(rng, dtype):
    X = rng.randn(30, 3).astype(dtype)
    y = rng.randint(0, 2, 30)
    clf = textbook_classifier(epochs=5, random_state=0).fit(X, y)
    assert all(W.dtype == dtype for W in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X).dtype == dtype


def test_integer_input_trains_in_float64():
    clf = textbook_classifier(epochs=3, random_state=0).fit([[0, 1], [1, 0]], [0, 1])
    assert clf.coefs_[0].dtype == np.float64


def test_divergence_raises_naming_the_learning_rate_and_keeps_the_old_model(cancer):
    X, y = cancer
    # Unscaled, the features kill every ReLU unit, and fit says so.
    with pytest.warns(ConvergenceWarning, match="all 4 units .* are dead"):
        clf = textbook_classifier(epochs=20, random_state=0).fit(X[:100], y[:100])
    before = fitted_state(clf)
    clf.set_params(lr=1e6, epochs=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"diverged at epoch \d+.*learning rate"):
            clf.fit(X, y)
    clf.set_params(lr=0.1, epochs=20)
    assert fitted_state(clf) == before


@pytest.mark.parametrize(
    "X, y, match",
    [
        ([[0.0, np.nan], [1.0, 1.0]], [0, 1], "NaN"),
        ([[0.0, np.inf], [1.0, 1.0]], [0, 1], "infinity"),
        ([[0.0, 1.0], [1.0, 1.0]], [1, 1], "class"),
        (np.empty((0, 2)), [], "0 sample"),
        (np.array([[0.0, 1j], [1.0, 1.0]]), [0, 1], "[Cc]omplex"),
        ([["a", "b"], ["c", "d"]], [0, 1], "could not convert|string"),
    ],
)
def test_bad_data_raises_and_leaves_the_fitted_model_unchanged(X, y, match):
    clf = textbook_classifier(epochs=5, random_state=0).fit(
        [[0, 0], [1, 1], [2, 2]], [0, 1, 0]
    )
    before = fitted_state(clf)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert fitted_state(clf) == before


def test_failed_first_fit_leaves_the_estimator_unfitted():
    clf = textbook_classifier(epochs=5)
    with pytest.raises(ValueError, match="number of classes has to be greater"):
        clf.fit([[0.0, 1.0], [1.0, 1.0]], [1, 1])
    assert not hasattr(clf, "n_features_in_")
    with pytest.raises(NotFittedError):
        clf.predict([[0.0, 1.0]])


def test_bad_parameter_on_refit_keeps_the_old_model():
    clf = textbook_classifier(epochs=5, random_state=0).fit([[0, 0], [1, 1]], [0, 1])
    before = fitted_state(clf)
    clf.set_params(hidden_size=(3, 0))
    with pytest.raises(InvalidParameterError):
        clf.fit([[0, 0, 0], [1, 1, 1]], [0, 1])
    assert fitted_state(clf) == before


def test_wrong_feature_count_at_predict():
    clf = textbook_classifier(epochs=5, random_state=0).fit([[0, 0], [1, 1]], [0, 1])
    with pytest.raises(ValueError, match="has 3 features"):
        clf.predict([[0, 0, 0]])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_array_after_a_fit_on_a_dataframe_warns_as_in_scikit_learn(rng):
    # A float64 array of the fitted width takes no shortcut past this warning.
    pd = pytest.importorskip("pandas")
    X, y = rng.randn(30, 3), rng.randint(0, 2, 30)
    clf = textbook_classifier(epochs=5, random_state=0)
    clf.fit(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    match = "X does not have valid feature names, but ANNClassifier was fitted with"
    with pytest.warns(UserWarning, match=match):
        clf.predict(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_predicting_no_rows_is_refused_as_in_scikit_learn(rng):
    X, y = rng.randn(30, 3), rng.randint(0, 2, 30)
    clf = textbook_classifier(epochs=5, random_state=0).fit(X, y)
    for method in (clf.predict, clf.predict_proba):
        with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
            method(np.empty((0, 3)))


def test_extreme_inputs_give_finite_probabilities_or_a_clear_error(cancer):
    X, y = cancer
    clf = make_pipeline(textbook_classifier(16, epochs=50, random_state=0))
    clf.fit((X - X.mean(0)) / X.std(0), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scale in (1e200, 1e300, -1e300):
            try:
                proba = clf.predict_proba(X * scale)
            except ValueError as exc:
                assert "too large" in str(exc)
            else:
                assert np.isfinite(proba).all()


def test_predict_in_chunks_matches_one_pass(rng, monkeypatch):
    from sklearn import config_context

    X = rng.randn(500, 4)
    y = rng.randint(0, 3, 500)
    clf = textbook_classifier(16, epochs=20, random_state=0).fit(X, y)
    whole = clf.predict_proba(X)
    network = clf._fitted_model.network
    rows, forward = [], network.forward

    def counted(X_rows, *args, **kwargs):
        rows.append(X_rows.shape[0])
        return forward(X_rows, *args, **kwargs)

    monkeypatch.setattr(network, "forward", counted)
    with config_context(working_memory=0.001):  # about 1 kB: chunks of a few rows
        chunked = clf.predict_proba(X)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12)
    # Each chunk's activations (16 hidden and 3 output units) fit in 1 kB.
    assert sum(rows) == 500 and len(rows) > 1
    assert max(rows) * (16 + 3) * 8 <= 0.001 * 2**20


def test_pipeline_grid_search_and_cross_val_on_breast_cancer(cancer):
    X, y = cancer
    pipe = make_pipeline(
        StandardScaler(), textbook_classifier(epochs=200, random_state=0)
    )
    grid = GridSearchCV(
        pipe,
        {"annclassifier__hidden_size": [4, 16], "annclassifier__lr": [0.1, 0.5]},
        cv=3,
    ).fit(X, y)
    assert set(grid.best_params_) == {"annclassifier__hidden_size", "annclassifier__lr"}
    ours = cross_val_score(pipe, X, y, cv=5)
    dummy = cross_val_score(DummyClassifier(), X, y, cv=5)
    assert ours.mean() > 0.95 > dummy.mean() + 0.25


def test_pandas_dataframe_keeps_feature_names(cancer):
    pd = pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    X, y = data.data.iloc[:, :5], data.target.map({0: "malignant", 1: "benign"})
    clf = make_pipeline(
        StandardScaler(), textbook_classifier(epochs=100, random_state=0)
    )
    clf.fit(X, y)
    ann = clf[-1]
    assert set(clf.predict(X)) <= {"malignant", "benign"}
    assert isinstance(X, pd.DataFrame)
    with pytest.warns(ConvergenceWarning, match="are dead"):  # unscaled
        raw = textbook_classifier(epochs=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(raw.feature_names_in_, X.columns)
    assert ann.n_features_in_ == 5


def test_clone_and_refit_are_reproducible(rng):
    X, y = make_classification(100, random_state=0)
    clf = textbook_classifier(8, epochs=50, random_state=3).fit(X, y)
    again = clone(clf).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))


#: Every scipy.sparse format a multilabel y can come in, matrices and arrays.
SPARSE_FORMATS = [
    getattr(sp, f"{name}_{kind}")
    for name in ("csr", "csc", "coo", "lil", "dok", "bsr", "dia")
    for kind in ("matrix", "array")
]


def multilabel_data(rng):
    X = rng.randn(60, 4)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0])
    return X, Y.astype(int)


# Every setting the comparisons below rely on, whatever the defaults become.
MULTILABEL_PARAMS = dict(
    hidden_size=6,
    activation="relu",
    lr=0.3,
    epochs=40,
    solver="momentum",
    batch_size=16,
    shuffle=True,
    init_scale=0.1,
    alpha=1e-4,
    tol=None,
    random_state=0,
)


def assert_same_weights(clf, reference):
    for W, W_ref in zip(
        clf.coefs_ + clf.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        np.testing.assert_array_equal(W, W_ref)


@pytest.mark.parametrize("sparse", SPARSE_FORMATS, ids=lambda f: f.__name__)
def test_sparse_multilabel_y_trains_like_the_dense_indicator(rng, sparse):
    X, Y = multilabel_data(rng)
    dense = ANNClassifier(**MULTILABEL_PARAMS).fit(X, Y)
    clf = ANNClassifier(**MULTILABEL_PARAMS).fit(X, sparse(Y))
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.loss_curve_ == dense.loss_curve_
    assert_same_weights(clf, dense)
    assert clf.score(X, sparse(Y)) == dense.score(X, Y) > 0.5


@pytest.mark.parametrize("sparse", [sp.csr_matrix, sp.csr_array, sp.coo_array])
def test_sparse_multilabel_y_in_partial_fit_and_warm_start(rng, sparse):
    X, Y = multilabel_data(rng)
    dense = ANNClassifier(**MULTILABEL_PARAMS)
    clf = ANNClassifier(**MULTILABEL_PARAMS)
    for rows in (slice(0, 30), slice(30, 60)):
        dense.partial_fit(X[rows], Y[rows])
        clf.partial_fit(X[rows], sparse(Y[rows]))
    assert_same_weights(clf, dense)

    dense.set_params(warm_start=True, epochs=5).fit(X, Y)
    clf.set_params(warm_start=True, epochs=5).fit(X, sparse(Y))
    assert clf.n_iter_ == dense.n_iter_ == 7
    assert_same_weights(clf, dense)


def test_sparse_y_with_stored_zeros_is_the_indicator_it_shows(rng):
    X, Y = multilabel_data(rng)
    stored = sp.csr_matrix(Y)
    # Every other stored entry becomes an explicit zero, which is no label.
    stored.data[::2] = 0
    dense = ANNClassifier(**MULTILABEL_PARAMS).fit(X, stored.toarray())
    clf = ANNClassifier(**MULTILABEL_PARAMS).fit(X, stored)
    assert stored.nnz > np.count_nonzero(stored.toarray())
    assert_same_weights(clf, dense)


def test_boolean_and_float_indicators_train_like_integers(rng):
    X, Y = multilabel_data(rng)
    reference = ANNClassifier(**MULTILABEL_PARAMS).fit(X, Y)
    for coded in (Y.astype(bool), Y.astype(float)):
        assert_same_weights(ANNClassifier(**MULTILABEL_PARAMS).fit(X, coded), reference)
