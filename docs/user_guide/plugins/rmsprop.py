from sklearn.datasets import load_digits

from skann import ANNClassifier
from skann.plugins import Optimizer


class RMSprop(Optimizer):
    """Steps divided by a running root mean square of the gradients."""

    def __init__(self, rho=0.9, epsilon=1e-8):
        self.rho, self.epsilon, self.s = rho, epsilon, None  # s: state

    def update(self, params, grads):
        s = self.xp.zeros_like(params) if self.s is None else self.s
        self.s = s = self.rho * s + (1 - self.rho) * grads**2
        params -= self.lr * grads / (self.xp.sqrt(s) + self.epsilon)

    def get_state(self):  # what partial_fit resumes, through set_state
        return {"s": self.s}

    def set_state(self, state):
        self.s = self.copied(state.get("s"))

    def rescale(self, factors):  # params times factors: grads divided
        self.s = None if self.s is None else self.s / factors**2


X, y = load_digits(return_X_y=True)
clf = ANNClassifier(32, solver=RMSprop(), random_state=0).fit(X, y)
