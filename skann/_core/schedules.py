"""Learning-rate schedules: scikit-learn's MLPClassifier's three, and one drop.

A schedule owns the optimizer's ``lr`` between epochs: ``epoch_end`` may change it
after every epoch, and ``plateau`` is asked what to do when the monitored loss has
stopped improving.
"""

#: The adaptive schedule divides the learning rate by this on every plateau ...
ADAPTIVE_DIVISOR = 5.0
#: ... unless it is already at or below this, and then training stops.
ADAPTIVE_MIN_LR = 1e-6


class Constant:
    """Keep the initial learning rate; a plateau ends training."""

    name = "constant"

    def __init__(self, lr, power_t=0.5):
        self.lr_init = lr

    def epoch_end(self, optimizer, t):
        """Called after each epoch with ``t`` training samples seen so far."""

    def plateau(self, optimizer):
        """Return whether training should continue after a plateau."""
        return False


class InvScaling(Constant):
    """``lr = lr_init / (t + 1) ** power_t`` after each epoch, ``t`` samples seen."""

    name = "invscaling"

    def __init__(self, lr, power_t=0.5):
        super().__init__(lr)
        self.power_t = power_t

    def epoch_end(self, optimizer, t):
        """Scale the learning rate down with the samples seen."""
        optimizer.lr = self.lr_init / (t + 1) ** self.power_t


class Adaptive(Constant):
    """Divide ``lr`` by 5 on each plateau; stop once it is at or below 1e-6."""

    name = "adaptive"

    def plateau(self, optimizer):
        """Lower the learning rate; return False once it is too small to go on."""
        if optimizer.lr <= ADAPTIVE_MIN_LR:
            return False
        optimizer.lr /= ADAPTIVE_DIVISOR
        return True


class DropOnce(Constant):
    """Divide ``lr`` by 5 on the first plateau; stop on the second.

    Adam's steps at a constant rate keep the weights moving about the minimum;
    a last stretch at a fifth of the rate settles them. Against a constant rate
    at the defaults, it raised the accuracy on raw breast cancer from 0.925 to
    0.934, raw wine from 0.936 to 0.947 and 100 000 x 20 from 0.9880 to 0.9894
    (the mean of four draws each) for a fifth more training time over the
    panel of ``benchmarks/README.md``.
    """

    name = "drop_once"

    def __init__(self, lr, power_t=0.5):
        super().__init__(lr)
        self.dropped = False

    def plateau(self, optimizer):
        """Lower the learning rate the first time; return False after that."""
        if self.dropped:
            return False
        optimizer.lr /= ADAPTIVE_DIVISOR
        self.dropped = True
        return True


#: Schedules by their public option string.
SCHEDULES = {cls.name: cls for cls in (Constant, InvScaling, Adaptive, DropOnce)}
