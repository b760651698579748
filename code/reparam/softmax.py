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
    shifted = (logits - logits.max(axis=axis, keepdims=True)) / tau
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
    weights = np.exp((logits - logits.max(axis=axis, keepdims=True)) / tau)
    weights /= weights.sum(axis=axis, keepdims=True)
    return weights
