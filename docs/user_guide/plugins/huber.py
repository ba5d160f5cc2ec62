from sklearn.datasets import make_regression

from skann import ANNRegressor
from skann.plugins import RegressionLoss


class Huber(RegressionLoss):
    """Half the squared error within ``delta``, linear beyond it."""

    output_activation = "identity"  # predicts the output layer's Z

    def __init__(self, delta=1.0):
        self.delta = delta  # in y's standard deviations (normalize_y)

    def terms(self, Y, P, xp):
        R = xp.abs(P - Y)
        linear = self.delta * (R - 0.5 * self.delta)
        return xp.where(R <= self.delta, 0.5 * R * R, linear)

    def terms_gradient(self, Y, P, xp):
        return xp.clip(P - Y, -self.delta, self.delta)  # a new array


X, y = make_regression(200, 4, noise=5.0, random_state=0)
y[::20] += 1000  # outliers: Huber's loss weighs them less than squares
reg = ANNRegressor(16, loss=Huber(delta=1.0), random_state=0).fit(X, y)
r2 = reg.score(X, y)
