r"""Gumbel noise, the Gumbel-max trick, Gumbel-top-k and the Gumbel-softmax relaxation.

All samplers draw their uniforms with the category axis first, shape ``(K, *size, *batch)``:
reductions over categories then run across contiguous rows of samples, which is several times
faster in numpy than reducing a short trailing axis, and every sampler reads the same uniform for
the same category and sample, so with the same ``rng`` they see the same noise. Results are
returned as views with the category axis where the caller asked for it.
"""
import math

import numpy as np

from ._checks import check_float_dtype, check_logits, check_size, check_tau
from .softmax import _overflow_repair, _subtract_max

#: Uniforms that :func:`gumbel_max` processes at a time: 2**16 float64 values, 512 KiB, stay in a
#: core's L2 cache while they are turned into scores and reduced.
_RACE_BLOCK = 1 << 16


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
    -inf. Adding the smallest positive normal number ``tiny`` lifts 0 to ``tiny`` and leaves every
    other value ``random`` returns unchanged (the smallest of them, 2**-53 in float64 and 2**-24 in
    float32, is far too large for ``tiny`` to change it): it is ``max(U, tiny)`` at half the cost.
    Every later step stays finite, and the distribution changes by less than one part in 2**24.
    """
    np.add(uniforms, _TINY[uniforms.dtype.type], out=uniforms)
    return np.log(uniforms, out=uniforms)


_TINY = {np.float32: np.finfo(np.float32).tiny, np.float64: np.finfo(np.float64).tiny}


def _uniform_to_gumbel(uniforms):
    """-log(-log U) in place."""
    log_u = _open_unit_log(uniforms)
    np.negative(log_u, out=log_u)
    np.log(log_u, out=log_u)
    return np.negative(log_u, out=log_u)


def _categories_first(logits, axis, size, tau=1.0):
    """Logits with the category axis first and their maximum subtracted, shaped to broadcast
    against the noise; the noise shape; and, for ``tau > 1``, a repair of overflowed differences.

    The logits become ``(K, 1, ..., 1, *batch)`` with one 1 per sample dimension; the noise is
    ``(K, *size, *batch)``. By shift-invariance the largest logit becomes 0. Two finite logits more
    than 1.8e308 apart have a difference that overflows to ``-inf``: a weight of exactly 0, which is
    right (the true weight underflows) unless it is divided by a temperature above 1e305 or so. The
    third value is None, or ``(mask, (logits - max) / tau)`` for the overflowed entries.
    """
    moved = np.moveaxis(logits, axis, 0)
    # C order: each category's logits contiguous, like the rows of noise they are added to
    shifted, top = _subtract_max(moved, axis=0, order="C")
    repaired = _overflow_repair(moved, shifted, top, tau)
    k, batch = shifted.shape[:1], shifted.shape[1:]
    to_noise = k + (1,) * len(size) + batch
    if repaired is not None:
        repaired = tuple(np.reshape(part, to_noise) for part in repaired)
    return shifted.reshape(to_noise), k + size + batch, repaired


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
    It reads exactly the uniforms of ``rng.random((K, *size, *batch))``, the ones
    :func:`gumbel_softmax` and :func:`gumbel` read, so with the same ``rng`` it picks the same index
    as the argmax of :func:`gumbel_softmax`, or of ``logits + gumbel((K, ...))`` over the category
    axis (barring ties within floating-point rounding).

    The uniforms are drawn in blocks of about 2**16 numbers, in that order, and turned into race
    scores in place while they are in cache; the leader so far is kept per sample, so the memory
    used is O(samples) instead of O(samples * K).

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
    moved = logits if axis == 0 else np.moveaxis(logits, axis, 0)
    with np.errstate(over="ignore"):  # exp(max - logit) = inf for a hopeless category: it never wins
        race_weights = np.subtract(moved.max(axis=0, keepdims=True), moved, order="C")
        np.exp(race_weights, out=race_weights)
    k, batch = moved.shape[:1], moved.shape[1:]
    return _race(race_weights.reshape(k + (1,) * len(size) + batch), k + size + batch, len(size), rng)


def _race(weights, noise_shape, n_size_dims, rng):
    r"""The winner :math:`\arg\max_k \log(U_k) w_k` of the exponential race, blockwise.

    ``weights`` (K, 1, ..., 1, *batch) are :math:`e^{\max_j \ell_j - \ell_k} \ge 1` (``inf`` for a
    category that cannot win); ``noise_shape`` is (K, *size, *batch), ``size`` having
    ``n_size_dims`` dimensions. The uniforms are drawn in blocks of at most ``_RACE_BLOCK`` numbers
    in the stream order of ``rng.random(noise_shape)``, so they are exactly those numbers: several
    whole categories per block when the samples are few, else one category and a run of samples.
    Each block becomes race scores in place while it is in cache, and the leader so far and its
    score are kept per sample: memory O(size * batch), not O(size * batch * K).
    """
    k = noise_shape[0]
    n_rows, n_cols = math.prod(noise_shape[1:1 + n_size_dims]), math.prod(noise_shape[1 + n_size_dims:])
    m_total = n_rows * n_cols
    if m_total == 0:
        return np.zeros(noise_shape[1:], np.int64)
    dtype = weights.dtype
    weights = weights.reshape(k, 1, n_cols)
    if m_total <= _RACE_BLOCK:  # whole categories per block
        categories, span = min(k, _RACE_BLOCK // m_total), n_rows
    else:  # one category, ``span`` sample rows per block
        categories, span = 1, max(1, _RACE_BLOCK // n_cols)
    # Fresh memory costs page faults, so the race keeps little of it. The best score so far lives in
    # the memory of the int64 result, which it fills (float64) or, at its end, half fills (float32):
    # the last block reads it, a run of rows at a time, and writes the winning indices over it (an
    # int64 index never reaches the bytes of a later row's score). The leader so far is kept in the
    # smallest integer type that holds K (the updates are several times faster in int16 than in
    # int64, measured with numpy 2.4), and not at all when one category is followed by the last.
    index_dtype = np.int16 if k <= np.iinfo(np.int16).max else np.int32  # (a type: index_dtype(3) is a scalar)
    result = np.empty((n_rows, n_cols), np.int64)
    best = result.reshape(-1).view(np.uint8)[result.nbytes - m_total * dtype.itemsize:].view(dtype)
    best = best.reshape(n_rows, n_cols)
    winner = None if categories == 1 and k <= 2 else np.zeros((n_rows, n_cols), index_dtype)
    block = np.empty((categories, span, n_cols), dtype)
    better = np.empty((span, n_cols), bool)
    promoted = np.empty((span, n_cols), index_dtype)
    if categories > 1:  # the first maximum within a block is at categories - max_j(hit_j * (categories - j))
        rank_dtype = np.uint8 if categories < 2**8 else np.uint16 if categories < 2**16 else np.uint32
        ranks = np.arange(categories, 0, -1, dtype=rank_dtype).reshape(categories, 1, 1)
        hits = np.empty(block.shape, bool)
        ranked = np.empty(block.shape, rank_dtype)
        block_best = np.empty((span, n_cols), dtype)
    for start in range(0, k, categories):
        n = min(categories, k - start)
        last = start + n == k
        for row in range(0, n_rows, span):
            rows = slice(row, min(n_rows, row + span))
            lead = best[rows]
            m = len(lead)
            # (with n > 1, span is all the rows, so every slice here is contiguous)
            scores = lead[None] if start == 0 and n == 1 else block[:n, :m]  # the first draw: into best
            rng.random(out=scores, dtype=dtype)
            _open_unit_log(scores)
            scores *= weights[start:start + n]
            if n == 1:
                top, index = scores[0], index_dtype(start)  # a numpy scalar keeps the int16 loop
            else:
                top = scores.max(axis=0, out=block_best)
                np.equal(scores, top, out=hits[:n])
                np.multiply(hits[:n], ranks[categories - n:], out=ranked[:n])  # ranks n, ..., 1
                index = np.subtract(start + n, ranked[:n].max(axis=0), dtype=index_dtype)
            if start == 0:
                if n > 1:
                    lead[...] = top
                    winner[rows] = index
                continue  # one category: best holds its scores, and the leader is 0
            np.greater(top, lead, out=better[:m])  # strictly: on a tie the earlier category keeps the lead
            if not last:
                np.maximum(lead, top, out=lead)
            # Indices of a later block exceed all earlier ones, so max(winner, better * index) is the
            # masked update, without the branch mispredictions of np.copyto(..., where=better).
            np.multiply(better[:m], index, out=promoted[:m])
            if winner is None:  # the leader so far is category 0
                result[rows] = promoted[:m]
            elif last:  # best is read for these rows: the result may take their memory
                np.maximum(winner[rows], promoted[:m], out=result[rows])
            else:
                np.maximum(winner[rows], promoted[:m], out=winner[rows])
    if start == 0:  # a single block: nothing has written the result yet
        result[...] = 0 if winner is None else winner
    return result.reshape(noise_shape[1:])


def gumbel_softmax(logits, tau, *, size=None, hard=False, log=False, axis=-1, rng=None):
    r"""Relaxed one-hot samples, :math:`\mathrm{softmax}((\ell + G) / \tau)`, or their logarithm.

    The Gumbel-softmax (Jang et al., 2017) or Concrete (Maddison et al., 2017) distribution:

    .. math:: x_k = \frac{\exp((\ell_k + G_k)/\tau)}{\sum_j \exp((\ell_j + G_j)/\tau)},
              \qquad G_k \sim \mathrm{Gumbel}(0, 1).

    Samples lie on the simplex; :math:`P(\arg\max_k x_k = k) = \mathrm{softmax}(\ell)_k` at
    every temperature. As :math:`\tau \to 0` they become one-hot; as :math:`\tau \to \infty` every
    sample collapses to the centre :math:`(1/K, \dots, 1/K)` of the simplex (a point, not a uniform
    distribution).

    At small temperatures most coordinates of :math:`x` underflow to 0 (and the largest rounds to
    1), so :math:`x` itself forgets where the sample lies. ``log=True`` returns
    :math:`\log x = \mathrm{log\,softmax}((\ell + G)/\tau)` instead, computed without forming
    :math:`x` (the ExpConcrete sample of Maddison et al.), which stays finite and exact to
    rounding; evaluate its density with ``concrete_log_prob(log_x, ..., log_input=True)``. With
    the same ``rng``, ``np.exp`` of it is the sample ``log=False`` returns, to rounding.

    Parameters
    ----------
    logits : array_like
        Unnormalised log-probabilities, ``-inf`` for probability zero (weight exactly 0).
    tau : float
        Temperature, a finite number > 0 (a Python or numpy number or a 0-d array).
    size : int or tuple of ints, optional
        Leading sample shape.
    hard : bool, default False
        Return the one-hot of the argmax of the very sample ``hard=False`` returns for the same
        ``rng``: the forward pass of the straight-through estimator.
    log : bool, default False
        Return :math:`\log x` (``-inf`` for a category whose logit is ``-inf``). Not with ``hard``.
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
    >>> reparam.gumbel_softmax(np.log([0.2, 0.5, 0.3]), tau=0.001, rng=0).round(3)
    array([1., 0., 0.])
    >>> reparam.gumbel_softmax(np.log([0.2, 0.5, 0.3]), tau=0.001, log=True, rng=0)[1:].round(1)
    array([ -150. , -1552.3])
    """
    logits, axis = check_logits(logits, axis)
    tau = check_tau(tau)
    if hard and log:
        raise ValueError("hard=True and log=True cannot be combined: the log of a one-hot is 0 and -inf")
    rng = np.random.default_rng(rng)
    size = check_size(size)
    shifted, noise_shape, repaired = _categories_first(logits, axis, size, tau)
    noise = _uniform_to_gumbel(rng.random(noise_shape, dtype=logits.dtype))
    with np.errstate(over="ignore"):  # a term below -finfo.max becomes -inf, and exp(-inf) = 0 is right
        if tau * np.finfo(logits.dtype).max < 64:
            # So small a temperature that (logit + G) / tau itself overflows: subtract the maximum
            # first, then divide (in float64, where such a tau is still a positive number).
            scaled = noise + shifted
            scaled -= scaled.max(axis=0, keepdims=True)
            np.divide(scaled, tau, out=scaled, dtype=np.float64, casting="unsafe")
        else:
            if repaired is not None:  # logits 1.8e308 apart at a temperature above 1e305 or so
                overflowed, quotient = repaired
                quotient = noise * (1.0 / tau) + quotient  # before the noise is overwritten below
            scaled = noise
            scaled += shifted
            scaled *= 1.0 / tau
            if repaired is not None:
                scaled = np.where(overflowed, quotient, scaled)
            scaled -= scaled.max(axis=0, keepdims=True)  # the largest term becomes exp(0) = 1
    if log:
        scaled -= np.log(np.exp(scaled).sum(axis=0, keepdims=True))
        return np.moveaxis(scaled, 0, len(size) + axis)
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
    shifted, noise_shape, _ = _categories_first(logits, axis, size)
    perturbed = _uniform_to_gumbel(rng.random(noise_shape, dtype=logits.dtype))
    perturbed += shifted
    order = np.argsort(-perturbed, axis=0, kind="stable")[:k]
    return np.moveaxis(order, 0, -1)
