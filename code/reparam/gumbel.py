r"""Gumbel noise, the Gumbel-max trick, Gumbel-top-k and the Gumbel-softmax relaxation.

All samplers draw their uniforms with the category axis first, shape ``(K, *size, *batch)``:
reductions over categories then run across contiguous rows of samples, which is several times
faster in numpy than reducing a short trailing axis. Results are returned as views with the
category axis where the caller asked for it.
"""
import numpy as np

from ._checks import check_float_dtype, check_logits, check_size, check_tau


def gumbel(size=None, *, rng=None, dtype=np.float64):
    r"""Standard Gumbel(0, 1) noise by inverse CDF, :math:`G = -\log(-\log U)`.

    The CDF is :math:`F(g) = \exp(-e^{-g})`, mean the Euler-Mascheroni constant
    :math:`\gamma \approx 0.5772`, variance :math:`\pi^2/6`.

    Parameters
    ----------
    size : int or tuple of ints, optional
        Output shape; ``None`` gives a single value.
    rng : None, int or numpy.random.Generator
        Source of randomness, normalised with ``numpy.random.default_rng``.
    dtype : float32 or float64
        Precision of the noise.

    Examples
    --------
    >>> import reparam
    >>> reparam.gumbel(3, rng=0).round(3)
    array([ 0.796, -0.27 , -1.162])
    """
    rng = np.random.default_rng(rng)
    dtype = check_float_dtype(dtype)
    uniforms = np.asarray(rng.random(check_size(size), dtype=dtype))
    noise = _uniform_to_gumbel(uniforms)
    return noise if size is not None else noise[()]


def _open_unit_log(uniforms):
    """log(U) in place, for U from ``Generator.random`` on [0, 1).

    ``random`` can return exactly 0 (in float32 about once in 17 million draws), whose log is
    -inf; raising it to the smallest positive normal number keeps every later step finite and
    changes the distribution by less than one part in 2**24.
    """
    np.maximum(uniforms, np.finfo(uniforms.dtype).tiny, out=uniforms)
    return np.log(uniforms, out=uniforms)


def _uniform_to_gumbel(uniforms):
    """-log(-log U) in place."""
    log_u = _open_unit_log(uniforms)
    np.negative(log_u, out=log_u)
    np.log(log_u, out=log_u)
    return np.negative(log_u, out=log_u)


def _categories_first(logits, axis, size):
    """Logits with the category axis first, shaped to broadcast against the noise, and the noise shape.

    The logits become ``(K, 1, ..., 1, *batch)`` with one 1 per sample dimension; the noise is
    ``(K, *size, *batch)``.
    """
    moved = np.moveaxis(logits, axis, 0)
    moved = moved - moved.max(axis=0, keepdims=True)  # shift-invariance: the largest logit is 0
    k, batch = moved.shape[:1], moved.shape[1:]
    return moved.reshape(k + (1,) * len(size) + batch), k + size + batch


def _argmax_first_axis(values):
    """Index of the first maximum along axis 0.

    Equivalent to ``values.argmax(axis=0)`` but faster: numpy's argmax over a leading axis copies
    the array to make that axis contiguous, while max and == stream over rows.
    """
    best = values.max(axis=0)
    return (values == best).argmax(axis=0)


def gumbel_max(logits, *, size=None, axis=-1, rng=None):
    r"""Categorical samples by the Gumbel-max trick, :math:`\arg\max_k(\ell_k + G_k)`.

    With i.i.d. standard Gumbel :math:`G_k`, the index is distributed as
    :math:`\mathrm{softmax}(\ell)`. It is computed in the equivalent exponential-race form
    :math:`\arg\max_k \log(U_k)\, e^{-\ell_k}` (the same ordering, as
    :math:`-\log U_k \sim \mathrm{Exp}(1)`), which needs one logarithm per draw instead of two.
    With the same ``rng`` it picks the same index as the argmax of :func:`gumbel_softmax` (barring
    ties within floating-point rounding).

    Parameters
    ----------
    logits : array_like
        Unnormalised log-probabilities, ``-inf`` for probability zero. Extra axes are a batch
        of distributions.
    size : int or tuple of ints, optional
        Leading sample shape.
    axis : int, default -1
        The category axis of ``logits``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray of int64, shape ``size + logits.shape`` without ``axis``.

    Examples
    --------
    >>> import numpy as np, reparam
    >>> draws = reparam.gumbel_max(np.log([0.2, 0.5, 0.3]), size=100_000, rng=0)
    >>> np.bincount(draws) / draws.size
    array([0.19789, 0.50155, 0.30056])
    """
    logits, axis = check_logits(logits, axis)
    rng = np.random.default_rng(rng)
    size = check_size(size)
    shifted, noise_shape = _categories_first(logits, axis, size)
    with np.errstate(over="ignore"):  # exp(-logit) = inf for a hopeless category: it never wins
        race_weights = np.exp(-shifted)
    scores = _open_unit_log(rng.random(noise_shape, dtype=logits.dtype))
    scores *= race_weights
    return _argmax_first_axis(scores)


def gumbel_softmax(logits, tau, *, size=None, hard=False, axis=-1, rng=None):
    r"""Relaxed one-hot samples, :math:`\mathrm{softmax}((\ell + G) / \tau)`.

    The Gumbel-softmax (Jang et al., 2017) or Concrete (Maddison et al., 2017) distribution:

    .. math:: x_k = \frac{\exp((\ell_k + G_k)/\tau)}{\sum_j \exp((\ell_j + G_j)/\tau)},
              \qquad G_k \sim \mathrm{Gumbel}(0, 1).

    Samples lie on the simplex; :math:`P(\arg\max_k x_k = k) = \mathrm{softmax}(\ell)_k` at
    every temperature. As :math:`\tau \to 0` they become one-hot; as :math:`\tau \to \infty` every
    sample collapses to the centre :math:`(1/K, \dots, 1/K)` of the simplex (a point, not a uniform
    distribution).

    Parameters
    ----------
    logits : array_like
        Unnormalised log-probabilities, ``-inf`` for probability zero (weight exactly 0).
    tau : float
        Temperature, a finite number > 0.
    size : int or tuple of ints, optional
        Leading sample shape.
    hard : bool, default False
        Return the one-hot of the argmax of the very sample ``hard=False`` returns for the same
        ``rng``: the forward pass of the straight-through estimator.
    axis : int, default -1
        The category axis.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape ``size + logits.shape``, the dtype of ``logits`` (float32 or float64).
    The array may be a non-contiguous view.

    Examples
    --------
    >>> import numpy as np, reparam
    >>> reparam.gumbel_softmax(np.log([0.2, 0.5, 0.3]), tau=0.5, rng=0).round(3)
    array([0.56 , 0.415, 0.025])
    """
    logits, axis = check_logits(logits, axis)
    tau = check_tau(tau)
    rng = np.random.default_rng(rng)
    size = check_size(size)
    shifted, noise_shape = _categories_first(logits, axis, size)
    scaled = _uniform_to_gumbel(rng.random(noise_shape, dtype=logits.dtype))
    scaled += shifted
    scaled *= 1.0 / tau
    scaled -= scaled.max(axis=0, keepdims=True)  # the largest term becomes exp(0) = 1: no overflow
    sample = np.exp(scaled, out=scaled)
    sample /= sample.sum(axis=0, keepdims=True)
    if hard:
        winner = _argmax_first_axis(sample)
        sample = (np.arange(len(sample)).reshape((-1,) + (1,) * winner.ndim) == winner).astype(logits.dtype)
    return np.moveaxis(sample, 0, len(size) + axis)


def gumbel_topk(logits, k, *, size=None, axis=-1, rng=None):
    r"""Sample ``k`` distinct categories without replacement by Gumbel-top-k.

    The indices of the ``k`` largest perturbed logits :math:`\ell_j + G_j`, in decreasing order,
    are distributed as drawing categories one at a time from :math:`\mathrm{softmax}(\ell)`
    without replacement (Kool, van Hoof and Welling, 2019).

    Returns
    -------
    numpy.ndarray of int64, shape ``size + batch + (k,)``, where batch is ``logits.shape`` without
    ``axis``.

    Examples
    --------
    >>> import numpy as np, reparam
    >>> reparam.gumbel_topk(np.log([0.1, 0.2, 0.3, 0.4]), 2, size=3, rng=0)
    array([[3, 2],
           [3, 1],
           [1, 2]])
    """
    logits, axis = check_logits(logits, axis)
    n_possible = int(np.isfinite(logits).sum(axis=axis).min())
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n_possible:
        raise ValueError(f"k must be an integer from 1 to {n_possible} (categories with a finite logit), got {k!r}")
    rng = np.random.default_rng(rng)
    size = check_size(size)
    shifted, noise_shape = _categories_first(logits, axis, size)
    perturbed = _uniform_to_gumbel(rng.random(noise_shape, dtype=logits.dtype))
    perturbed += shifted
    order = np.argsort(-perturbed, axis=0, kind="stable")[:k]
    return np.moveaxis(order, 0, -1)
