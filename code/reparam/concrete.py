r"""The density of the Concrete (Gumbel-softmax) distribution, on the simplex and in log space."""
import numpy as np
from scipy.special import gammaln, logsumexp

from ._checks import check_axis, check_logits, check_tau, float_dtype_of


def simplex_tolerance(k, dtype):
    r"""How far from 1 the coordinates of a point of the simplex may sum, :math:`\max(K\varepsilon, 10^{-6}\sqrt{K})`.

    :math:`K\varepsilon`, with :math:`\varepsilon` the machine epsilon of ``dtype``, bounds the
    rounding error of computing :math:`K` coordinates that sum to 1 and adding them up in that
    precision (in float32 at :math:`K = 1000` it is 1.2e-4; float32 samples of
    :func:`reparam.gumbel_softmax` were measured up to 3.6e-6 off). The floor
    :math:`10^{-6}\sqrt{K}` (1.4e-6 at :math:`K = 2`, 3.2e-5 at :math:`K = 1000`) accepts float64
    arrays that were computed in float32 (measured up to 3.0e-6 off at :math:`K = 1000`).

    Examples
    --------
    >>> import numpy as np
    >>> from reparam.concrete import simplex_tolerance
    >>> f"{simplex_tolerance(2, np.float64):.2e}", f"{simplex_tolerance(1000, np.float32):.2e}"
    ('1.41e-06', '1.19e-04')
    """
    return max(k * float(np.finfo(dtype).eps), 1e-6 * np.sqrt(k))


def concrete_log_prob(x, logits, tau, *, axis=-1, log_input=False):
    r"""Log-density of the Concrete distribution (Maddison, Mnih and Teh, 2017) at ``x``.

    For :math:`K` categories with weights :math:`\alpha_k = e^{\ell_k}` and temperature
    :math:`\tau`, the density of a sample :math:`x` of :func:`reparam.gumbel_softmax` on the open
    simplex, with respect to Lebesgue measure on the first :math:`K-1` coordinates, is

    .. math:: p(x) = (K-1)!\, \tau^{K-1} \prod_{k=1}^K
              \frac{\alpha_k x_k^{-\tau-1}}{\sum_{i=1}^K \alpha_i x_i^{-\tau}}.

    **Log space** (``log_input=True``). At small :math:`\tau` most coordinates of a sample
    underflow to 0 and the largest rounds to 1; its logarithm :math:`y = \log x`
    (``gumbel_softmax(..., log=True)``) keeps them. Then ``x`` holds :math:`y` and the result is
    the log-density that torch's ``ExpRelaxedCategorical.log_prob`` computes (the ExpConcrete
    distribution of Maddison et al.),

    .. math:: \log q(y) = \log (K-1)! + (K-1)\log\tau + \sum_{k=1}^K (\ell_k - \tau y_k)
              - K \log \sum_{i=1}^K e^{\ell_i - \tau y_i}.

    It is the density of the log-ratios :math:`w_k = y_k - y_K = \log(x_k/x_K)`,
    :math:`k < K`, with respect to Lebesgue measure on :math:`\mathbb{R}^{K-1}` (the map
    :math:`x_{1:K-1} \mapsto w` has Jacobian determinant :math:`1/\prod_{k=1}^K x_k`), so

    .. math:: \log p(x) = \log q(\log x) - \sum_{k=1}^{K} \log x_k ,

    the sum running over all :math:`K` coordinates. (The density of :math:`y_{1:K-1}` itself, on
    :math:`\{\sum_{k<K} e^{y_k} < 1\}`, is :math:`p(x)\prod_{k=1}^{K-1} x_k = q(y)/x_K`.)
    :math:`q` is unchanged by adding a constant to every :math:`y_k`: it depends on the ratios only.

    **Support and bad input.** A point must lie on the simplex: its coordinates must sum to 1
    within :func:`simplex_tolerance` of its own precision, :math:`\max(K\varepsilon,
    10^{-6}\sqrt{K})` (in log space, :math:`|\log\sum_k e^{y_k}|` within the same tolerance).
    Rounding of a correct computation stays within it: the largest coordinate may be exactly 1
    while the others are tiny but positive. A point further off, or with a NaN, is not a point of
    the simplex at all (like a vector of the wrong length), and raises a ``ValueError`` naming
    ``x``, as ``torch.distributions`` (validating, its default) and ``scipy.stats.dirichlet`` do:
    unnormalised weights passed as ``x`` fail loudly instead of turning into ``-inf`` downstream.
    A point of the simplex outside the *open* simplex (a coordinate :math:`\le 0`, that is
    :math:`y_k = -\infty`) gets ``-inf``, as in ``scipy.stats``. A category with a ``-inf`` logit
    is never sampled; the distribution then lives on the face where that coordinate is 0, the
    density there is the one of the remaining categories (:math:`K`, the sums and the products
    above run over them only), and a point with a positive coordinate for such a category gets
    ``-inf``. With one possible category the distribution is a point mass at that vertex, of
    log-probability 0.

    Parameters
    ----------
    x : array_like
        Points of the simplex (or, with ``log_input=True``, their logarithms), category axis
        ``axis``; broadcast against ``logits``. Leading extra axes are samples.
    logits : array_like
        Unnormalised log-probabilities.
    tau : float
        Temperature, a finite number > 0 (a Python or numpy number or a 0-d array).
    axis : int, default -1
        The category axis of both ``x`` and ``logits``.
    log_input : bool, default False
        ``x`` holds :math:`y = \log x`, and the result is :math:`\log q(y)` above.

    Returns
    -------
    numpy.ndarray, the broadcast shape of ``x`` and ``logits`` without ``axis``; float32 when
    both are float32, else float64 (computed in float64 either way).

    Examples
    --------
    >>> import numpy as np, reparam
    >>> float(np.exp(reparam.concrete_log_prob([0.5, 0.5], [0.0, 0.0], tau=1.0)))
    1.0

    At :math:`\tau = 0.001` a sample's small coordinates underflow; in log space they do not:

    >>> logits = np.log([0.2, 0.5, 0.3])
    >>> log_x = reparam.gumbel_softmax(logits, tau=0.001, log=True, rng=0)
    >>> float(reparam.concrete_log_prob(np.exp(log_x), logits, 0.001))
    -inf
    >>> float(reparam.concrete_log_prob(log_x, logits, 0.001, log_input=True).round(3))
    -17.289
    """
    logits, axis = check_logits(logits, axis)
    tau = check_tau(tau)
    name = "x (log-coordinates, log_input=True)" if log_input else "x"
    x = np.asarray(x)
    if x.ndim == 0 or np.iscomplexobj(x) or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ValueError(f"{name} must be a real array with a category axis, got {x!r}")
    # The precision x was given in sets the tolerance (float16 included); integers count as float64.
    own_dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
    out_dtype = np.result_type(float_dtype_of(x), logits.dtype)
    axis_from_end = axis - logits.ndim  # x may have more leading (sample) dimensions than logits
    check_axis(axis_from_end, x.ndim, name="axis")
    x = np.moveaxis(x.astype(np.float64, copy=False), axis_from_end, -1)
    logits = np.moveaxis(logits.astype(np.float64, copy=False), axis_from_end, -1)
    k = logits.shape[-1]
    if x.shape[-1] != k:
        raise ValueError(f"{name} has {x.shape[-1]} categories along axis {axis_from_end} but logits has {k}")
    if np.isnan(x).any():
        raise ValueError(f"{name} contains NaN")

    tolerance = simplex_tolerance(k, own_dtype)
    with np.errstate(divide="ignore", over="ignore"):
        total = logsumexp(x, axis=-1) if log_input else x.sum(axis=-1)
        miss = np.abs(total) if log_input else np.abs(total - 1)
    off = ~(miss <= tolerance)  # also catches inf and nan totals
    if off.any():
        worst = float(np.max(np.where(off, miss, 0)))
        what = "log-sum-exp must be 0" if log_input else "coordinates must sum to 1"
        raise ValueError(
            f"{name} must be {'the logarithm of ' if log_input else ''}a point of the simplex: along axis "
            f"{axis_from_end} its {what} within "
            f"{tolerance:.2g} (K = {k}, {own_dtype}), but {int(off.sum())} point(s) are off by up to {worst:.3g}")

    possible = np.isfinite(logits)
    n_possible = possible.sum(axis=-1)
    if log_input:
        log_x, inside = x, np.all(np.where(possible, x > -np.inf, x == -np.inf), axis=-1)
    else:
        inside = np.all(np.where(possible, x > 0, x == 0), axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_x = np.log(np.where(possible & (x > 0), x, 1.0))
    with np.errstate(invalid="ignore", over="ignore"):
        # The density only depends on logits up to a constant: subtracting the largest keeps huge
        # logits finite (two of them 1.8e308 apart give a true -inf for the smaller).
        logits = logits - logits.max(axis=-1, keepdims=True)
        terms = np.where(possible, logits - tau * np.where(possible, log_x, 0.0), -np.inf)
        log_q = (gammaln(n_possible) + (n_possible - 1) * np.log(tau)
                 + np.where(possible, terms, 0.0).sum(axis=-1) - n_possible * logsumexp(terms, axis=-1))
        if not log_input:  # change of variables to x: divide by prod_k x_k (1 for a point mass)
            log_q = log_q - np.where(n_possible > 1, np.where(possible, log_x, 0.0).sum(axis=-1), 0.0)
    log_q = np.where(n_possible > 1, log_q, 0.0)
    return np.where(inside, log_q, -np.inf).astype(out_dtype, copy=False)
