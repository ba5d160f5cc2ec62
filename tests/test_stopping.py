"""The stopping rules: a plateau counted as scikit-learn's MLPClassifier counts it."""

from skann._core.stopping import Plateau


def test_a_plateau_is_the_n_iter_no_change_plus_first_epoch_without_improvement():
    plateau = Plateau(tol=0.5, n_iter_no_change=2)
    # 3.5 is the best so far minus tol exactly: an improvement, as in MLP; each
    # 3.25 after it is above 3.5 - 0.5 and counts.
    losses = [4.0, 3.5, 3.25, 3.25, 3.25]
    ends = [plateau.update(epoch, loss, None) for epoch, loss in enumerate(losses)]
    assert ends == [False, False, False, False, True]
    assert plateau.best_loss == 3.25 and plateau.best_epoch == 2
