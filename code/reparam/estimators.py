r"""Monte Carlo gradient estimators: score function (REINFORCE), pathwise, Gumbel-softmax, exact.

Every estimator returns **per-sample** estimates, one row per draw, so that a reader can take the
mean (the estimate), the variance (its spread) or a running mean of the same draws. The targets are

* Gaussian: :math:`\nabla_{(\mu, \sigma)}\, \mathbb{E}_{x \sim N(\mu, \sigma^2)}[f(x)]`, rows
  ``(d/dmu, d/dsigma)``, with :math:`\sigma` the standard deviation;
* categorical: :math:`\nabla_{\ell}\, \mathbb{E}_{z \sim \mathrm{Cat}(\mathrm{softmax}(\ell))}
  [f(\mathrm{onehot}(z))]` with respect to the logits :math:`\ell`, rows of length :math:`K`.

Conventions shared by all functions:

* ``rng`` is None, an int seed or a ``numpy.random.Generator``, normalised once with
  ``numpy.random.default_rng``. Gaussian estimators draw :math:`\varepsilon` through
  :func:`reparam.normal_rsample`, so :func:`score_function_normal` and :func:`pathwise_normal`
  called with the same seed use the same samples (common random numbers).
* ``size`` is the number of samples, a positive int, and must be given.
* ``f`` and ``df`` are vectorised: they get all samples at once and must return one value per
  sample with exactly the documented shape (no silent broadcasting) and only finite values;
  otherwise a ``ValueError`` names ``f`` or ``df``.
* ``logits`` is a 1-D array of :math:`K` unnormalised log-probabilities; ``-inf`` marks a
  category of probability zero, whose gradient component is exactly 0.
* Results are float64 arrays.
"""
import numpy as np

from ._checks import check_count, check_logits_1d, check_real, check_tau
from .gumbel import gumbel_max, gumbel_softmax
from .normal import normal_rsample
from .softmax import softmax

__all__ = [
    "exact_categorical",
    "gumbel_softmax_categorical",
    "pathwise_normal",
    "score_function_categorical",
    "score_function_normal",
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
