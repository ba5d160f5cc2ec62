"""Where an estimator's arrays live under scikit-learn's ``array_api_dispatch``.

With ``sklearn.set_config(array_api_dispatch=True)``, everything follows ``X``, as in
scikit-learn: a fit trains in the namespace of ``X`` and on its device, the targets
and weights are moved there, and the fitted arrays stay there. A :class:`Home` is
such a namespace and device. The targets are encoded on the host with NumPy, as
scikit-learn's ``LabelEncoder`` does, and moved to ``X``'s home once; ``X`` itself
never leaves it. Without dispatch every home is NumPy's and nothing here costs more
than a look at the configuration.
"""

import importlib
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn import get_config
from sklearn.utils._array_api import _convert_to_numpy, _max_precision_float_dtype
from sklearn.utils.fixes import parse_version

try:  # scikit-learn vendors array-api-compat from 1.7 on ...
    from sklearn.externals import array_api_compat
except ImportError:  # ... and uses the package, where installed, before
    try:
        import array_api_compat
    except ImportError:  # no other namespace can be dispatched to
        array_api_compat = None

from ._core.namespaces import from_numpy, namespace

#: The oldest scikit-learn whose array API dispatch skann follows: earlier ones
#: lack helpers of their own that fits on other namespaces need.
DISPATCH_SINCE = "1.8"
#: Whether fits under ``array_api_dispatch`` train in X's namespace here.
DISPATCHES = array_api_compat is not None and parse_version(
    sklearn.__version__
) >= parse_version(DISPATCH_SINCE)

#: How a model fitted outside NumPy can be moved, in the words of scikit-learn's
#: own error.
_MOVE_HINT = (
    "You can move the estimator to the same namespace and device as X with: "
    "'from sklearn.utils._array_api import get_namespace_and_device, "
    "move_estimator_to; xp, _, device = get_namespace_and_device(X); "
    "estimator = move_estimator_to(estimator, xp, device)'"
)


@dataclass(frozen=True)
class Home:
    """A namespace and a device: where arrays live.

    ``xp`` is NumPy's own module for every NumPy namespace (and ``device`` None),
    as the engine takes it; otherwise the namespace scikit-learn gives for the
    arrays (array-api-compat's wrapper of PyTorch, say).
    """

    xp: object = np
    device: object = None

    @classmethod
    def of(cls, a):
        """Where ``a`` lives, whatever the configuration; NumPy for non-arrays."""
        if isinstance(a, np.ndarray) or sp.issparse(a) or array_api_compat is None:
            return NUMPY
        try:
            xp = namespace(array_api_compat.array_namespace(a))
        except TypeError:  # a list, a scalar, a DataFrame: NumPy's
            return NUMPY
        return NUMPY if xp is np else cls(xp, array_api_compat.device(a))

    @classmethod
    def of_input(cls, X):
        """Where a fit on ``X`` trains: ``X``'s home under dispatch, else NumPy's."""
        if not get_config()["array_api_dispatch"]:
            return NUMPY
        home = cls.of(X)
        if home.xp is not np and not DISPATCHES:
            raise ValueError(
                f"Training on {home.words()} under array_api_dispatch needs "
                f"scikit-learn {DISPATCH_SINCE} or later; this is scikit-learn "
                f"{sklearn.__version__}. Upgrade scikit-learn, or pass NumPy arrays."
            )
        return home

    @property
    def widest_float(self):
        """The widest floating dtype the device holds: float64, or float32."""
        if self.xp is np:
            return np.float64
        return _max_precision_float_dtype(self.xp, self.device)

    def float_dtypes(self):
        """The floating dtypes an input may keep, widest first."""
        return [self.xp.float64, self.xp.float32]

    def put(self, a, dtype=None):
        """``a`` (an array of any home, or None) here, in this namespace's ``dtype``.

        Arrays already here are not copied, unless the dtype changes.
        """
        if a is None:
            return None
        if self.xp is np:
            a = host(a)
            return a if dtype is None else a.astype(dtype, copy=False)
        if Home.of(a) == self:
            return a if dtype is None else self.xp.astype(a, dtype, copy=False)
        a = np.asarray(host(a))
        if dtype is None and a.dtype == np.float64:
            # As scikit-learn moves arrays: float32 where the device has no float64.
            dtype = self.widest_float
        return from_numpy(a, self.xp, dtype, self.device)

    def numpy_dtype(self, dtype):
        """The NumPy dtype of this namespace's floating ``dtype``."""
        if self.xp is np:
            return np.dtype(dtype)
        for name in ("float64", "float32"):
            if dtype == getattr(self.xp, name):
                return np.dtype(name)
        raise TypeError(f"{dtype} is not a floating dtype of {self.xp.__name__}")

    def words(self, noun="arrays"):
        """``noun`` and where it lives: 'torch arrays on cuda:0', say."""
        if self.xp is np:
            return f"NumPy {noun}"
        return f"{self.xp.__name__.rsplit('.', 1)[-1]} {noun} on {self.device}"


NUMPY = Home()


def detached(a):
    """``a`` without the autograd graph of a tensor that requires grad.

    skann computes its own gradients: a PyTorch input that requires grad would
    have every operation of a fit recorded for nothing (its memory growing with
    each epoch) and make fitted arrays that neither pickle nor convert to NumPy.
    Everything else is returned as it is.
    """
    if getattr(a, "requires_grad", False) is True:
        return a.detach()
    return a


def host(a):
    """``a`` as a NumPy array on the host; NumPy arrays, sparse ones, None and
    array-likes as they are."""
    if a is None or isinstance(a, np.ndarray) or sp.issparse(a):
        return a
    a = detached(a)
    home = Home.of(a)
    if home.xp is np:
        return a
    return _convert_to_numpy(a, home.xp)


def converted(value, convert):
    """``value`` with ``convert`` applied to each numeric array inside it.

    Dicts, lists and tuples are converted entry by entry; arrays of strings or
    objects (labels, feature names) and everything else stay as they are.
    """
    if isinstance(value, dict):
        return {key: converted(entry, convert) for key, entry in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(converted(entry, convert) for entry in value)
    if isinstance(value, np.ndarray):
        return convert(value) if value.dtype.kind in "biuf" else value
    if Home.of(value).xp is not np:
        return convert(value)
    return value


def check_same_home(X, home, owner, method, dispatch):
    """Refuse ``X`` from another namespace or device than the fitted ``home``.

    As scikit-learn's ``check_same_namespace``, with the same ``ValueError``;
    ``owner`` is the estimator's class name, ``method`` the one called and
    ``dispatch`` whether ``array_api_dispatch`` is on. A model fitted outside
    NumPy also refuses every input once dispatch is off.
    """
    if home.xp is np and (not dispatch or type(X) is np.ndarray):
        return
    X_home = Home.of(X)
    if dispatch and X_home == home:
        return
    fitted = home.xp.__name__
    if not dispatch:
        problem = (
            f"The model was fitted on {home.words()} with array_api_dispatch=True, "
            "which is off now: set it again with sklearn.set_config(), or move "
            "the estimator to NumPy."
        )
    elif X_home.xp is np and not isinstance(X, np.ndarray):
        kind = "sparse array" if sp.issparse(X) else "array-like"
        problem = (
            f"Array namespace used during fit ({fitted}) is not compatible with "
            f"the {kind} input passed to {method}. Only the NumPy namespace is "
            f"compatible with {kind} inputs."
        )
    elif X_home.xp is not home.xp:
        problem = (
            f"Array namespaces used during fit ({fitted}) and {method} "
            f"({X_home.xp.__name__}) differ."
        )
    else:
        problem = (
            f"Devices used during fit ({home.device}) and {method} "
            f"({X_home.device}) differ."
        )
    raise ValueError(
        f"Inputs passed to {owner}.{method}() must use the same namespace and the "
        f"same device as those passed to fit(). {problem} {_MOVE_HINT}"
    )


def home_words(home):
    """``home`` as two strings that pickle anywhere: its namespace, its device."""
    return home.xp.__name__, str(home.device)


def home_from_words(words):
    """The :class:`Home` that :func:`home_words` described.

    Raises
    ------
    LookupError
        If its library is not installed here, or lacks that device.
    """
    name, device_name = words
    try:
        xp = importlib.import_module(name)
    except ImportError as err:
        raise LookupError(f"{name} is not installed") from err
    with warnings.catch_warnings():
        # PyTorch warns of device types it no longer uses while listing them.
        warnings.simplefilter("ignore")
        devices = xp.__array_namespace_info__().devices()
    for device in devices:
        if str(device) == device_name:
            return Home(namespace(xp), device)
    raise LookupError(f"{name} has no device {device_name} here")
