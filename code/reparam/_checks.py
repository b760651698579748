"""Argument checks shared by the samplers.

Every public function validates its input here, so a bad argument fails loudly with a
message that names it, instead of turning into NaN somewhere downstream.
"""
import numbers

import numpy as np


def float_dtype_of(array):
    """The floating dtype results take: float32 stays float32, everything else is float64."""
    dtype = np.asarray(array).dtype
    if np.issubdtype(dtype, np.floating) and dtype.itemsize <= 4:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def check_float_dtype(dtype, name="dtype"):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64, got {dtype}")
    return dtype


def check_size(size):
    """Normalise a leading sample shape: None -> (), n -> (n,), tuple stays a tuple."""
    if size is None:
        return ()
    shape = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    for n in shape:
        if not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"size must be a non-negative integer or a tuple of them, got {size!r}")
    return tuple(int(n) for n in shape)


def check_count(n, name, minimum=1):
    """A whole number of at least ``minimum`` (a count of samples, frames, grid points)."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def check_real(value, name, *, positive=False):
    """A finite real scalar (Python or numpy number, or a 0-d array), optionally > 0."""
    array = np.asarray(value)
    if array.ndim != 0 or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{name} must be a finite real number (a scalar), got {value!r}")
    number = float(array)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    if positive and not number > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def check_tau(tau):
    """A temperature is a finite real number strictly above zero, returned as a Python float.

    Accepted: Python and numpy integers and floats, and 0-d integer or float arrays. Rejected with a
    ValueError naming ``tau``: booleans, strings, None, arrays with one or more dimensions, NaN,
    infinities, zero and negative numbers.
    """
    if isinstance(tau, np.ndarray) and tau.ndim == 0 and tau.dtype != bool:
        tau = tau[()]  # a 0-d array becomes the numpy scalar it holds
    if isinstance(tau, (bool, np.bool_)) or not isinstance(tau, numbers.Real):
        raise ValueError(f"tau must be a finite number > 0 (a scalar: a Python or numpy number or a 0-d array), "
                         f"got {tau!r}")
    value = float(tau)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"tau must be a finite number > 0, got {tau!r}")
    return value


def check_axis(axis, ndim, name="axis"):
    if not isinstance(axis, numbers.Integral) or not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis!r} is out of range for an array with {ndim} dimension(s)")
    return int(axis) % ndim


def check_logits(logits, axis=-1):
    """Validate logits and return them as a float array with the normalised category axis.

    Logits are unnormalised log-probabilities: any real number or -inf (probability zero).
    NaN and +inf have no meaning as a log-probability, and a distribution needs at least one
    category with a finite logit.
    """
    logits = np.asarray(logits)
    if not (np.issubdtype(logits.dtype, np.number) or logits.dtype == bool) or np.iscomplexobj(logits):
        raise ValueError(f"logits must be real numbers, got dtype {logits.dtype}")
    logits = logits.astype(float_dtype_of(logits), copy=False)
    if logits.ndim == 0:
        raise ValueError("logits must have at least one dimension (the category axis)")
    axis = check_axis(axis, logits.ndim)
    if logits.shape[axis] == 0:
        raise ValueError(f"logits has an empty category axis (axis={axis}, shape {logits.shape})")
    # One pass: the maximum over categories is NaN if any logit of the distribution is NaN, +inf if
    # one is +inf (and none NaN), and -inf if all are -inf.
    top = logits.max(axis=axis)
    if np.isnan(top).any():
        raise ValueError("logits contains NaN")
    if np.isposinf(top).any():
        raise ValueError("logits contains +inf; use large finite values, or -inf for probability zero")
    if np.isneginf(top).any():
        raise ValueError("logits: every category of some distribution is -inf, so no category has positive probability")
    return logits, axis


def check_logits_1d(logits):
    """Logits of one distribution: a 1-D float64 array of K categories."""
    logits, _ = check_logits(logits)
    if logits.ndim != 1:
        raise ValueError(f"logits must be 1-D (one entry per category), got shape {logits.shape}")
    return logits.astype(np.float64, copy=False)
