"""ANNRegressor: targets, weights, the training options, persistence and export."""

import os
import pickle
import signal
import warnings

import joblib
import numpy as np
import onnxruntime as ort
import pytest
import skops.io as sio
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import cross_val_score
from textbook_settings import textbook_classifier, textbook_regressor

import skann
import skann._engine
import skann.onnx
from skann import ANNRegressor
from skann.exceptions import InconsistentVersionWarning
from skann.onnx import to_onnx


@pytest.fixture
def data(rng):
    X = rng.randn(80, 4)
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.randn(80)
    return X, y


@pytest.fixture
def multi(rng):
    X = rng.randn(80, 4)
    Y = np.column_stack([X[:, 0] - X[:, 1], np.tanh(X[:, 2]), X[:, 3] ** 2])
    return X, Y


def gd(**params):
    return textbook_regressor(8, lr=0.1, epochs=30, random_state=0).set_params(**params)


def test_one_dimensional_y_gives_one_dimensional_predictions(data):
    X, y = data
    reg = gd().fit(X, y)
    assert reg.predict(X).shape == (80,)
    assert reg.n_outputs_ == 1 and reg.out_activation_ == "identity"


def test_a_column_y_warns_and_predicts_as_a_one_dimensional_y(data):
    X, y = data
    with pytest.warns(DataConversionWarning):
        column = gd().fit(X, y[:, np.newaxis])
    np.testing.assert_array_equal(column.predict(X), gd().fit(X, y).predict(X))


def test_multi_output_y_gives_one_column_per_output(multi):
    X, Y = multi
    reg = textbook_regressor(16, solver="lbfgs", epochs=300, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (80, 3) and reg.n_outputs_ == 3
    assert reg.score(X, Y) > 0.9


def test_lbfgs_fits_a_linear_target(data):
    X, y = data
    reg = textbook_regressor(8, solver="lbfgs", epochs=200, random_state=0).fit(X, y)
    assert r2_score(y, reg.predict(X)) > 0.98


def test_integer_weights_equal_repeated_rows(data):
    X, y = data
    weights = np.arange(80) % 3
    repeated = np.repeat(np.arange(80), weights)
    weighted = gd().fit(X, y, sample_weight=weights)
    copies = gd().fit(X[repeated], y[repeated])
    np.testing.assert_allclose(weighted.loss_curve_, copies.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(weighted.predict(X), copies.predict(X), rtol=1e-10)


@pytest.mark.parametrize("normalize_y", [True, False])
def test_the_loss_is_half_the_mean_squared_error(data, normalize_y):
    X, y = data
    y = 50 * y + 1000
    # At a learning rate of 1e-300 the weights stay where they started, where the
    # first epoch's loss was computed.
    reg = gd(lr=1e-300, epochs=1, normalize_y=normalize_y).fit(X, y)
    # Standardised, the squared error is in units of y's variance.
    unit = np.var(y) if normalize_y else 1.0
    expected = 0.5 * np.mean((reg.predict(X) - y) ** 2) / unit
    assert reg.loss_curve_[0] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("solver", ["gd", "momentum", "adam"])
def test_partial_fit_calls_are_epochs_of_fit(data, solver):
    X, y = data
    params = dict(solver=solver, lr=0.05, batch_size=None)
    fitted = gd(**params).set_params(epochs=5).fit(X, y)
    reg = gd(**params)
    for _ in range(5):
        reg.partial_fit(X, y)
    np.testing.assert_allclose(reg.loss_curve_, fitted.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(reg.predict(X), fitted.predict(X), rtol=1e-12)


def test_partial_fit_refuses_another_number_of_outputs(multi):
    X, Y = multi
    reg = gd().partial_fit(X, Y)
    with pytest.raises(ValueError, match="y has 1 outputs, but the model was"):
        reg.partial_fit(X, Y[:, 0])


def test_partial_fit_is_hidden_for_lbfgs():
    assert not hasattr(textbook_regressor(solver="lbfgs"), "partial_fit")
    assert hasattr(textbook_regressor(), "partial_fit")


def test_warm_start_continues_the_loss_curve(data):
    X, y = data
    whole = gd().set_params(epochs=20).fit(X, y)
    halves = gd(warm_start=True).set_params(epochs=10).fit(X, y).fit(X, y)
    np.testing.assert_allclose(halves.loss_curve_, whole.loss_curve_, rtol=1e-12)
    assert halves.n_iter_ == 20


def test_early_stopping_scores_validation_r2(data):
    X, y = data
    reg = textbook_regressor(
        8, solver="adam", lr=0.05, epochs=200, early_stopping=True, random_state=0
    ).fit(X, y)
    assert reg.best_loss_ is None
    assert len(reg.validation_scores_) == len(reg.validation_loss_curve_)
    best = int(np.argmin(reg.validation_loss_curve_))
    assert reg.best_validation_score_ == reg.validation_scores_[best]
    # R² of a good fit on held-out rows of a near-linear target.
    assert 0.9 < reg.best_validation_score_ <= 1.0


def test_a_tolerance_stops_on_a_plateau(data):
    X, y = data
    reg = textbook_regressor(
        8, solver="adam", lr=0.05, epochs=2000, tol=1e-4, random_state=0
    ).fit(X, y)
    assert reg.n_iter_ < 2000


def test_running_out_of_epochs_under_a_tolerance_warns(data):
    X, y = data
    with pytest.warns(ConvergenceWarning):
        gd(tol=1e-12).fit(X, y)


def test_float32_stays_float32(data):
    X, y = data
    reg = gd().fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in reg.coefs_)
    assert reg.predict(X.astype(np.float32)).dtype == np.float32
    assert reg.predict(X).dtype == np.float32


def test_divergence_names_the_learning_rate(data):
    X, y = data
    with pytest.raises(ValueError, match="lr=50.0 is likely too high"):
        textbook_regressor(8, lr=50.0, epochs=100, random_state=0).fit(X * 10, y)


def test_targets_too_large_for_float32_are_refused(data):
    X, y = data
    reg = gd()
    with pytest.raises(ValueError, match="y holds values too large for X's dtype"):
        reg.fit(X.astype(np.float32), y * 1e40)
    assert not hasattr(reg, "coefs_")


def test_a_regressor_in_cross_validation(data):
    X, y = data
    reg = textbook_regressor(8, solver="lbfgs", epochs=100, random_state=0)
    assert cross_val_score(reg, X, y, cv=3).mean() > 0.9


def test_ctrl_c_ends_training_after_the_current_epoch(data, monkeypatch):
    X, y = data

    def progress_printer(estimator):
        def on_epoch(epoch, loss):
            if epoch == 3:
                os.kill(os.getpid(), signal.SIGINT)

        return on_epoch

    monkeypatch.setattr(skann._engine, "_progress_printer", progress_printer)
    reg = gd(batch_size=20, epochs=200)
    with pytest.warns(UserWarning, match="interrupted after 4 epochs"):
        reg.fit(X, y)
    assert reg.n_iter_ == 4 and np.isfinite(reg.predict(X)).all()


@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
def test_each_epoch_is_reported_to_the_callbacks(data, solver):
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    X, y = data

    class Recorder:
        def setup(self, estimator, context):
            self.epochs, self.last = [], None

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context, *, fitted_estimator):
            if context.task_name == "epoch":
                self.epochs.append(fitted_estimator.n_iter_)
                self.last = fitted_estimator

        def teardown(self, estimator, context):
            pass

    recorder = Recorder()
    assert isinstance(recorder, callback.FitCallback)
    reg = gd(solver=solver, epochs=7).set_callbacks(recorder).fit(X, y)
    assert recorder.epochs == list(range(1, reg.n_iter_ + 1))
    np.testing.assert_allclose(recorder.last.predict(X), reg.predict(X), rtol=1e-12)


# Persistence ---------------------------------------------------------------------

ANN_TYPE = f"{ANNRegressor.__module__}.{ANNRegressor.__qualname__}"


@pytest.mark.parametrize("how", ["pickle", "joblib", "skops"])
def test_a_saved_regressor_predicts_as_before(multi, tmp_path, how):
    X, Y = multi
    reg = gd().fit(X, Y)
    path = tmp_path / "model"
    if how == "pickle":
        loaded = pickle.loads(pickle.dumps(reg))
    elif how == "joblib":
        joblib.dump(reg, path)
        loaded = joblib.load(path)
    else:
        assert sio.get_untrusted_types(data=sio.dumps(reg)) == [ANN_TYPE]
        loaded = sio.loads(sio.dumps(reg), trusted=[ANN_TYPE])
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_a_regressor_saved_by_another_version_warns(data, monkeypatch):
    X, y = data
    saved = pickle.dumps(gd().fit(X, y))
    monkeypatch.setattr(skann._version, "__version__", "0.0.1")
    with pytest.warns(InconsistentVersionWarning, match="ANNRegressor"):
        pickle.loads(saved)


def test_a_regressor_with_a_classifiers_output_is_refused(data):
    X, y = data
    reg = gd().fit(X, y)
    reg.out_activation_ = "logistic"
    with pytest.raises(ValueError, match="ANNRegressor is inconsistent: "):
        pickle.loads(pickle.dumps(reg))
    with pytest.raises(
        ValueError, match=r"regression needs one of \['exp', 'identity'\]"
    ):
        reg.predict(X)


def test_a_classifiers_state_is_not_a_regressors(data):
    X, y = data
    clf = textbook_classifier(4, epochs=5, random_state=0).fit(X, y > 0)
    reg = textbook_regressor()
    with pytest.raises(ValueError, match="inconsistent: out_activation_"):
        reg.__setstate__(clf.__getstate__())


# ONNX ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("outputs", [1, 3])
def test_onnx_graph_predicts_as_the_regressor(multi, dtype, outputs):
    X, Y = multi
    y = Y[:, 0] if outputs == 1 else Y
    reg = textbook_regressor((8, 4), solver="lbfgs", epochs=50, random_state=0).fit(
        X, y
    )
    model = to_onnx(reg, X.astype(dtype))
    session = ort.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (predictions,) = session.run(["predictions"], {"X": X.astype(dtype)})
    assert predictions.shape == reg.predict(X).shape
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(predictions, reg.predict(X), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("loss", ["poisson", "quantile"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnx_graph_predicts_as_the_regressor_of_each_loss(multi, dtype, loss):
    X, Y = multi
    y = np.exp(Y[:, :2] / (3 * Y[:, :2].std(axis=0))) if loss == "poisson" else Y
    reg = textbook_regressor((8, 4), solver="lbfgs", epochs=50, random_state=0)
    reg = reg.set_params(loss=loss, quantile=0.8).fit(X, y)
    model = to_onnx(reg, X.astype(dtype))
    assert ("Exp" in {n.op_type for n in model.graph.node}) == (loss == "poisson")
    session = ort.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (predictions,) = session.run(["predictions"], {"X": X.astype(dtype)})
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(predictions, reg.predict(X), rtol=rtol, atol=rtol)


def test_onnx_refuses_an_output_it_cannot_write_by_name(data, monkeypatch):
    X, y = data
    reg = gd(loss="poisson").fit(X, np.abs(y))
    # An output activation the table of operators lacks, as a later loss's may.
    monkeypatch.delitem(skann.onnx._REGRESSION_OPS, "exp")
    with pytest.raises(ValueError, match="output activation 'exp'; export supp"):
        to_onnx(reg, X)


def test_no_warning_escapes_a_quiet_fit(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gd().fit(X, y).predict(X)
