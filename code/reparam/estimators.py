r"""Monte Carlo gradient estimators: score function (REINFORCE), pathwise, Gumbel-softmax, exact,
and the estimators of chapter 6's lab (RLOO, unordered set, DisARM, REBAR, RELAX, measure-valued).

Every estimator returns **per-sample** estimates, one row per draw, so that a reader can take the
mean (the estimate), the variance (its spread) or a running mean of the same draws. The targets are

* Gaussian: :math:`\nabla_{(\mu, \sigma)}\, \mathbb{E}_{x \sim N(\mu, \sigma^2)}[f(x)]`, rows
  ``(d/dmu, d/dsigma)``, with :math:`\sigma` the standard deviation;
* categorical: :math:`\nabla_{\ell}\, \mathbb{E}_{z \sim \mathrm{Cat}(\mathrm{softmax}(\ell))}
  [f(\mathrm{onehot}(z))]` with respect to the logits :math:`\ell`, rows of length :math:`K`;
* Bernoulli vectors: :math:`\nabla_a\, \mathbb{E}[f(b)]` for :math:`d` independent
  :math:`b_i \sim \mathrm{Bernoulli}(\sigma(a_i))`, with respect to the logits
  :math:`a_i = \log(\theta_i / (1 - \theta_i))`, rows of length :math:`d`; ``f`` gets an
  ``(n, d)`` array of 0s and 1s (REBAR's ``f`` also gets relaxed values in :math:`[0, 1]`).

Some estimators spend several evaluations of ``f`` on one estimate (RLOO, the unordered set
estimator, DisARM, REBAR, the measure-valued estimator); chapter 6 compares them at equal cost, and
``EVALUATIONS_PER_ESTIMATE`` records the count of each.

Conventions shared by all functions:

* ``rng`` is None, an int seed or a ``numpy.random.Generator``, normalised once with
  ``numpy.random.default_rng``. Gaussian estimators draw :math:`\varepsilon` through
  :func:`reparam.normal_rsample`, so :func:`score_function_normal` and :func:`pathwise_normal`
  called with the same seed use the same samples (common random numbers).
* ``size`` is the number of samples (of estimates, for the estimators that draw several samples
  per estimate), a positive int, and must be given.
* ``f`` and ``df`` are vectorised: they get all samples at once and must return one value per
  sample with exactly the documented shape (no silent broadcasting) and only finite values;
  otherwise a ``ValueError`` names ``f`` or ``df``.
* ``logits`` is a 1-D array of :math:`K` unnormalised log-probabilities; ``-inf`` marks a
  category of probability zero, whose gradient component is exactly 0. A Bernoulli logit
  :math:`a_i` is the log-odds, the unnormalised log-probability of :math:`b_i = 1` when that of
  :math:`b_i = 0` is 0; it must be finite.
* Results are float64 arrays.
"""
import numpy as np

from ._checks import check_count, check_logits_1d, check_real, check_tau
from .gumbel import gumbel_max, gumbel_softmax, gumbel_topk
from .normal import normal_rsample
from .softmax import softmax

__all__ = [
    "EVALUATIONS_PER_ESTIMATE",
    "disarm_bernoulli",
    "exact_bernoulli",
    "exact_categorical",
    "gumbel_softmax_categorical",
    "measure_valued_normal",
    "normal_estimator_variances",
    "pathwise_normal",
    "rebar_bernoulli",
    "relax_bernoulli",
    "rloo_categorical",
    "score_function_bernoulli",
    "score_function_categorical",
    "score_function_normal",
    "unordered_set_categorical",
    "unordered_set_distribution",
]


# --------------------------------------------------------------------------- argument checks

def _check_normal_params(mu, sigma):
    return check_real(mu, "mu"), check_real(sigma, "sigma", positive=True)


def _check_callable(fn, name):
    if not callable(fn):
        raise ValueError(f"{name} must be a callable, got {fn!r}")


def _evaluate(fn, name, argument, shape):
    """``fn(argument)`` as a float64 array, checked to have exactly ``shape`` and finite values."""
    value = np.asarray(fn(argument))
    if not (np.issubdtype(value.dtype, np.number) or value.dtype == bool) or np.iscomplexobj(value):
        raise ValueError(f"{name} must return real numbers, got dtype {value.dtype}")
    if value.shape != shape:
        raise ValueError(f"{name} must return an array of shape {shape} for an input of shape "
                         f"{np.shape(argument)}, got shape {value.shape}")
    value = value.astype(np.float64)  # a copy: the caller's array is never modified here
    bad = ~np.isfinite(value)
    if bad.any():
        raise ValueError(f"{name} returned {int(bad.sum())} non-finite value(s) (nan or inf) "
                         f"out of {value.size}")
    return value


def _one_hot(indices, n_categories):
    """Rows of the identity matrix, ``(n,) int -> (n, K) float64``."""
    return (indices[:, None] == np.arange(n_categories)).astype(np.float64)


# --------------------------------------------------------------------------- Gaussian

def score_function_normal(f, mu, sigma, *, size, baseline=0.0, rng=None):
    r"""Score-function (REINFORCE) estimates of the gradient of :math:`\mathbb{E}_{N(\mu,\sigma^2)}[f(x)]`.

    Each sample :math:`x = \mu + \sigma\varepsilon`, :math:`\varepsilon \sim N(0, 1)`, gives

    .. math:: \bigl(f(x) - b\bigr)\, \nabla_{(\mu,\sigma)} \log N(x; \mu, \sigma^2),
              \qquad
              \frac{\partial \log p}{\partial \mu} = \frac{x - \mu}{\sigma^2}
              = \frac{\varepsilon}{\sigma},
              \qquad
              \frac{\partial \log p}{\partial \sigma} = \frac{(x-\mu)^2 - \sigma^2}{\sigma^3}
              = \frac{\varepsilon^2 - 1}{\sigma}.

    The estimate is unbiased for any constant baseline :math:`b`, because the score has mean
    zero; a baseline close to :math:`\mathbb{E}[f(x)]` usually lowers the variance. ``f`` needs
    no derivative and may be discontinuous.

    Parameters
    ----------
    f : callable
        Vectorised function, ``(n,) -> (n,)``, finite values.
    mu, sigma : float
        Mean and standard deviation (finite scalars, ``sigma > 0``).
    size : int
        Number of samples ``n``, positive; required.
    baseline : float, default 0.0
        A constant :math:`b` subtracted from :math:`f(x)`.
    rng : None, int or numpy.random.Generator
        Source of :math:`\varepsilon`, drawn by :func:`reparam.normal_rsample`: the same seed
        gives the same samples as :func:`pathwise_normal`.

    Returns
    -------
    numpy.ndarray, shape ``(size, 2)``
        Column 0 estimates :math:`\partial/\partial\mu`, column 1 :math:`\partial/\partial\sigma`.

    Examples
    --------
    For :math:`f(x) = x^2`, :math:`\mathbb{E}[f] = \mu^2 + \sigma^2`, so the gradient is
    :math:`(2\mu, 2\sigma) = (2, 4)` at :math:`\mu = 1, \sigma = 2`:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> g = estimators.score_function_normal(np.square, 1.0, 2.0, size=200_000, rng=0)
    >>> g.shape
    (200000, 2)
    >>> standard_error = g.std(axis=0) / np.sqrt(len(g))  # about (0.02, 0.04)
    >>> bool(np.all(np.abs(g.mean(axis=0) - [2.0, 4.0]) < 6 * standard_error))
    True
    """
    _check_callable(f, "f")
    mu, sigma = _check_normal_params(mu, sigma)
    n = check_count(size, "size")
    baseline = check_real(baseline, "baseline")
    rng = np.random.default_rng(rng)
    x, eps = normal_rsample(mu, sigma, size=n, rng=rng)
    weight = _evaluate(f, "f", x, (n,))
    weight -= baseline
    weight /= sigma
    out = np.empty((n, 2))
    np.multiply(weight, eps, out=out[:, 0])
    np.multiply(eps, eps, out=out[:, 1])
    out[:, 1] -= 1.0
    out[:, 1] *= weight
    return out


def pathwise_normal(df, mu, sigma, *, size, rng=None):
    r"""Pathwise (reparametrization) estimates of the gradient of :math:`\mathbb{E}_{N(\mu,\sigma^2)}[f(x)]`.

    With :math:`x = \mu + \sigma\varepsilon`, :math:`\varepsilon \sim N(0, 1)`, the chain rule
    through the sample gives, per sample,

    .. math:: \Bigl(f'(x)\,\frac{\partial x}{\partial \mu},\;
              f'(x)\,\frac{\partial x}{\partial \sigma}\Bigr)
              = \bigl(f'(x),\; f'(x)\,\varepsilon\bigr).

    Unbiased when :math:`f` is differentiable (almost everywhere, with no jumps) and the
    expectations exist.

    Parameters
    ----------
    df : callable
        The derivative :math:`f'`, vectorised, ``(n,) -> (n,)``, finite values.
    mu, sigma : float
        Mean and standard deviation (finite scalars, ``sigma > 0``).
    size : int
        Number of samples ``n``, positive; required.
    rng : None, int or numpy.random.Generator
        Source of :math:`\varepsilon`, drawn by :func:`reparam.normal_rsample`.

    Returns
    -------
    numpy.ndarray, shape ``(size, 2)``
        Column 0 estimates :math:`\partial/\partial\mu`, column 1 :math:`\partial/\partial\sigma`.

    Examples
    --------
    For :math:`f(x) = x^2`, :math:`f'(x) = 2x` and the gradient is :math:`(2\mu, 2\sigma) = (2, 4)`:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> g = estimators.pathwise_normal(lambda x: 2 * x, 1.0, 2.0, size=200_000, rng=0)
    >>> standard_error = g.std(axis=0) / np.sqrt(len(g))  # about (0.009, 0.013): smaller
    >>> bool(np.all(np.abs(g.mean(axis=0) - [2.0, 4.0]) < 6 * standard_error))
    True
    """
    _check_callable(df, "df")
    mu, sigma = _check_normal_params(mu, sigma)
    n = check_count(size, "size")
    rng = np.random.default_rng(rng)
    x, eps = normal_rsample(mu, sigma, size=n, rng=rng)
    slope = _evaluate(df, "df", x, (n,))
    out = np.empty((n, 2))
    out[:, 0] = slope
    np.multiply(slope, eps, out=out[:, 1])
    return out


# --------------------------------------------------------------------------- categorical

def score_function_categorical(f, logits, *, size, baseline=0.0, rng=None):
    r"""Score-function estimates of the gradient of :math:`\mathbb{E}_{z\sim\mathrm{Cat}(p)}[f(e_z)]`, :math:`p = \mathrm{softmax}(\ell)`.

    Each sample :math:`z` (drawn by :func:`reparam.gumbel_max`), with one-hot :math:`e_z`, gives

    .. math:: \bigl(f(e_z) - b\bigr)\, \nabla_\ell \log \mathrm{softmax}(\ell)_z
              = \bigl(f(e_z) - b\bigr)\,\bigl(e_z - \mathrm{softmax}(\ell)\bigr),

    unbiased for any constant baseline :math:`b`. A category with a ``-inf`` logit has
    :math:`p_k = 0`, is never drawn, and its component is exactly 0.

    Parameters
    ----------
    f : callable
        Vectorised over one-hot rows: gets an ``(n, K)`` float array and returns ``(n,)``
        finite values.
    logits : array_like, shape ``(K,)``
        Unnormalised log-probabilities (1-D); ``-inf`` for probability zero.
    size : int
        Number of samples ``n``, positive; required.
    baseline : float, default 0.0
        A constant :math:`b` subtracted from :math:`f(e_z)`.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape ``(size, K)``

    See Also
    --------
    exact_categorical : the exact gradient, the mean these estimates converge to.

    Examples
    --------
    With uniform logits and :math:`f(e_k) = k`, the exact gradient is :math:`(-1/3, 0, 1/3)`:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda onehot: onehot @ np.array([0.0, 1.0, 2.0])
    >>> g = estimators.score_function_categorical(f, np.zeros(3), size=200_000, rng=0)
    >>> g.shape
    (200000, 3)
    >>> exact = estimators.exact_categorical(f, np.zeros(3))
    >>> exact.round(4)
    array([-0.3333,  0.    ,  0.3333])
    >>> standard_error = g.std(axis=0) / np.sqrt(len(g))  # about 0.001
    >>> bool(np.all(np.abs(g.mean(axis=0) - exact) < 6 * standard_error))
    True
    """
    _check_callable(f, "f")
    logits = check_logits_1d(logits)
    n = check_count(size, "size")
    baseline = check_real(baseline, "baseline")
    rng = np.random.default_rng(rng)
    k = logits.shape[0]
    onehot = _one_hot(gumbel_max(logits, size=n, rng=rng), k)
    score = onehot - softmax(logits)  # computed before f sees onehot, so f may even modify it
    weight = _evaluate(f, "f", onehot, (n,))
    weight -= baseline
    score *= weight[:, None]
    return score


def gumbel_softmax_categorical(f, df, logits, tau, *, size, straight_through=False, rng=None):
    r"""Gumbel-softmax (Concrete) pathwise gradient estimates with respect to the logits.

    A relaxed sample :math:`y = \mathrm{softmax}((\ell + G)/\tau)`, :math:`G_k` i.i.d.
    Gumbel(0, 1), drawn by :func:`reparam.gumbel_softmax`, has the Jacobian
    :math:`\partial y / \partial \ell = (\mathrm{diag}(y) - y y^\top)/\tau` (symmetric), so the
    chain rule gives, per sample, with :math:`g = \nabla f` evaluated at the forward value,

    .. math:: \Bigl(\frac{\partial y}{\partial \ell}\Bigr)^{\!\top} g
              = \frac{y \odot \bigl(g - \langle y, g\rangle\bigr)}{\tau}.

    * ``straight_through=False``: :math:`g = \nabla f(y)`. The mean is the exact gradient of the
      *relaxed* objective :math:`\mathbb{E}_G[f(y)]`, which is a biased estimate of the gradient
      of :math:`\mathbb{E}_z[f(e_z)]`; the bias vanishes as :math:`\tau \to 0` while the
      variance grows.
    * ``straight_through=True``: the forward value is the hard one-hot :math:`h` of
      :math:`\arg\max_k y_k` (the sample :func:`reparam.gumbel_max` would draw with the same
      noise, so exactly :math:`\mathrm{Cat}(\mathrm{softmax}(\ell))`), :math:`g = \nabla f(h)`,
      and the gradient still flows through the soft :math:`y` (Bengio et al., 2013;
      Jang et al., 2017). Biased at every :math:`\tau`.

    A category with a ``-inf`` logit has :math:`y_k = 0` exactly, so its component is exactly 0.

    Parameters
    ----------
    f : callable or None
        The objective, ``(n, K) -> (n,)``. It is **not evaluated**: the pathwise estimate needs
        only ``df``. It is accepted so that all categorical estimators share the calling
        convention ``(f, ..., logits, ...)``; it must be a callable or None.
    df : callable
        The gradient of ``f`` with respect to its one-hot/relaxed argument, vectorised:
        ``(n, K) -> (n, K)``, finite values.
    logits : array_like, shape ``(K,)``
        Unnormalised log-probabilities (1-D); ``-inf`` for probability zero.
    tau : float
        Temperature, a finite number > 0.
    size : int
        Number of samples ``n``, positive; required.
    straight_through : bool, default False
        Evaluate ``df`` at the hard one-hot instead of the relaxed sample.
    rng : None, int or numpy.random.Generator
        Consumed exactly once, by :func:`reparam.gumbel_softmax`; with
        ``straight_through=True`` the one-hot equals
        ``reparam.gumbel_softmax(logits, tau, size=size, hard=True, rng=<same seed>)``.

    Returns
    -------
    numpy.ndarray, shape ``(size, K)``

    Examples
    --------
    For a linear :math:`f(y) = \langle c, y\rangle`, :math:`\nabla f = c`; a ``-inf`` logit gets
    gradient exactly 0:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> c = np.array([0.0, 1.0, 2.0])
    >>> df = lambda y: np.broadcast_to(c, y.shape)
    >>> g = estimators.gumbel_softmax_categorical(None, df, [0.0, 0.0, -np.inf], 0.5,
    ...                                           size=4, rng=0)
    >>> g.shape
    (4, 3)
    >>> bool((g[:, 2] == 0).all() and np.allclose(g.sum(axis=1), 0))
    True
    """
    if f is not None:
        _check_callable(f, "f")
    _check_callable(df, "df")
    logits = check_logits_1d(logits)
    tau = check_tau(tau)
    n = check_count(size, "size")
    if not isinstance(straight_through, (bool, np.bool_)):
        raise ValueError(f"straight_through must be True or False, got {straight_through!r}")
    rng = np.random.default_rng(rng)
    k = logits.shape[0]
    soft = np.ascontiguousarray(gumbel_softmax(logits, tau, size=n, rng=rng))
    # The one-hot of the first maximum: what gumbel_softmax(..., hard=True) returns for this noise.
    forward = _one_hot(soft.argmax(axis=1), k) if straight_through else soft.copy()
    grad_f = _evaluate(df, "df", forward, (n, k))
    grad_f -= np.einsum("nk,nk->n", soft, grad_f)[:, None]
    grad_f *= soft
    grad_f /= tau
    return grad_f


def exact_categorical(f, logits):
    r"""The exact gradient of :math:`\mathbb{E}_{z\sim\mathrm{Cat}(p)}[f(e_z)] = \sum_k p_k f(e_k)`, :math:`p = \mathrm{softmax}(\ell)`, by enumeration.

    With :math:`\partial p_k / \partial \ell_j = p_k(\delta_{jk} - p_j)`,

    .. math:: \nabla_\ell \sum_k p_k f(e_k) = p \odot \Bigl(F - \sum_k p_k F_k\Bigr),
              \qquad F_k = f(e_k),

    where ``f`` is evaluated once on the rows of the :math:`K \times K` identity matrix. A
    category with a ``-inf`` logit has :math:`p_k = 0` and component exactly 0 (``f`` must still
    return a finite value there).

    Parameters
    ----------
    f : callable
        Vectorised over one-hot rows, ``(K, K) -> (K,)``, finite values.
    logits : array_like, shape ``(K,)``
        Unnormalised log-probabilities (1-D); ``-inf`` for probability zero.

    Returns
    -------
    numpy.ndarray, shape ``(K,)``

    Examples
    --------
    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda onehot: onehot @ np.array([1.0, 2.0, 3.0])
    >>> estimators.exact_categorical(f, np.zeros(3)).round(4)
    array([-0.3333,  0.    ,  0.3333])
    >>> estimators.exact_categorical(f, [0.0, 0.0, -np.inf])
    array([-0.25,  0.25,  0.  ])
    """
    _check_callable(f, "f")
    logits = check_logits_1d(logits)
    k = logits.shape[0]
    p = softmax(logits)
    values = _evaluate(f, "f", np.eye(k), (k,))
    values -= p @ values
    values *= p
    return values


# =========================================================================== the estimator lab
#
# Chapter 6 compares estimators at equal cost. Each function below documents how many
# evaluations of f one estimate (one row) costs; ``EVALUATIONS_PER_ESTIMATE`` lists them.

def _check_bernoulli_logits(logits, max_d=None):
    """Logits of d independent Bernoullis: a non-empty 1-D float64 array of finite reals."""
    array = np.asarray(logits)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"logits must be real numbers, got dtype {array.dtype}")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array (one logit per Bernoulli), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("logits of Bernoulli variables must be finite (a probability strictly between 0 and 1)")
    if max_d is not None and array.size > max_d:
        raise ValueError(f"logits has d = {array.size} Bernoullis; enumerating 2**d outcomes allows d <= {max_d}")
    return array.astype(np.float64)


def _sigmoids(logits):
    """(sigmoid(a), sigmoid(-a)) computed separately, so that 1 - theta keeps its precision."""
    from scipy.special import expit

    return expit(logits), expit(-logits)


def _uniforms(rng, shape):
    """Uniforms on the open interval (0, 1): ``Generator.random`` can return exactly 0."""
    u = rng.random(shape)
    np.maximum(u, np.finfo(np.float64).tiny, out=u)
    return u


def exact_bernoulli(f, logits):
    r"""The exact gradient of :math:`\mathbb{E}_{b}[f(b)]`, :math:`b_i \sim \mathrm{Bernoulli}(\sigma(a_i))` independent, by enumeration.

    With :math:`\theta = \sigma(a)` and :math:`\partial_{a_i} \log p(b) = b_i - \theta_i`,

    .. math:: \frac{\partial}{\partial a_i} \mathbb{E}[f(b)]
              = \sum_{b \in \{0,1\}^d} p(b)\, f(b)\, (b_i - \theta_i),
              \qquad p(b) = \prod_j \theta_j^{b_j} (1 - \theta_j)^{1 - b_j},

    where ``f`` is evaluated once on all :math:`2^d` binary vectors.

    Parameters
    ----------
    f : callable
        Vectorised over binary vectors: gets a ``(2**d, d)`` float array of 0s and 1s and returns
        ``(2**d,)`` finite values.
    logits : array_like, shape ``(d,)``
        Finite logits :math:`a_i = \log(\theta_i / (1 - \theta_i))`, ``d <= 20``.

    Returns
    -------
    numpy.ndarray, shape ``(d,)``

    Examples
    --------
    The toy of REBAR and RELAX, :math:`f(b) = (b - t)^2`: the gradient with respect to
    :math:`\theta` is :math:`1 - 2t`, so with respect to the logit it is
    :math:`\theta(1-\theta)(1 - 2t)`, here :math:`0.25 \times 0.1`:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> estimators.exact_bernoulli(lambda b: (b[:, 0] - 0.45) ** 2, [0.0]).round(6)
    array([0.025])
    """
    _check_callable(f, "f")
    logits = _check_bernoulli_logits(logits, max_d=20)
    d = logits.size
    theta, theta_c = _sigmoids(logits)
    outcomes = ((np.arange(2**d)[:, None] >> np.arange(d - 1, -1, -1)) & 1).astype(np.float64)
    log_p = outcomes @ np.log(theta) + (1.0 - outcomes) @ np.log(theta_c)
    values = _evaluate(f, "f", outcomes.copy(), (2**d,))
    values *= np.exp(log_p)
    return values @ (outcomes - theta)


def score_function_bernoulli(f, logits, *, size, baseline=0.0, rng=None):
    r"""Score-function (REINFORCE) estimates for a vector of independent Bernoullis, w.r.t. the logits.

    Each sample :math:`b_i = \mathbb 1[u_i < \sigma(a_i)]`, :math:`u_i \sim U(0, 1)`, gives

    .. math:: \bigl(f(b) - c\bigr)\,\nabla_a \log p(b) = \bigl(f(b) - c\bigr)\,(b - \sigma(a)),

    unbiased for any constant baseline :math:`c`. One evaluation of ``f`` per estimate.

    Parameters
    ----------
    f : callable
        Vectorised over binary vectors, ``(n, d) -> (n,)``, finite values.
    logits : array_like, shape ``(d,)``
        Finite logits.
    size : int
        Number of estimates ``n``, positive; required.
    baseline : float, default 0.0
    rng : None, int or numpy.random.Generator
        Draws the uniforms ``u`` of shape ``(n, d)``; :func:`disarm_bernoulli`,
        :func:`rebar_bernoulli` and :func:`relax_bernoulli` draw ``b`` from the same ``u`` first,
        so the same seed gives the same ``b`` (common random numbers).

    Returns
    -------
    numpy.ndarray, shape ``(size, d)``

    Examples
    --------
    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda b: (b[:, 0] - 0.45) ** 2
    >>> g = estimators.score_function_bernoulli(f, [0.0], size=200_000, rng=0)
    >>> g.shape
    (200000, 1)
    >>> se = g.std() / np.sqrt(len(g))  # about 0.0003, against the exact gradient 0.025
    >>> bool(abs(g.mean() - 0.025) < 6 * se)
    True
    """
    _check_callable(f, "f")
    logits = _check_bernoulli_logits(logits)
    n = check_count(size, "size")
    baseline = check_real(baseline, "baseline")
    rng = np.random.default_rng(rng)
    theta, _ = _sigmoids(logits)
    b = (_uniforms(rng, (n, logits.size)) < theta).astype(np.float64)
    score = b - theta
    weight = _evaluate(f, "f", b, (n,))
    weight -= baseline
    score *= weight[:, None]
    return score


def disarm_bernoulli(f, logits, *, size, rng=None):
    r"""DisARM estimates (Dong, Mnih and Tucker, 2020) for a vector of independent Bernoullis, w.r.t. the logits.

    From one vector of uniforms :math:`u`, the antithetic pair
    :math:`b_i = \mathbb 1[u_i < \sigma(a_i)]` and :math:`\tilde b_i = \mathbb 1[1 - u_i < \sigma(a_i)]`
    (each distributed as :math:`p(b)`) gives, per coordinate,

    .. math:: \hat g_i = \tfrac12 \bigl(f(b) - f(\tilde b)\bigr)\,
              (-1)^{\tilde b_i}\, \mathbb 1[b_i \ne \tilde b_i]\, \sigma(|a_i|).

    Unbiased for every ``f``; two evaluations of ``f`` per estimate (at :math:`b` and
    :math:`\tilde b`, in one call). When :math:`b = \tilde b` the estimate is exactly 0.

    Parameters
    ----------
    f : callable
        Vectorised over binary vectors; called once with a ``(2 n, d)`` array (the ``n`` vectors
        :math:`b`, then the ``n`` vectors :math:`\tilde b`) and must return ``(2 n,)`` values.
    logits : array_like, shape ``(d,)``
    size : int
        Number of estimates ``n``; required.
    rng : None, int or numpy.random.Generator
        The same seed gives the same :math:`b` as :func:`score_function_bernoulli`.

    Returns
    -------
    numpy.ndarray, shape ``(size, d)``

    Examples
    --------
    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda b: (b[:, 0] - 0.45) ** 2
    >>> g = estimators.disarm_bernoulli(f, [0.0], size=1000, rng=0)
    >>> np.unique(g.round(12))  # at theta = 1/2 in one dimension, b != b~ always: exact
    array([0.025])
    """
    _check_callable(f, "f")
    logits = _check_bernoulli_logits(logits)
    n = check_count(size, "size")
    rng = np.random.default_rng(rng)
    theta, theta_c = _sigmoids(logits)
    u = _uniforms(rng, (n, logits.size))
    b = u < theta
    b_anti = u > theta_c  # 1 - u < theta
    values = _evaluate(f, "f", np.concatenate([b, b_anti]).astype(np.float64), (2 * n,))
    half_difference = 0.5 * (values[:n] - values[n:])
    weight = np.where(b_anti, -1.0, 1.0)
    weight[b == b_anti] = 0.0
    weight *= np.maximum(theta, theta_c)  # sigma(|a|)
    weight *= half_difference[:, None]
    weight += 0.0  # turns -0.0 (a zero difference times a sign) into 0.0
    return weight


def _relaxed_noise(logits, u, v):
    r"""The logistic sample :math:`z`, the conditional :math:`\tilde z \mid b` and :math:`\partial\tilde z/\partial a`.

    :math:`z = a + \log u - \log(1-u)` written with :math:`u \to 1 - u`, so that
    :math:`b = \mathbb 1[z > 0] = \mathbb 1[u < \sigma(a)]` uses the same ``u`` as the score
    function. Given :math:`b`, :math:`\tilde z = a + \mathrm{logit}(w)` with
    :math:`w = 1 - \theta + v\theta` if :math:`b = 1` and :math:`w = v(1-\theta)` if :math:`b = 0`
    (inverse-CDF sampling of the logistic law of :math:`z` conditioned on the sign of :math:`z`),
    and for fixed :math:`v` and :math:`b`,
    :math:`\partial\tilde z/\partial a = v\theta / w` if :math:`b = 1`,
    :math:`(1-\theta)(1-v)/(1-w)` if :math:`b = 0`.
    """
    from scipy.special import log_expit

    theta, theta_c = _sigmoids(logits)
    b = u < theta
    z = logits - np.log(u) + np.log1p(-u)
    w1 = theta_c + v * theta  # b = 1: 1 - w1 = theta (1 - v)
    w0 = v * theta_c  # b = 0
    z_tilde = np.where(b, logits + np.log(w1) - log_expit(logits) - np.log1p(-v),
                       logits + np.log(v) + log_expit(-logits) - np.log1p(-w0))
    dz_tilde = np.where(b, v * theta / w1, theta_c * (1.0 - v) / (1.0 - w0))
    return b.astype(np.float64), z, z_tilde, dz_tilde, theta


def relax_bernoulli(f, c, dc, logits, *, size, rng=None):
    r"""RELAX estimates (Grathwohl et al., 2018) for independent Bernoullis with a given surrogate ``c``.

    With :math:`z = a + \mathrm{logit}(u)` (so :math:`b = \mathbb 1[z > 0] \sim p(b)`), the
    conditional sample :math:`\tilde z \sim p(z \mid b)` reparametrized by a second uniform
    :math:`v`, and any differentiable surrogate :math:`c(z)`,

    .. math:: \hat g = \bigl[f(b) - c(\tilde z)\bigr]\,\nabla_a \log p(b)
              + \nabla_a c(z) - \nabla_a c(\tilde z),
              \qquad \nabla_a \log p(b) = b - \sigma(a),

    where :math:`\nabla_a c(z) = c'(z)` (since :math:`\partial z_i/\partial a_i = 1`) and
    :math:`\nabla_a c(\tilde z) = c'(\tilde z) \odot \partial\tilde z/\partial a` at fixed
    :math:`v` and :math:`b`. Unbiased for every ``c``; one evaluation of ``f`` per estimate, plus
    the surrogate at two points. REBAR is the surrogate
    :math:`c(z) = \eta f(\sigma(z/\tau))` (:func:`rebar_bernoulli`); chapter 6 trains a small
    network as ``c`` with JAX (:mod:`reparam.jax_models`).

    Parameters
    ----------
    f : callable
        Vectorised over binary vectors, ``(n, d) -> (n,)``.
    c : callable
        The surrogate on logistic samples, ``(n, d) -> (n,)``, finite.
    dc : callable
        Its gradient, ``(n, d) -> (n, d)``, finite.
    logits : array_like, shape ``(d,)``
    size : int
    rng : None, int or numpy.random.Generator
        Draws ``u`` then ``v``, each of shape ``(n, d)``; the same seed gives the same ``b`` as
        :func:`score_function_bernoulli`.

    Returns
    -------
    numpy.ndarray, shape ``(size, d)``

    Examples
    --------
    With the surrogate :math:`c = 0` RELAX is the score function, draw for draw:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda b: (b[:, 0] - 0.45) ** 2
    >>> zero = lambda z: np.zeros(len(z))
    >>> a = estimators.relax_bernoulli(f, zero, np.zeros_like, [0.3], size=5, rng=1)
    >>> bool(np.allclose(a, estimators.score_function_bernoulli(f, [0.3], size=5, rng=1)))
    True
    """
    _check_callable(f, "f")
    _check_callable(c, "c")
    _check_callable(dc, "dc")
    logits = _check_bernoulli_logits(logits)
    n = check_count(size, "size")
    rng = np.random.default_rng(rng)
    return _relax(f, c, dc, logits, n, rng, names=("c", "dc"))


def _relax(f, c, dc, logits, n, rng, names):
    d = logits.size
    u = _uniforms(rng, (n, d))
    v = _uniforms(rng, (n, d))
    b, z, z_tilde, dz_tilde, theta = _relaxed_noise(logits, u, v)
    f_b = _evaluate(f, "f", b.copy(), (n,))
    c_tilde = _evaluate(c, names[0], z_tilde.copy(), (n,))
    grad_c = _evaluate(dc, names[1], z.copy(), (n, d))
    grad_c_tilde = _evaluate(dc, names[1], z_tilde.copy(), (n, d))
    out = b - theta
    out *= (f_b - c_tilde)[:, None]
    out += grad_c
    grad_c_tilde *= dz_tilde
    out -= grad_c_tilde
    return out


def rebar_bernoulli(f, df, logits, *, tau, eta=1.0, size, rng=None):
    r"""REBAR estimates (Tucker et al., 2017) for independent Bernoullis, w.r.t. the logits.

    RELAX (:func:`relax_bernoulli`) with the Concrete relaxation of ``f`` as the surrogate,

    .. math:: c(z) = \eta\, f\bigl(\sigma(z/\tau)\bigr), \qquad
              \nabla_z c(z) = \eta\, \nabla f\bigl(\sigma(z/\tau)\bigr) \odot
              \frac{\sigma(z/\tau)\,(1 - \sigma(z/\tau))}{\tau}.

    Unbiased for every :math:`\eta` and :math:`\tau > 0`. ``f`` must accept relaxed inputs in
    :math:`[0, 1]^d`. Per estimate ``f`` is queried at three points: its value at :math:`b` and
    at :math:`\sigma(\tilde z/\tau)`, and its gradient at :math:`\sigma(z/\tau)` and
    :math:`\sigma(\tilde z/\tau)`.

    Parameters
    ----------
    f : callable
        ``(n, d) -> (n,)``, for binary and for relaxed inputs.
    df : callable
        The gradient of ``f`` with respect to its input, ``(n, d) -> (n, d)``.
    logits : array_like, shape ``(d,)``
    tau : float
        Temperature of the relaxation, > 0.
    eta : float, default 1.0
        Scale of the control variate (0 gives the score function).
    size : int
    rng : None, int or numpy.random.Generator
        As in :func:`relax_bernoulli`.

    Returns
    -------
    numpy.ndarray, shape ``(size, d)``

    Examples
    --------
    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda b: (b[:, 0] - 0.45) ** 2
    >>> df = lambda b: 2 * (b - 0.45)
    >>> g = estimators.rebar_bernoulli(f, df, [0.0], tau=0.5, size=200_000, rng=0)
    >>> se = g.std() / np.sqrt(len(g))
    >>> bool(abs(g.mean() - 0.025) < 6 * se)
    True
    """
    from scipy.special import expit

    _check_callable(f, "f")
    _check_callable(df, "df")
    logits = _check_bernoulli_logits(logits)
    tau = check_tau(tau)
    eta = check_real(eta, "eta")
    n = check_count(size, "size")
    rng = np.random.default_rng(rng)
    d = logits.size

    def c(z):
        return eta * _evaluate(f, "f", expit(z / tau), (n,))

    def dc(z):
        s = expit(z / tau)
        grad = _evaluate(df, "df", s.copy(), (n, d))
        grad *= s * (1.0 - s) * (eta / tau)
        return grad

    return _relax(f, c, dc, logits, n, rng, names=("f", "df"))


# --------------------------------------------------------------------------- categorical, several draws

def rloo_categorical(f, logits, *, n, size, rng=None):
    r"""Leave-one-out REINFORCE ("RLOO"; Kool, van Hoof and Welling, 2019): ``n`` draws per estimate.

    With :math:`n` independent draws :math:`z_1, \dots, z_n \sim \mathrm{Cat}(p)`, each draw's
    baseline is the mean of the other :math:`n - 1` values,

    .. math:: \hat g = \frac1n \sum_{i=1}^n \Bigl(f(e_{z_i}) - \frac{1}{n-1}\sum_{j \ne i} f(e_{z_j})\Bigr)
              (e_{z_i} - p)
              = \frac{1}{n-1} \sum_{i=1}^n \bigl(f(e_{z_i}) - \bar f\bigr)(e_{z_i} - p),

    unbiased because each baseline is independent of the draw it multiplies. ``n`` evaluations
    of ``f`` per estimate.

    Parameters
    ----------
    f : callable
        Vectorised over one-hot rows: ``(m, K) -> (m,)`` with ``m = size * n``.
    logits : array_like, shape ``(K,)``
    n : int
        Draws per estimate, at least 2.
    size : int
        Number of estimates; required.
    rng : None, int or numpy.random.Generator
        The draws are ``reparam.gumbel_max(logits, size=(size, n), rng=rng)``.

    Returns
    -------
    numpy.ndarray, shape ``(size, K)``

    Examples
    --------
    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda onehot: onehot @ np.array([0.0, 1.0, 2.0])
    >>> g = estimators.rloo_categorical(f, np.zeros(3), n=4, size=50_000, rng=0)
    >>> g.shape
    (50000, 3)
    >>> se = g.std(axis=0) / np.sqrt(len(g))
    >>> bool(np.all(np.abs(g.mean(axis=0) - [-1 / 3, 0, 1 / 3]) < 6 * se))
    True
    """
    _check_callable(f, "f")
    logits = check_logits_1d(logits)
    n_draws = check_count(n, "n", minimum=2)
    m = check_count(size, "size")
    rng = np.random.default_rng(rng)
    k = logits.shape[0]
    draws = gumbel_max(logits, size=(m, n_draws), rng=rng)
    onehot = _one_hot(draws.reshape(-1), k)
    score = (onehot - softmax(logits)).reshape(m, n_draws, k)
    values = _evaluate(f, "f", onehot, (m * n_draws,)).reshape(m, n_draws)
    values -= values.mean(axis=1, keepdims=True)
    return np.einsum("mi,mik->mk", values, score) / (n_draws - 1)


def _continuation_probabilities(p, sets, p_outside):
    r"""For each set :math:`S` (rows of ``sets``, k distinct categories), the probability
    :math:`T(C)` of drawing the rest of :math:`S` next, in any order, when the members ``C`` of
    :math:`S` have been drawn already, for every subset ``C`` (bit ``j`` = member ``j``).

    :math:`T(S) = 1` and :math:`T(C) = \sum_{j \notin C} p_{s_j} T(C \cup \{j\}) / (1 - p(C))`,
    with :math:`1 - p(C) = p(S \setminus C) + p(D \setminus S)`. Then :math:`T(\emptyset) = P(S)`.
    Shape ``(m, 2**k)``; the loop runs over the k layers of the subset lattice.
    """
    m, k = sets.shape
    masks = np.arange(2**k)
    bits = (masks[:, None] >> np.arange(k)) & 1  # (2**k, k)
    ps = p[sets]  # (m, k)
    remaining = p_outside[:, None] + ps @ (1 - bits).T  # (m, 2**k): 1 - p(C), accurately
    popcount = bits.sum(axis=1)
    table = np.zeros((m, 2**k))
    table[:, -1] = 1.0
    for level in range(k - 1, -1, -1):
        layer = masks[popcount == level]
        successors = layer[:, None] | (1 << np.arange(k))  # (L, k)
        absent = bits[layer] == 0  # (L, k)
        table[:, layer] = np.einsum("mj,lj,mlj->ml", ps, absent, table[:, successors]) / remaining[:, layer]
    return table


def _unordered_set_estimates(values, p, sets):
    """The unordered set estimates ``(m, K)`` and the probabilities :math:`P(S)` of the rows of ``sets``."""
    member = np.zeros((sets.shape[0], p.size), dtype=bool)
    np.put_along_axis(member, sets, True, axis=1)
    table = _continuation_probabilities(p, sets, np.where(member, 0.0, p).sum(axis=1))
    return _unordered_set_from_table(values, p, sets, table), table[:, 0]


def _check_set_size(k, logits):
    n_possible = int(np.isfinite(logits).sum())
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not 1 <= k <= min(n_possible, 16):
        raise ValueError(f"k must be an integer from 1 to {min(n_possible, 16)} (categories with a finite logit, "
                         f"and at most 16), got {k!r}")
    return int(k)


def unordered_set_categorical(f, logits, *, k, size, rng=None):
    r"""The unordered set estimator with built-in baseline (Kool, van Hoof and Welling, 2020).

    Each estimate draws a set :math:`S` of ``k`` distinct categories without replacement
    (Gumbel-top-k, :func:`reparam.gumbel_topk`) and returns

    .. math:: \hat g(S) = \sum_{s \in S} p(s)\, R(S, s)\, \bigl(f(e_s) - B(S, s)\bigr)\, (e_s - p),
              \qquad R(S, s) = \frac{P^{D \setminus s}(S \setminus s)}{P(S)},

    .. math:: B(S, s) = \sum_{s' \in S} p(s')\, R^{D \setminus s}(S, s')\, f(e_{s'}),
              \qquad R^{D \setminus s}(S, s') =
              \frac{P^{D \setminus \{s, s'\}}(S \setminus \{s, s'\})}{P^{D \setminus s}(S \setminus s)}
              \ (= 1 \text{ if } s' = s),

    where :math:`P^{A}(T)` is the probability that :math:`|T|` draws without replacement from
    the categories :math:`A` (probabilities renormalised) give the set :math:`T` in any order.
    These are computed exactly by a recursion over the subsets of :math:`S`
    (:math:`O(2^k k)` per distinct set). For ``k = 1`` the baseline is 0 (REINFORCE). Unbiased;
    exact (zero variance) when ``k`` equals the number of categories of positive probability.
    ``k`` evaluations of ``f`` per estimate.

    Parameters
    ----------
    f : callable
        Vectorised over one-hot rows: ``(m, K) -> (m,)`` with ``m = size * k``.
    logits : array_like, shape ``(K,)``
    k : int
        Size of the set, from 1 to the number of finite logits (at most 16).
    size : int
        Number of estimates; required.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape ``(size, K)``

    See Also
    --------
    unordered_set_distribution : every possible set with its probability and estimate.

    Examples
    --------
    With ``k = K`` every estimate is the exact gradient:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda onehot: onehot @ np.array([0.0, 1.0, 2.0])
    >>> g = estimators.unordered_set_categorical(f, np.log([0.2, 0.5, 0.3]), k=3, size=4, rng=0)
    >>> bool(np.allclose(g, estimators.exact_categorical(f, np.log([0.2, 0.5, 0.3]))))
    True
    """
    _check_callable(f, "f")
    logits = check_logits_1d(logits)
    k = _check_set_size(k, logits)
    m = check_count(size, "size")
    rng = np.random.default_rng(rng)
    n_categories = logits.shape[0]
    p = softmax(logits)
    sets = np.sort(gumbel_topk(logits, k, size=m, rng=rng), axis=1)
    if n_categories <= 62:  # one integer key per set (a bitmask): much faster to sort than rows
        _, first, inverse = np.unique(np.bitwise_or.reduce(np.int64(1) << sets, axis=1),
                                      return_index=True, return_inverse=True)
        unique_sets = sets[first]
    else:
        unique_sets, inverse = np.unique(sets, axis=0, return_inverse=True)
    values = _evaluate(f, "f", _one_hot(sets.reshape(-1), n_categories), (m * k,)).reshape(m, k)
    # the probabilities depend only on the set: compute them once per distinct set
    member = np.zeros((len(unique_sets), n_categories), dtype=bool)
    np.put_along_axis(member, unique_sets, True, axis=1)
    table = _continuation_probabilities(p, unique_sets, np.where(member, 0.0, p).sum(axis=1))
    return _unordered_set_from_table(values, p, sets, table[inverse.reshape(-1)])


def _unordered_set_from_table(values, p, sets, table):
    r"""Estimates from the values :math:`f(e_s)` ``(m, k)`` and each set's table of :func:`_continuation_probabilities`."""
    k = sets.shape[1]
    single = 1 << np.arange(k)
    ratio = table[:, single] / table[:, :1]  # R(S, s_j) = P^{D minus s_j}(S minus s_j) / P(S)
    ps = p[sets]
    if k > 1:
        pairs = single[:, None] | single[None, :]
        # R^{D minus s_j}(S, s_l) = P^{D minus {s_j, s_l}}(S minus {s_j, s_l}) / P^{D minus s_j}(S minus s_j);
        # 1 on the diagonal
        ratio2 = table[:, pairs] / table[:, single][:, :, None]
        baseline = np.einsum("ml,mjl,ml->mj", ps, ratio2, values)
    else:
        baseline = np.zeros_like(values)
    weight = ps * ratio * (values - baseline)  # p(s) R(S, s) (f(s) - B(S, s))
    out = -weight.sum(axis=1)[:, None] * p
    np.put_along_axis(out, sets, np.take_along_axis(out, sets, axis=1) + weight, axis=1)
    return out


def unordered_set_distribution(f, logits, *, k):
    r"""Every value of :func:`unordered_set_categorical` with its probability, by enumerating the sets.

    Returns the estimate :math:`\hat g(S)` and the probability :math:`P(S)` of each of the
    :math:`\binom{K'}{k}` sets :math:`S` of ``k`` categories of positive probability
    (:math:`K'` of them), so that the exact mean and variance of the estimator are weighted sums.

    Parameters
    ----------
    f : callable
        ``(K, K) -> (K,)`` on the rows of the identity matrix.
    logits : array_like, shape ``(K,)``
    k : int

    Returns
    -------
    estimates : numpy.ndarray, shape ``(m, K)``
    probabilities : numpy.ndarray, shape ``(m,)``, summing to 1

    Examples
    --------
    >>> import numpy as np
    >>> from reparam import estimators
    >>> f = lambda onehot: onehot @ np.array([0.0, 1.0, 4.0, 9.0])
    >>> logits = np.log([0.1, 0.2, 0.3, 0.4])
    >>> g, prob = estimators.unordered_set_distribution(f, logits, k=2)
    >>> g.shape, round(float(prob.sum()), 12)
    ((6, 4), 1.0)
    >>> bool(np.allclose(prob @ g, estimators.exact_categorical(f, logits)))
    True
    """
    from itertools import combinations

    _check_callable(f, "f")
    logits = check_logits_1d(logits)
    k = _check_set_size(k, logits)
    n_categories = logits.shape[0]
    p = softmax(logits)
    values_all = _evaluate(f, "f", np.eye(n_categories), (n_categories,))
    possible = np.flatnonzero(np.isfinite(logits))
    sets = np.array(list(combinations(possible.tolist(), k)), dtype=np.int64).reshape(-1, k)
    estimates, prob_set = _unordered_set_estimates(values_all[sets], p, sets)
    return estimates, prob_set


# --------------------------------------------------------------------------- Gaussian, measure-valued

def measure_valued_normal(f, mu, sigma, *, size, rng=None):
    r"""Measure-valued (weak derivative) estimates of the gradient of :math:`\mathbb{E}_{N(\mu,\sigma^2)}[f(x)]`, with coupling.

    The derivative of the density splits into a constant times the difference of two densities
    (Mohamed et al., 2020, Table 1 and Section 6):

    * :math:`\partial_\mu N(x; \mu, \sigma^2) = \frac{1}{\sigma\sqrt{2\pi}}
      \bigl(\mathcal{R}^+(x) - \mathcal{R}^-(x)\bigr)`, where :math:`\mathcal{R}^\pm` is the law of
      :math:`\mu \pm \sigma W` and :math:`W` has the Rayleigh density :math:`w e^{-w^2/2}` on
      :math:`w > 0` (the Weibull law with shape 2 and scale :math:`\sqrt 2`). Coupled: the same
      :math:`W` on both sides,

      .. math:: \hat g_\mu = \frac{f(\mu + \sigma W) - f(\mu - \sigma W)}{\sigma\sqrt{2\pi}}.

    * :math:`\partial_\sigma N(x; \mu, \sigma^2) = \frac{1}{\sigma}\bigl(\mathcal{M}(x) - N(x; \mu, \sigma^2)\bigr)`,
      where :math:`\mathcal{M}` is the law of :math:`\mu + \sigma M` and :math:`M` has the
      double-sided Maxwell density :math:`m^2 e^{-m^2/2}/\sqrt{2\pi}`. Coupled: the Gaussian
      sample is :math:`\varepsilon = M U` with :math:`U \sim U(0, 1)` independent of :math:`M`
      (which is exactly standard normal),

      .. math:: \hat g_\sigma = \frac{f(\mu + \sigma M) - f(\mu + \sigma M U)}{\sigma}.

    Both are unbiased for bounded or polynomially growing ``f``; ``f`` need not be
    differentiable. Two evaluations of ``f`` per component, four per row (one call of ``f``).

    Parameters
    ----------
    f : callable
        Vectorised, ``(4 n,) -> (4 n,)``, finite values.
    mu, sigma : float
        Mean and standard deviation (``sigma > 0``).
    size : int
        Number of estimates ``n``; required.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape ``(size, 2)``
        Column 0 estimates :math:`\partial/\partial\mu`, column 1 :math:`\partial/\partial\sigma`.

    Examples
    --------
    For :math:`f(x) = x^2` the gradient is :math:`(2\mu, 2\sigma) = (2, 4)` at :math:`\mu = 1, \sigma = 2`:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> g = estimators.measure_valued_normal(np.square, 1.0, 2.0, size=200_000, rng=0)
    >>> se = g.std(axis=0) / np.sqrt(len(g))
    >>> bool(np.all(np.abs(g.mean(axis=0) - [2.0, 4.0]) < 6 * se))
    True
    """
    _check_callable(f, "f")
    mu, sigma = _check_normal_params(mu, sigma)
    n = check_count(size, "size")
    rng = np.random.default_rng(rng)
    u = _uniforms(rng, (n, 4))
    weibull = np.sqrt(-2.0 * np.log(u[:, 0]))  # Rayleigh: density w exp(-w^2 / 2)
    normal = rng.standard_normal(n)
    maxwell = np.sqrt(-2.0 * np.log(u[:, 1]) + normal * normal)  # chi with 3 degrees of freedom
    maxwell[u[:, 2] < 0.5] *= -1.0  # double-sided
    points = np.concatenate([mu + sigma * weibull, mu - sigma * weibull,
                             mu + sigma * maxwell, mu + sigma * maxwell * u[:, 3]])
    values = _evaluate(f, "f", points, (4 * n,)).reshape(4, n)
    out = np.empty((n, 2))
    np.subtract(values[0], values[1], out=out[:, 0])
    out[:, 0] /= sigma * np.sqrt(2.0 * np.pi)
    np.subtract(values[2], values[3], out=out[:, 1])
    out[:, 1] /= sigma
    return out


def normal_estimator_variances(f, df, mu, sigma, *, nodes=2401, half_width=12.0):
    r"""Exact variances of single Gaussian gradient estimates, by quadrature (no Monte Carlo).

    For :math:`x = \mu + \sigma\varepsilon`, the variance of one estimate of
    :math:`\nabla_{(\mu,\sigma)}\mathbb{E}[f(x)]`, for

    * ``"score function"``: :math:`f(x)\,s(\varepsilon)` with
      :math:`s = (\varepsilon, \varepsilon^2 - 1)/\sigma` (:func:`score_function_normal`);
    * ``"score function, optimal baseline"``: :math:`(f(x) - b_i^*)\,s_i` with the per-component
      constant :math:`b_i^* = \mathbb{E}[f s_i^2] / \mathbb{E}[s_i^2]` (an oracle: it uses the
      exact expectations, as in Mohamed et al., 2020, Section 7.4.1);
    * ``"pathwise"``: :math:`f'(x)\,(1, \varepsilon)` (:func:`pathwise_normal`);
    * ``"measure-valued"``: the coupled estimates of :func:`measure_valued_normal`.

    The expectations are integrals against the standard normal, the Rayleigh and the
    double-sided Maxwell densities, computed with the trapezoidal rule on ``nodes`` points of
    :math:`[-L, L]` (:math:`L` = ``half_width``; spectrally accurate for smooth integrands that
    decay like a Gaussian) and, for the coupling variable :math:`U`, 64-point Gauss-Legendre.

    Parameters
    ----------
    f, df : callable
        The cost and its derivative, vectorised over arrays of any shape.
    mu, sigma : float
    nodes : int, default 2401
    half_width : float, default 12.0

    Returns
    -------
    dict
        ``"gradient"``: the exact gradient (from the score-function integral), shape ``(2,)``;
        and for each estimator name above, the variance of one estimate, shape ``(2,)``
        (:math:`\partial_\mu`, :math:`\partial_\sigma`). A measure-valued estimate costs two
        evaluations of ``f`` per component, the others one.

    Examples
    --------
    For :math:`f(x) = x^2` the pathwise estimate of :math:`\partial_\mu` is :math:`2x`, with
    variance :math:`4\sigma^2`:

    >>> import numpy as np
    >>> from reparam import estimators
    >>> v = estimators.normal_estimator_variances(np.square, lambda x: 2 * x, 1.0, 1.0)
    >>> v["gradient"].round(6), v["pathwise"].round(6)
    (array([2., 2.]), array([ 4., 12.]))
    """
    _check_callable(f, "f")
    _check_callable(df, "df")
    mu, sigma = _check_normal_params(mu, sigma)
    nodes = check_count(nodes, "nodes", minimum=101)
    half_width = check_real(half_width, "half_width", positive=True)
    eps, h = np.linspace(-half_width, half_width, nodes, retstep=True)
    weight = np.exp(-0.5 * eps**2) / np.sqrt(2 * np.pi) * h  # trapezoid: the end weights are ~1e-32
    x = mu + sigma * eps

    def value(fn, name, arg):
        out = np.asarray(fn(arg), dtype=np.float64)
        if out.shape != np.shape(arg) or not np.isfinite(out).all():
            raise ValueError(f"{name} must return finite values of the shape of its input {np.shape(arg)}")
        return out

    fx, dfx = value(f, "f", x), value(df, "df", x)
    score = np.stack([eps / sigma, (eps**2 - 1) / sigma])  # (2, nodes)

    def variance(samples):  # samples (2, nodes) against the normal weights
        mean = samples @ weight
        return (samples**2) @ weight - mean**2, mean

    result = {}
    var_sf, gradient = variance(fx * score)
    result["gradient"] = gradient
    result["score function"] = var_sf
    best = (score**2 * fx) @ weight / ((score**2) @ weight)
    result["score function, optimal baseline"] = variance((fx - best[:, None]) * score)[0]
    result["pathwise"] = variance(dfx * np.stack([np.ones_like(eps), eps]))[0]
    # measure-valued, mu: W ~ Rayleigh on (0, L]
    w = eps[eps > 0]
    w_weight = w * np.exp(-0.5 * w**2) * h
    g_mu = (value(f, "f", mu + sigma * w) - value(f, "f", mu - sigma * w)) / (sigma * np.sqrt(2 * np.pi))
    var_mu = (g_mu**2) @ w_weight - (g_mu @ w_weight) ** 2
    # measure-valued, sigma: M double-sided Maxwell on [-L, L], U ~ U(0, 1) by Gauss-Legendre
    gl_nodes, gl_weights = np.polynomial.legendre.leggauss(64)
    u, u_weight = (gl_nodes + 1) / 2, gl_weights / 2
    m_weight = eps**2 * weight
    g_sigma = (fx[:, None] - value(f, "f", mu + sigma * eps[:, None] * u[None, :])) / sigma  # (nodes, 64)
    second = (g_sigma**2 @ u_weight) @ m_weight
    first = (g_sigma @ u_weight) @ m_weight
    result["measure-valued"] = np.array([var_mu, second - first**2])
    return result


#: Evaluations of ``f`` (or of its derivative) per estimate, for comparisons at equal cost.
#: Entries with a parameter give a function of it.
EVALUATIONS_PER_ESTIMATE = {
    "score_function_bernoulli": 1,
    "disarm_bernoulli": 2,
    "rebar_bernoulli": 3,
    "relax_bernoulli": 1,
    "rloo_categorical": lambda n: n,
    "unordered_set_categorical": lambda k: k,
    "score_function_normal": 1,
    "pathwise_normal": 1,
    "measure_valued_normal": 4,
    "score_function_categorical": 1,
    "gumbel_softmax_categorical": 1,
}
