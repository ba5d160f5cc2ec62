"""Ctrl-C during training: the first one ends training gently, the second stops all.

Inside :func:`deferred_interrupt` the first SIGINT only sets a flag, which the
training loops read between epochs (between L-BFGS iterations), so training ends
with the weights of a completed epoch and the fit returns a usable model.

A second SIGINT raises :class:`KeyboardInterrupt` at once, whether it arrives in the
same fit or in any later one in this process: the next fits of a grid search or of
``cross_val_score`` would otherwise each swallow one Ctrl-C, and no number of
presses could stop the search. The process remembers the first Ctrl-C until a
second one has raised :class:`KeyboardInterrupt`; the Ctrl-C after that is a first
one again. :func:`reset` forgets it sooner.

Nothing changes outside the main thread, the only one Python runs signal handlers
in, nor where SIGINT is ignored (``signal.SIG_IGN``) or handled by code outside
Python, whose handler could not be put back. Otherwise the previous handler is
always restored on leaving.
"""

import contextlib
import signal
import threading

#: Whether a Ctrl-C has ended a fit gently and none has raised KeyboardInterrupt since.
_interrupted_before = False


def reset():
    """Forget an earlier Ctrl-C: the next one ends training gently again."""
    global _interrupted_before
    _interrupted_before = False


def _handler_to_replace():
    """Return the current SIGINT handler, or None where none may be installed."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGINT)
    # None means a handler set outside Python, which signal.signal cannot restore.
    if previous is None or previous is signal.SIG_IGN:
        return None
    return previous


@contextlib.contextmanager
def deferred_interrupt():
    """Turn the first Ctrl-C into a flag checked between epochs.

    Yields
    ------
    state : dict
        Its ``"interrupted"`` entry becomes True when the first SIGINT arrives. A
        later SIGINT raises :class:`KeyboardInterrupt` (see the module docstring).
    """
    state = {"interrupted": False}
    previous = _handler_to_replace()
    if previous is None:
        yield state
        return

    def handler(signum, frame):
        global _interrupted_before
        if _interrupted_before:
            _interrupted_before = False
            raise KeyboardInterrupt
        _interrupted_before = True
        state["interrupted"] = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)
