"""Numerically stable softmax and log-softmax with a temperature."""
import numpy as np

from ._checks import check_logits, check_tau


def log_softmax(logits, *, tau=1.0, axis=-1):
    r"""Log of the tempered softmax, :math:`\log \mathrm{softmax}(\ell / \tau)_k`.

    .. math:: \log p_k = \frac{\ell_k}{\tau} - \log \sum_j \exp\frac{\ell_j}{\tau}

    computed after subtracting the maximum, so huge logits or tiny temperatures never overflow.

    Parameters
    ----------
    logits : array_like
        Unnormalised log-probabilities; ``-inf`` marks a category of probability zero.
    tau : float, default 1.0
        Temperature, a finite number > 0.
    axis : int, default -1
        The category axis.

    Examples
    --------
    >>> import numpy as np, reparam
    >>> np.round(np.exp(reparam.log_softmax([0.0, np.log(3.0)])), 3)
    array([0.25, 0.75])
    """
    logits, axis = check_logits(logits, axis)
    tau = check_tau(tau)
    shifted = _tempered_shift(logits, tau, axis)
    with np.errstate(divide="ignore"):  # log(0) of an underflowed term is -inf, as it should be
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits, *, tau=1.0, axis=-1):
    r"""Tempered softmax, :math:`p_k = \exp(\ell_k/\tau) / \sum_j \exp(\ell_j/\tau)`.

    The maximum is subtracted before exponentiating, so the result is the same for logits shifted
    by any constant and never overflows. A ``-inf`` logit gets weight exactly 0.

    Examples
    --------
    >>> import numpy as np, reparam
    >>> reparam.softmax([0.0, np.log(3.0)]).round(3)
    array([0.25, 0.75])
    >>> reparam.softmax([1e4, 1e4 + np.log(3.0), -np.inf]).round(3)
    array([0.25, 0.75, 0.  ])
    """
    logits, axis = check_logits(logits, axis)
    tau = check_tau(tau)
    return _softmax_unchecked(logits, tau, axis)


def _softmax_unchecked(logits, tau, axis):
    weights = np.exp(_tempered_shift(logits, tau, axis))
    weights /= weights.sum(axis=axis, keepdims=True)
    return weights


def _subtract_max(logits, axis, order="K"):
    """``logits - max(logits)`` along ``axis``, and the maximum (``keepdims``).

    Two finite logits more than ``finfo.max`` (1.8e308 in float64) apart have a difference that
    overflows to ``-inf``. For every use at temperature 1 or below that is the right answer (the
    category's weight ``exp(difference)`` underflows to 0 anyway), so numpy's overflow warning is
    silenced; :func:`_overflow_repair` serves the rare caller that divides by a larger ``tau``.
    ``order`` is the memory layout of the result, as for any ufunc.
    """
    top = logits.max(axis=axis, keepdims=True)
    with np.errstate(over="ignore"):
        return np.subtract(logits, top, order=order), top


def _overflow_repair(logits, shifted, top, tau):
    """Where ``logits - top`` overflowed but ``(logits - top) / tau`` may not: None if nowhere, else
    the mask of those entries and the quotient there.

    Only a temperature above 1 can bring an overflowed difference back into range; it is then
    computed as ``logits / tau - top / tau`` (an overflow there is again a true ``-inf``).
    """
    if tau <= 1:
        return None
    overflowed = np.isneginf(shifted) & np.isfinite(logits)
    if not overflowed.any():
        return None
    with np.errstate(over="ignore"):
        return overflowed, logits / tau - top / tau


def _tempered_shift(logits, tau, axis):
    """``(logits - max) / tau`` along ``axis``, without spurious overflow warnings."""
    shifted, top = _subtract_max(logits, axis)
    repaired = _overflow_repair(logits, shifted, top, tau)
    shifted = shifted / tau
    return shifted if repaired is None else np.where(repaired[0], repaired[1], shifted)
