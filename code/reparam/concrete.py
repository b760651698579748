r"""The density of the Concrete (Gumbel-softmax) distribution."""
import numpy as np
from scipy.special import gammaln, logsumexp

from ._checks import check_axis, check_logits, check_tau


def concrete_log_prob(x, logits, tau, *, axis=-1):
    r"""Log-density of the Concrete distribution (Maddison, Mnih and Teh, 2017) at ``x``.

    For :math:`K` categories with weights :math:`\alpha_k = e^{\ell_k}` and temperature
    :math:`\tau`, the density on the open simplex, with respect to Lebesgue measure on the first
    :math:`K-1` coordinates, is

    .. math:: p(x) = (K-1)!\, \tau^{K-1} \prod_{k=1}^K
              \frac{\alpha_k x_k^{-\tau-1}}{\sum_{i=1}^K \alpha_i x_i^{-\tau}}.

    Points off the open simplex (a coordinate :math:`\le 0` or :math:`\ge 1`, or coordinates not
    summing to 1 within rounding) get ``-inf``, as in ``scipy.stats``. A category with a ``-inf``
    logit is never sampled; the distribution then lives on the face where that coordinate is 0,
    and the density there is the one of the remaining categories.

    Parameters
    ----------
    x : array_like
        Points of the simplex, category axis ``axis``; broadcast against ``logits``.
    logits : array_like
        Unnormalised log-probabilities.
    tau : float
        Temperature, a finite number > 0.
    axis : int, default -1
        The category axis of both ``x`` and ``logits``.

    Returns
    -------
    numpy.ndarray, the broadcast shape of ``x`` and ``logits`` without ``axis``.

    Examples
    --------
    >>> import numpy as np, reparam
    >>> float(np.exp(reparam.concrete_log_prob([0.5, 0.5], [0.0, 0.0], tau=1.0)))
    1.0
    """
    logits, axis = check_logits(logits, axis)
    tau = check_tau(tau)
    x = np.asarray(x)
    if x.ndim == 0 or np.iscomplexobj(x) or not np.issubdtype(x.dtype, np.number):
        raise ValueError("x must be a real array with a category axis")
    axis_from_end = axis - logits.ndim  # x may have more leading (sample) dimensions than logits
    check_axis(axis_from_end, x.ndim, name="axis")
    x = np.moveaxis(x.astype(np.result_type(x, logits.dtype, np.float32), copy=False), axis_from_end, -1)
    logits = np.moveaxis(logits, axis_from_end, -1)
    if x.shape[-1] != logits.shape[-1]:
        raise ValueError(f"x has {x.shape[-1]} categories along axis {axis_from_end} but logits has {logits.shape[-1]}")
    if np.isnan(x).any():
        raise ValueError("x contains NaN")

    possible = np.isfinite(logits)
    n_possible = possible.sum(axis=-1)
    tolerance = 8 * logits.shape[-1] * np.finfo(x.dtype).eps
    on_simplex = (np.abs(x.sum(axis=-1) - 1) <= tolerance) & np.all(
        np.where(possible, (x > 0) & (x < 1) | ((x == 1) & (n_possible[..., None] == 1)), x == 0), axis=-1)

    with np.errstate(divide="ignore", invalid="ignore"):
        log_x = np.where(possible, np.log(np.where(possible & (x > 0), x, 1)), 0.0)
        weights = np.where(possible, logits, -np.inf)
        log_density = (gammaln(n_possible) + (n_possible - 1) * np.log(tau)
                       + np.where(possible, weights - (tau + 1) * log_x, 0.0).sum(axis=-1)
                       - n_possible * logsumexp(weights - tau * log_x, axis=-1))
    return np.where(on_simplex, log_density, -np.inf).astype(x.dtype, copy=False)
