r"""The Gaussian reparametrization :math:`x = \mu + \sigma \varepsilon`."""
import numpy as np

from ._checks import check_size


def normal_rsample(mu, sigma, *, size=None, rng=None):
    r"""Reparametrized normal samples: :math:`x = \mu + \sigma\,\varepsilon`, :math:`\varepsilon \sim N(0, 1)`.

    The noise is returned too, because the pathwise gradient needs it:
    :math:`\partial x/\partial\mu = 1` and :math:`\partial x/\partial\sigma = \varepsilon`.
    Note that :math:`\sigma` is the standard deviation, not the variance.

    Parameters
    ----------
    mu, sigma : array_like
        Mean and standard deviation (``sigma >= 0``), broadcast together.
    size : int or tuple of ints, optional
        Leading sample shape; the output shape is ``size + broadcast(mu, sigma).shape``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    x, eps : numpy.ndarray
        Samples and the standard normal noise that made them. float32 parameters give float32.

    Examples
    --------
    >>> import reparam
    >>> x, eps = reparam.normal_rsample(1.0, 2.0, size=3, rng=0)
    >>> bool((x == 1.0 + 2.0 * eps).all())
    True
    """
    mu, sigma = np.asarray(mu), np.asarray(sigma)
    for name, value in (("mu", mu), ("sigma", sigma)):
        if not np.issubdtype(value.dtype, np.number) or np.iscomplexobj(value):
            raise ValueError(f"{name} must be real numbers, got dtype {value.dtype}")
        if not np.isfinite(value).all():
            raise ValueError(f"{name} must be finite, got {value}")
    if (sigma < 0).any():
        raise ValueError(f"sigma must be >= 0 (a standard deviation), got {sigma}")
    dtype = np.float32 if all(v.dtype == np.float32 for v in (mu, sigma)) else np.float64
    shape = check_size(size) + np.broadcast_shapes(mu.shape, sigma.shape)
    rng = np.random.default_rng(rng)
    eps = rng.standard_normal(shape, dtype=dtype)
    x = (mu.astype(dtype) + sigma.astype(dtype) * eps).astype(dtype, copy=False)
    return x, eps
