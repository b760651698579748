"""Models trained with JAX: the variational autoencoders of chapter 7 and RELAX's learned surrogate
of chapter 6.

numpy stays the core of :mod:`reparam`; this is the one module that imports JAX, and only the
chapters that train a network import it (``import reparam.jax_models``). Randomness enters as in
the rest of the package, through an ``rng`` argument (None, an int seed or a
``numpy.random.Generator``): the noise is drawn with numpy and handed to the jitted functions as
arrays, so a seed gives the same noise on every machine.
"""
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

# --- shared JAX primitives (Gumbel noise, relaxations) ----------------------------------------

def uniform_to_gumbel(uniforms):
    r"""Standard Gumbel noise :math:`G = -\log(-\log U)` from uniforms on :math:`[0, 1)`.

    A uniform of exactly 0 is raised to the smallest normal number first, as
    :func:`reparam.gumbel` does, so the noise is always finite.

    Examples
    --------
    >>> import numpy as np
    >>> from reparam import jax_models
    >>> np.asarray(jax_models.uniform_to_gumbel(np.array([0.1, 0.5, 0.9]))).round(3)
    array([-0.834,  0.367,  2.25 ], dtype=float32)
    """
    uniforms = jnp.asarray(uniforms)
    if not jnp.issubdtype(uniforms.dtype, jnp.floating):
        uniforms = uniforms.astype(jnp.result_type(float))
    tiny = jnp.finfo(uniforms.dtype).tiny
    return -jnp.log(-jnp.log(jnp.maximum(uniforms, tiny)))


def _noise(logits, key, uniforms, name="uniforms"):
    """Gumbel noise of the shape of ``logits`` from exactly one of ``key`` or ``uniforms``."""
    if (key is None) == (uniforms is None):
        raise ValueError("give exactly one of key (a jax.random key) or uniforms (an array)")
    if uniforms is None:
        uniforms = jax.random.uniform(key, jnp.shape(logits), dtype=jnp.result_type(logits, jnp.float32))
    elif jnp.shape(uniforms) != jnp.shape(logits):
        raise ValueError(f"{name} must have the shape of the (broadcast) logits {jnp.shape(logits)}, "
                         f"got {jnp.shape(uniforms)}")
    return uniform_to_gumbel(uniforms)


def one_hot_argmax(values):
    """The one-hot vector of the first maximum along the last axis, in the dtype of ``values``."""
    return jax.nn.one_hot(jnp.argmax(values, axis=-1), values.shape[-1], dtype=values.dtype)


def gumbel_softmax(logits, tau, *, key=None, uniforms=None, hard=False):
    r"""Gumbel-softmax (Concrete) samples in JAX, :math:`\mathrm{softmax}((\ell + G)/\tau)` along the last axis.

    The same relaxation as :func:`reparam.gumbel_softmax`, written in JAX so that gradients flow
    through it. The noise comes from exactly one of

    * ``key``: a ``jax.random`` key; uniforms of the shape of ``logits`` are drawn from it;
    * ``uniforms``: uniforms on :math:`[0, 1)` of the shape of ``logits`` (category axis last).
      numpy's sampler draws its uniforms with the category axis first, so
      ``uniforms = np.moveaxis(np.random.default_rng(s).random((K, *shape)), 0, -1)`` reproduces
      ``reparam.gumbel_softmax(logits, tau, size=..., rng=s)``.

    With ``hard=True`` the value is the one-hot vector of the winning category (an exact
    categorical sample, the Gumbel-max trick) while the gradient is that of the soft sample:
    the straight-through estimator, :math:`h + y - \mathrm{stop\_gradient}(y)`.

    Parameters
    ----------
    logits : array, shape ``(..., K)``
        Unnormalised log-probabilities. To draw several samples per distribution, broadcast the
        logits to the sample shape first (``jnp.broadcast_to(logits, (S, *logits.shape))``).
    tau : float or scalar array
        Temperature, > 0 (a traced value is fine; it is not checked inside ``jit``).
    key : jax.random key, optional
    uniforms : array, optional
    hard : bool, default False
        Straight-through: one-hot forward value, soft gradient.

    Returns
    -------
    jax.Array, the shape of ``logits``.

    Examples
    --------
    >>> import numpy as np
    >>> import reparam
    >>> from reparam import jax_models
    >>> logits = np.log([0.2, 0.5, 0.3])
    >>> u = np.moveaxis(np.random.default_rng(0).random((3,)), 0, -1)
    >>> np.asarray(jax_models.gumbel_softmax(logits, 0.5, uniforms=u)).round(3)
    array([0.56 , 0.415, 0.025], dtype=float32)
    >>> reparam.gumbel_softmax(logits, 0.5, rng=0).round(3)
    array([0.56 , 0.415, 0.025])
    """
    logits = jnp.asarray(logits)
    if not jnp.issubdtype(logits.dtype, jnp.floating):
        logits = logits.astype(jnp.result_type(float))
    if isinstance(tau, (int, float)) and not tau > 0:
        raise ValueError(f"tau must be a finite number > 0, got {tau!r}")
    perturbed = logits + _noise(logits, key, uniforms)
    soft = jax.nn.softmax(perturbed / tau, axis=-1)
    if not hard:
        return soft
    # soft - stop_gradient(soft) is exactly 0 in the forward pass, so the value is exactly one-hot
    return one_hot_argmax(perturbed) + (soft - jax.lax.stop_gradient(soft))


# --- chapter 7: variational autoencoders -------------------------------------------------------
#
# A VAE here is a configuration (VAEConfig, hashable, so it can be a static argument of jit) and a
# pytree of parameters {"encoder": [(W, b), ...], "decoder": [(W, b), ...]}. Every function is
# pure. The observation model is Bernoulli over binary pixels; the latent variables are either
# Gaussian (latent="gaussian": D dimensions, prior N(0, I), encoder N(mu, diag sigma^2)) or
# categorical (latent="categorical": N variables of K categories, uniform prior).
#
# Which term uses which estimator: the KL term of the ELBO is computed in closed form (its gradient
# is exact for every estimator); only the reconstruction term E_q[log p(x|z)] is estimated, and
# the estimators differ in how they differentiate it with respect to the encoder:
#
#   "pathwise"  (Gaussian)     z = mu + sigma * eps, gradient through z
#   "gs"        (categorical)  relaxed z = softmax((l + G)/tau), gradient through z (biased)
#   "st"        (categorical)  one-hot z forward, gradient of the relaxed z (biased)
#   "sf"        (both)         score function, (f(z) - b) grad log q(z|x), b a moving average
#   "rloo"      (both)         score function with the leave-one-out baseline of S samples
#
# The decoder's gradient is always grad_theta log p(x|z) at the sampled z (one-hot for "sf",
# "rloo" and "st", relaxed for "gs").

from .figures import Drawing
from .gumbel import gumbel as numpy_gumbel
from .softmax import softmax as numpy_softmax

#: Estimators of the encoder gradient, by latent type.
ESTIMATORS = {
    "gaussian": ("pathwise", "sf", "rloo"),
    "categorical": ("sf", "rloo", "gs", "st"),
}

#: Decay of the moving-average baseline of the score-function estimator ("sf").
BASELINE_DECAY = 0.9


class VAEConfig(NamedTuple):
    """The shape of a VAE. Hashable: it is a static argument of the jitted functions.

    Attributes
    ----------
    latent : str
        ``"gaussian"`` or ``"categorical"``.
    n_latent : int
        Gaussian: the dimension :math:`D`; categorical: the number :math:`N` of variables.
    n_categories : int
        :math:`K`, categories per variable (categorical only).
    n_pixels : int
        Length of a flattened binary image (64 for the 8x8 digits, 784 for MNIST).
    hidden : tuple of int
        Widths of the hidden ReLU layers of the encoder; the decoder mirrors them.
    """

    latent: str = "categorical"
    n_latent: int = 8
    n_categories: int = 10
    n_pixels: int = 64
    hidden: tuple = (128,)

    def check(self):
        if self.latent not in ESTIMATORS:
            raise ValueError(f"latent must be 'gaussian' or 'categorical', got {self.latent!r}")
        for name in ("n_latent", "n_categories", "n_pixels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.latent == "categorical" and self.n_categories < 2:
            raise ValueError(f"n_categories must be >= 2, got {self.n_categories!r}")
        if not isinstance(self.hidden, tuple) or not all(
                isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h >= 1 for h in self.hidden):
            raise ValueError(f"hidden must be a tuple of positive integers, got {self.hidden!r}")
        return self

    @property
    def code_size(self):
        """Length of the decoder's input: :math:`N K` (categorical) or :math:`D` (Gaussian)."""
        return self.n_latent * self.n_categories if self.latent == "categorical" else self.n_latent

    @property
    def encoder_outputs(self):
        """:math:`N K` logits, or :math:`2D` numbers (means and log standard deviations)."""
        return self.code_size if self.latent == "categorical" else 2 * self.n_latent


def _check_estimator(config, estimator):
    if estimator not in ESTIMATORS[config.latent]:
        raise ValueError(f"estimator must be one of {ESTIMATORS[config.latent]} for a {config.latent} "
                         f"VAE, got {estimator!r}")
    return estimator


def _init_mlp(rng, sizes):
    """He-normal weights, zero biases: [(W, b), ...] for the layer widths ``sizes`` (float32)."""
    return [(jnp.asarray(rng.standard_normal((m, n), dtype=np.float32) * np.float32(np.sqrt(2.0 / m))),
             jnp.zeros(n, jnp.float32)) for m, n in zip(sizes[:-1], sizes[1:])]


def _mlp(layers, x):
    """ReLU hidden layers, linear output."""
    for w, b in layers[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = layers[-1]
    return x @ w + b


def init_vae(config, rng=None):
    """Initial parameters ``{"encoder": [...], "decoder": [...]}`` (float32), drawn with numpy.

    Examples
    --------
    >>> from reparam import jax_models
    >>> config = jax_models.VAEConfig("categorical", n_latent=2, n_categories=3, n_pixels=4, hidden=(5,))
    >>> params = jax_models.init_vae(config, rng=0)
    >>> [w.shape for w, b in params["encoder"]], [w.shape for w, b in params["decoder"]]
    ([(4, 5), (5, 6)], [(6, 5), (5, 4)])
    """
    config = VAEConfig(*config).check()
    rng = np.random.default_rng(rng)
    hidden = list(config.hidden)
    return {
        "encoder": _init_mlp(rng, [config.n_pixels, *hidden, config.encoder_outputs]),
        "decoder": _init_mlp(rng, [config.code_size, *hidden[::-1], config.n_pixels]),
    }


def encode(config, params, x):
    r"""The encoder :math:`q_\phi(z \mid x)`.

    Returns
    -------
    categorical: logits, shape ``(..., N, K)``;
    gaussian: ``(mu, log_sigma)``, each of shape ``(..., D)``.
    """
    if jnp.shape(x)[-1:] != (config.n_pixels,):
        raise ValueError(f"x must have {config.n_pixels} pixels on its last axis, got shape {jnp.shape(x)}")
    out = _mlp(params["encoder"], x)
    if config.latent == "categorical":
        return out.reshape(out.shape[:-1] + (config.n_latent, config.n_categories))
    return out[..., :config.n_latent], out[..., config.n_latent:]


def decode(config, params, z):
    """Pixel logits of :math:`p_\\theta(x \\mid z)`; ``z`` is ``(..., N, K)`` (one-hot or relaxed) or ``(..., D)``."""
    latent_shape = (config.n_latent, config.n_categories) if config.latent == "categorical" else (config.n_latent,)
    if jnp.shape(z)[-len(latent_shape):] != latent_shape:
        raise ValueError(f"z must end in the latent shape {latent_shape}, got shape {jnp.shape(z)}")
    if config.latent == "categorical":
        z = z.reshape(z.shape[:-2] + (config.code_size,))
    return _mlp(params["decoder"], z)


def bernoulli_log_likelihood(pixel_logits, x):
    r""":math:`\log p(x \mid z) = \sum_i x_i \eta_i - \log(1 + e^{\eta_i})` for pixel logits :math:`\eta`, summed over the last axis.

    Examples
    --------
    >>> from reparam import jax_models
    >>> round(float(jax_models.bernoulli_log_likelihood([0.0, 0.0], [1.0, 0.0])), 4)  # 2 log(1/2)
    -1.3863
    """
    pixel_logits, x = jnp.asarray(pixel_logits), jnp.asarray(x)
    return jnp.sum(x * pixel_logits - jax.nn.softplus(pixel_logits), axis=-1)


def kl_to_prior(config, encoded):
    r"""The KL divergence of the encoder from the prior, in closed form, per data point.

    * categorical, uniform prior: :math:`\sum_{n=1}^N \sum_{k=1}^K q_{nk} \log(K q_{nk})`
      (the *discrete* KL, as in Jang's code);
    * Gaussian, prior :math:`N(0, I)`:
      :math:`\tfrac12 \sum_d (\mu_d^2 + \sigma_d^2 - 1 - 2 \log \sigma_d)`.

    ``encoded`` is what :func:`encode` returns: logits ``(..., N, K)`` or ``(mu, log_sigma)``.

    Examples
    --------
    A certain encoder has KL :math:`N \log K`, a uniform one 0:

    >>> import numpy as np
    >>> from reparam import jax_models
    >>> config = jax_models.VAEConfig("categorical", n_latent=2, n_categories=4)
    >>> certain = np.array([[[30.0, 0, 0, 0], [0, 0, 30.0, 0]]])
    >>> kl = jax_models.kl_to_prior(config, certain)
    >>> round(float(kl[0]), 4), round(float(2 * np.log(4)), 4)
    (2.7726, 2.7726)
    >>> float(jax_models.kl_to_prior(config, np.zeros((1, 2, 4)))[0])
    0.0
    """
    if config.latent == "categorical":
        log_q = jax.nn.log_softmax(encoded, axis=-1)
        return jnp.sum(jnp.exp(log_q) * (log_q + jnp.log(config.n_categories)), axis=(-2, -1))
    mu, log_sigma = encoded
    return 0.5 * jnp.sum(mu ** 2 + jnp.exp(2 * log_sigma) - 1.0 - 2.0 * log_sigma, axis=-1)


def sample_noise(config, shape, rng):
    """The noise of :math:`z`, drawn with numpy: float32 uniforms on [0, 1) for the Gumbel noise of a
    categorical VAE, shape ``shape + (N, K)``, or standard normals, shape ``shape + (D,)``.

    All randomness of this section is drawn here, from a ``numpy.random.Generator``: the same seed
    gives the same noise on every machine, and jitted code never compiles a random number
    generator.

    Examples
    --------
    >>> from reparam import jax_models
    >>> config = jax_models.VAEConfig("categorical", n_latent=8, n_categories=10)
    >>> jax_models.sample_noise(config, (4, 100), rng=0).shape  # 4 samples for each of 100 images
    (4, 100, 8, 10)
    """
    rng = np.random.default_rng(rng)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError(f"shape must be a tuple of non-negative integers, got {shape!r}")
    if config.latent == "categorical":
        return rng.random(shape + (config.n_latent, config.n_categories), dtype=np.float32)
    return rng.standard_normal(shape + (config.n_latent,), dtype=np.float32)


def _log_q(config, encoded, z):
    """:math:`\\log q(z \\mid x)` of one-hot or real ``z`` (sample axes leading), per sample."""
    if config.latent == "categorical":
        return jnp.sum(z * jax.nn.log_softmax(encoded, axis=-1), axis=(-2, -1))
    mu, log_sigma = encoded
    return jnp.sum(-0.5 * ((z - mu) * jnp.exp(-log_sigma)) ** 2 - log_sigma - 0.5 * jnp.log(2 * jnp.pi), axis=-1)


def _log_prior(config, z):
    if config.latent == "categorical":
        return jnp.full(z.shape[:-2], -config.n_latent * jnp.log(config.n_categories))
    return jnp.sum(-0.5 * z ** 2 - 0.5 * jnp.log(2 * jnp.pi), axis=-1)


def _exact_samples(config, encoded, noise):
    """Samples of :math:`q(z \\mid x)` (one-hot for categorical), no gradient; noise has leading sample axes."""
    if config.latent == "categorical":
        return jax.lax.stop_gradient(one_hot_argmax(encoded + uniform_to_gumbel(noise)))
    mu, log_sigma = encoded
    return jax.lax.stop_gradient(mu + jnp.exp(log_sigma) * noise)


def score_function_surrogate(f, log_q, baseline):
    r"""A surrogate whose gradient is the score-function estimate :math:`(f - b)\nabla\log q + \nabla f`.

    ``f + stop_gradient(f - b) * (log_q - stop_gradient(log_q))``: its value is exactly ``f``
    (the second term is 0 in the forward pass), and differentiating it gives the score-function
    (REINFORCE) term for the encoder plus :math:`\nabla_\theta f` for the parameters that ``f``
    depends on directly (the decoder). The sample inside ``log_q`` and ``f`` must carry no
    gradient (it is drawn from :math:`q`, not reparametrized).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from reparam import jax_models
    >>> logits, z, f = jnp.array([0.0, 1.0]), jnp.array([1.0, 0.0]), 3.0  # z is category 0
    >>> surrogate = lambda l: jax_models.score_function_surrogate(f, z @ jax.nn.log_softmax(l), 1.0)
    >>> float(surrogate(logits)), [round(float(g), 3) for g in jax.grad(surrogate)(logits)]  # (f - b)(e_z - p)
    (3.0, [1.462, -1.462])
    """
    return f + jax.lax.stop_gradient(f - baseline) * (log_q - jax.lax.stop_gradient(log_q))


def leave_one_out_baseline(f):
    r"""For ``f`` of shape ``(S, ...)``, :math:`b_s = \frac{1}{S-1}\sum_{j \ne s} f_j` (needs :math:`S \ge 2`).

    Examples
    --------
    >>> from reparam import jax_models
    >>> jax_models.leave_one_out_baseline([1.0, 2.0, 6.0]).tolist()
    [4.0, 3.5, 1.5]
    """
    f = jnp.asarray(f)
    n = f.shape[0]
    if n < 2:
        raise ValueError(f"the leave-one-out baseline needs at least 2 samples on the first axis, got {n}")
    return (jnp.sum(f, axis=0, keepdims=True) - f) / (n - 1)


def surrogate_objective(config, params, x, noise, *, estimator, tau=1.0, baseline=0.0):
    r"""Per data point: a surrogate of the ELBO whose gradient is the chosen estimator's, and the ELBO estimate.

    With :math:`S` samples :math:`z_s` per data point (``noise`` has shape ``(S, B, ...)``) and
    :math:`f(z) = \log p_\theta(x \mid z)`,

    .. math:: \mathcal{L}(x) = \mathbb{E}_{q_\phi(z\mid x)}[f(z)] - \mathrm{KL}(q_\phi(z \mid x) \,\|\, p(z)),

    the surrogate is :math:`\frac1S\sum_s \tilde f_s - \mathrm{KL}` with :math:`\tilde f_s` as
    the estimator prescribes (see the comment at the head of this section); the KL is exact.

    Parameters
    ----------
    config : VAEConfig
    params : dict
    x : array, shape ``(B, n_pixels)``
    noise : array
        ``(S, B, N, K)`` uniforms (categorical) or ``(S, B, D)`` standard normals (Gaussian).
    estimator : str
        One of ``ESTIMATORS[config.latent]``.
    tau : float
        Temperature of ``"gs"`` and ``"st"``.
    baseline : float
        The constant :math:`b` of ``"sf"``.

    Returns
    -------
    surrogate : array ``(B,)``
        Differentiate its mean to get the gradient estimate of the mean ELBO.
    elbo : array ``(B,)``
        The ELBO estimate with exact (one-hot) samples, :math:`\frac1S\sum_s f(z_s) - \mathrm{KL}`;
        for ``"gs"`` it is evaluated at the one-hot winner of the same noise.
    f_mean : scalar
        Mean of :math:`f` over samples and batch (what the moving-average baseline tracks).
    """
    estimator = _check_estimator(config, estimator)
    encoded = encode(config, params, x)
    kl = kl_to_prior(config, encoded)
    if estimator in ("sf", "rloo"):
        z = _exact_samples(config, encoded, noise)
        f = bernoulli_log_likelihood(decode(config, params, z), x)
        b = baseline if estimator == "sf" else leave_one_out_baseline(f)
        tilde_f = score_function_surrogate(f, _log_q(config, encoded, z), b)
        f_exact = f
    elif estimator == "pathwise":
        mu, log_sigma = encoded
        tilde_f = f_exact = bernoulli_log_likelihood(decode(config, params, mu + jnp.exp(log_sigma) * noise), x)
    else:  # "gs" or "st": relaxed samples with the same noise as their one-hot winners
        z = gumbel_softmax(jnp.broadcast_to(encoded, noise.shape), tau, uniforms=noise, hard=estimator == "st")
        tilde_f = bernoulli_log_likelihood(decode(config, params, z), x)
        if estimator == "st":
            f_exact = tilde_f
        else:
            hard = _exact_samples(config, encoded, noise)
            f_exact = bernoulli_log_likelihood(decode(config, params, hard), x)
    f_exact = jax.lax.stop_gradient(f_exact)
    return tilde_f.mean(axis=0) - kl, f_exact.mean(axis=0) - jax.lax.stop_gradient(kl), f_exact.mean()


def log_likelihood_samples(config, params, x, noise):
    r"""``f[s, b] = log p(x_b | z_s)`` for exact samples :math:`z_s \sim q(z \mid x_b)` made from ``noise``, and the KL.

    ``noise`` has shape ``(S, B, ...)`` (see :func:`sample_noise`).

    The ELBO estimate is ``f.mean(axis=0) - kl``; its Monte Carlo standard error per data point is
    ``f.std(axis=0, ddof=1) / sqrt(n_samples)``.

    Returns
    -------
    f : array ``(n_samples, B)``
    kl : array ``(B,)``
    """
    encoded = encode(config, params, x)
    z = _exact_samples(config, encoded, noise)
    return bernoulli_log_likelihood(decode(config, params, z), x), kl_to_prior(config, encoded)


def importance_weighted_bound(config, params, x, noise):
    r"""The importance-weighted bound of Burda et al. (2016), per data point:

    .. math:: \mathcal{L}_S(x) = \log \frac1S \sum_{s=1}^S \frac{p_\theta(x \mid z_s)\, p(z_s)}{q_\phi(z_s \mid x)},
              \qquad z_s \overset{\text{iid}}{\sim} q_\phi(z \mid x).

    Its expectation is at most :math:`\log p_\theta(x)`, at least the ELBO, and grows with
    :math:`S` towards :math:`\log p_\theta(x)`. ``noise`` has shape ``(S, B, ...)`` (see
    :func:`sample_noise`). Returns an array ``(B,)`` (one draw of the bound).
    """
    encoded = encode(config, params, x)
    z = _exact_samples(config, encoded, noise)
    log_w = (bernoulli_log_likelihood(decode(config, params, z), x) + _log_prior(config, z)
             - _log_q(config, encoded, z))
    return jax.nn.logsumexp(log_w, axis=0) - jnp.log(log_w.shape[0])


_iw_batch = jax.jit(importance_weighted_bound, static_argnums=0)
_ll_batch = jax.jit(log_likelihood_samples, static_argnums=0)


class Evaluation(NamedTuple):
    """Test-set bounds, in nats per image (means over the images)."""

    elbo: float
    elbo_se: float
    iw_bound: float
    n_elbo_samples: int
    n_iw_samples: int


def evaluate(config, params, x, *, rng=0, elbo_samples=100, iw_samples=1000, batch_size=50):
    r"""The mean ELBO (exact samples) and importance-weighted bound over the images ``x``.

    ``elbo_se`` is the Monte Carlo standard error of the mean ELBO estimate (the images are fixed,
    only the samples of :math:`z` vary). Images are processed in batches to bound memory.
    """
    config = VAEConfig(*config).check()
    for name, value, minimum in (("elbo_samples", elbo_samples, 2), ("iw_samples", iw_samples, 1),
                                 ("batch_size", batch_size, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    x = jnp.asarray(x, jnp.float32)
    if x.ndim != 2 or x.shape[1] != config.n_pixels or x.shape[0] == 0:
        raise ValueError(f"x must have shape (n, {config.n_pixels}) with n >= 1, got {x.shape}")
    rng = np.random.default_rng(rng)
    elbo, var, iw = [], [], []
    for start in range(0, x.shape[0], batch_size):
        xb = x[start:start + batch_size]
        f, kl = _ll_batch(config, params, xb, sample_noise(config, (elbo_samples, xb.shape[0]), rng))
        f = np.asarray(f, np.float64)
        elbo.append(f.mean(axis=0) - np.asarray(kl, np.float64))
        var.append(f.var(axis=0, ddof=1) / elbo_samples)
        iw.append(np.asarray(_iw_batch(config, params, xb, sample_noise(config, (iw_samples, xb.shape[0]), rng)),
                             np.float64))
    elbo, var, iw = np.concatenate(elbo), np.concatenate(var), np.concatenate(iw)
    return Evaluation(float(elbo.mean()), float(np.sqrt(var.sum()) / len(elbo)), float(iw.mean()),
                      elbo_samples, iw_samples)


def jang_temperature(steps, *, rate, tau0=1.0, tau_min=0.5, every=1):
    r"""The annealing schedule of Jang et al. (2017): :math:`\tau_t = \max(\tau_{\min}, \tau_0 e^{-r t})`.

    The temperature is updated every ``every`` steps (held constant in between), as in their
    experiments and code. Returns a float32 array of length ``steps``.

    Examples
    --------
    >>> from reparam import jax_models
    >>> jax_models.jang_temperature(6, rate=0.2, every=2).round(3)
    array([1.  , 1.  , 0.67, 0.67, 0.5 , 0.5 ], dtype=float32)
    """
    t = np.arange(steps) // every * every
    return np.maximum(tau_min, tau0 * np.exp(-rate * t)).astype(np.float32)


class TrainResult(NamedTuple):
    """What :func:`train` returns.

    ``history`` holds numpy arrays: ``step`` and ``tau`` and ``train_elbo`` (the minibatch mean of
    the ELBO estimate at every step, exact samples) and, every ``eval_every`` steps, ``eval_step``
    and ``test_elbo`` (mean ELBO over the test images with ``eval_samples`` samples each).
    ``baseline`` is the final moving-average baseline; ``checkpoints`` maps each requested step to
    the parameters after that many steps.
    """

    params: dict
    history: dict
    baseline: float
    checkpoints: dict


def _switch_surrogate(config, index, params, x, noise, tau, baseline):
    """:func:`surrogate_objective` with the estimator chosen by a traced index into ``ESTIMATORS``.

    One compiled program then serves every estimator of a latent type (XLA compiles all branches
    once and runs only the chosen one), which keeps compilation time out of the chapter's budget.
    """
    names = ESTIMATORS[config.latent]
    if noise.shape[0] < 2:
        # With one sample per image there is no leave-one-out baseline; callers never select "rloo"
        # then (train and encoder_gradient_samples refuse it), so its branch can be any valid one.
        names = tuple("sf" if name == "rloo" else name for name in names)
    branches = [functools.partial(_estimator_branch, config, name) for name in names]
    return jax.lax.switch(index, branches, params, x, noise, tau, baseline)


def _estimator_branch(config, estimator, params, x, noise, tau, baseline):
    return surrogate_objective(config, params, x, noise, estimator=estimator, tau=tau, baseline=baseline)


@functools.lru_cache(maxsize=None)
def _chunk_runner(config, learning_rate):
    """A jitted function running a chunk of training steps with ``lax.scan`` (cached per setting)."""
    optimizer = optax.adam(learning_rate)

    def loss(params, index, x, noise, tau, baseline):
        surrogate, elbo, f_mean = _switch_surrogate(config, index, params, x, noise, tau, baseline)
        return -surrogate.mean(), (elbo.mean(), f_mean)

    def step(carry, inputs):
        params, opt_state, baseline, index = carry
        x, noise, tau = inputs
        grads, (elbo, f_mean) = jax.grad(loss, has_aux=True)(params, index, x, noise, tau, baseline)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        baseline = BASELINE_DECAY * baseline + (1 - BASELINE_DECAY) * f_mean
        return (params, opt_state, baseline, index), elbo

    @jax.jit
    def run(params, opt_state, baseline, index, data, batch_index, noise, taus):
        (params, opt_state, baseline, _), elbo = jax.lax.scan(
            step, (params, opt_state, baseline, index), (data[batch_index], noise, taus))
        return (params, opt_state, baseline), elbo

    return optimizer, run


@functools.partial(jax.jit, static_argnums=0)
def _test_elbo(config, params, x, noise):
    f, kl = log_likelihood_samples(config, params, x, noise)
    return jnp.mean(f.mean(axis=0) - kl)


def _batch_indices(n_data, batch_size, steps, rng):
    """Minibatches that sweep the data in a new random order every epoch, shape ``(steps, batch_size)``."""
    per_epoch = n_data // batch_size
    epochs = -(-steps // per_epoch)
    order = np.concatenate([rng.permutation(n_data)[:per_epoch * batch_size] for _ in range(epochs)])
    return order[:steps * batch_size].reshape(steps, batch_size)


def train(config, x_train, *, estimator, steps, rng=None, tau=1.0, n_samples=1, batch_size=100,
          learning_rate=1e-3, x_test=None, eval_every=250, eval_samples=10, checkpoints=(), progress=False,
          params=None):
    r"""Train a VAE by Adam on minibatches, with the chosen gradient estimator. Seeded and pure.

    Parameters
    ----------
    config : VAEConfig
    x_train : array ``(n, n_pixels)`` of 0/1 pixels
    estimator : str
        ``"pathwise"``, ``"sf"`` or ``"rloo"`` (Gaussian); ``"sf"``, ``"rloo"``, ``"gs"`` or
        ``"st"`` (categorical).
    steps : int
        Number of Adam steps.
    rng : None, int or numpy.random.Generator
        The one source of randomness: initial parameters, minibatch order and all noise are
        drawn from independent streams spawned from it.
    tau : float or array of length ``steps``
        Temperature of ``"gs"`` and ``"st"`` (a schedule such as :func:`jang_temperature`).
    n_samples : int
        :math:`S`, samples of :math:`z` per image and step (``"rloo"`` needs at least 2).
    batch_size, learning_rate : int, float
    x_test : array, optional
        Images on which the mean ELBO is recorded every ``eval_every`` steps.
    checkpoints : sequence of int
        Steps (from 0 to ``steps``) after which a copy of the parameters is kept.
    progress : bool
        Show a tqdm progress bar with the current ELBO and temperature (for long runs in a
        terminal; it writes to stderr).
    params : dict, optional
        Initial parameters; default :func:`init_vae` drawn from ``rng``.

    Returns
    -------
    TrainResult
    """
    config = VAEConfig(*config).check()
    estimator = _check_estimator(config, estimator)
    for name, value, minimum in (("steps", steps, 1), ("n_samples", n_samples, 1), ("batch_size", batch_size, 1),
                                 ("eval_every", eval_every, 1), ("eval_samples", eval_samples, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if estimator == "rloo" and n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 for the leave-one-out baseline, got {n_samples!r}")
    x_train = np.asarray(x_train, np.float32)
    if x_train.ndim != 2 or x_train.shape[1] != config.n_pixels:
        raise ValueError(f"x_train must have shape (n, {config.n_pixels}), got {x_train.shape}")
    if batch_size > len(x_train):
        raise ValueError(f"batch_size {batch_size} is larger than the {len(x_train)} training images")
    taus = np.broadcast_to(np.asarray(tau, np.float32), (steps,)).copy() if np.ndim(tau) == 0 \
        else np.asarray(tau, np.float32)
    if taus.shape != (steps,) or not (np.isfinite(taus).all() and (taus > 0).all()):
        raise ValueError(f"tau must be a number > 0 or an array of {steps} numbers > 0")
    checkpoints = sorted({int(c) for c in checkpoints})
    if checkpoints and not 0 <= checkpoints[0] <= checkpoints[-1] <= steps:
        raise ValueError(f"checkpoints must be steps from 0 to {steps}, got {checkpoints}")
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a number > 0, got {learning_rate!r}")

    rng_init, rng_batches, rng_noise, rng_eval = np.random.default_rng(rng).spawn(4)
    if params is None:
        params = init_vae(config, rng_init)
    optimizer, run = _chunk_runner(config, float(learning_rate))
    index = jnp.int32(ESTIMATORS[config.latent].index(estimator))
    opt_state = optimizer.init(params)
    batches = _batch_indices(len(x_train), batch_size, steps, rng_batches)
    data = jnp.asarray(x_train)
    test = None if x_test is None else jnp.asarray(np.asarray(x_test, np.float32))
    if test is not None and (test.ndim != 2 or test.shape[1] != config.n_pixels):
        raise ValueError(f"x_test must have shape (n, {config.n_pixels}), got {test.shape}")
    # the moving-average baseline starts at the mean log-likelihood of the initial model
    f0, _ = _ll_batch(config, params, data[batches[0]], sample_noise(config, (1, batch_size), rng_init))
    baseline = jnp.mean(f0)

    train_elbo, eval_step, test_elbo = [], [], []
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=steps, unit="step")
    kept = {0: params} if 0 in checkpoints else {}
    done = 0
    while done < steps:
        # chunks end at evaluation points and checkpoints
        stop = min([steps, (done // eval_every + 1) * eval_every] + [c for c in checkpoints if c > done])
        noise = sample_noise(config, (stop - done, n_samples, batch_size), rng_noise)
        (params, opt_state, baseline), elbo = run(params, opt_state, baseline, index, data,
                                                  batches[done:stop], noise, taus[done:stop])
        train_elbo.append(np.asarray(elbo))
        done = stop
        if done in checkpoints:
            kept[done] = params
        if test is not None and (done % eval_every == 0 or done == steps):
            eval_step.append(done)
            eval_noise = sample_noise(config, (eval_samples, test.shape[0]), rng_eval)
            test_elbo.append(float(_test_elbo(config, params, test, eval_noise)))
        if bar is not None:
            bar.update(len(train_elbo[-1]))
            shown = {"elbo": f"{float(np.mean(train_elbo[-1])):.2f}", "tau": f"{float(taus[done - 1]):.3f}"}
            if test_elbo:
                shown["test_elbo"] = f"{test_elbo[-1]:.2f}"
            bar.set_postfix(shown)
    if bar is not None:
        bar.close()
    history = {"step": np.arange(1, steps + 1), "tau": taus, "train_elbo": np.concatenate(train_elbo),
               "eval_step": np.asarray(eval_step, np.int64), "test_elbo": np.asarray(test_elbo)}
    return TrainResult(params, history, float(baseline), kept)


def encoder_gradient_samples(config, params, x, *, estimator, n_repeats, n_samples=1, tau=1.0, baseline=0.0,
                             rng=None):
    r"""``n_repeats`` independent gradient estimates of the mean ELBO over the images ``x``, encoder part only.

    Each row is the gradient of the minibatch mean of :func:`surrogate_objective` with respect to
    the encoder parameters, flattened, for fresh noise; the images and parameters are fixed. The
    spread of the rows is the estimator's own variance (the part a better estimator can remove).

    Returns
    -------
    numpy.ndarray, shape ``(n_repeats, n_encoder_parameters)``, float64.
    """
    config = VAEConfig(*config).check()
    estimator = _check_estimator(config, estimator)
    for name, value, minimum in (("n_repeats", n_repeats, 2), ("n_samples", n_samples, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if estimator == "rloo" and n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 for the leave-one-out baseline, got {n_samples!r}")
    x = jnp.asarray(x, jnp.float32)
    noise = sample_noise(config, (n_repeats, n_samples, x.shape[0]), rng)
    index = jnp.int32(ESTIMATORS[config.latent].index(estimator))
    return np.asarray(_encoder_gradients(config, params, index, x, noise, tau, baseline), np.float64)


@functools.partial(jax.jit, static_argnums=0)
def _encoder_gradients(config, params, index, x, noises, tau, baseline):
    def one(noise):

        def objective(encoder):
            surrogate, _, _ = _switch_surrogate(config, index, {"encoder": encoder, "decoder": params["decoder"]},
                                                x, noise, tau, baseline)
            return surrogate.mean()

        grad = jax.grad(objective)(params["encoder"])
        return jnp.concatenate([jnp.ravel(leaf) for leaf in jax.tree_util.tree_leaves(grad)])

    return jax.lax.map(one, noises)


# numpy mirrors, for drawing at build time without JAX in the loop

def to_numpy(params):
    """The parameters as nested lists of float64 numpy arrays."""
    return jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), params)


def decode_numpy(config, params, z):
    """:func:`decode` in numpy (``params`` from :func:`to_numpy`): pixel logits for codes ``z``."""
    z = np.asarray(z, np.float64)
    if config.latent == "categorical":
        z = z.reshape(z.shape[:-2] + (config.code_size,))
    layers = params["decoder"]
    for w, b in layers[:-1]:
        z = np.maximum(z @ w + b, 0.0)
    w, b = layers[-1]
    return z @ w + b


class RelaxedDecodings(Drawing):
    r"""Slider picture: what a trained categorical VAE's decoder makes of relaxed codes at temperature :math:`\tau`.

    Three rows of images for a few test digits: the digit, the decoder's pixel probabilities
    for the one-hot code :math:`\mathrm{onehot}(\arg\max(\ell + G))`, and for the relaxed code
    :math:`\mathrm{softmax}((\ell + G)/\tau)` with the *same* Gumbel noise :math:`G` (drawn once),
    where :math:`\ell` are the encoder's logits. As :math:`\tau \to 0` the third row becomes the
    second; as :math:`\tau` grows every code tends to the centre of the simplex and every digit
    decodes to the same picture. Decoding is done in numpy (:func:`decode_numpy`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    config : VAEConfig
        A categorical configuration.
    decoder_params : dict
        ``{"decoder": [...]}`` as numpy arrays (:func:`to_numpy`).
    logits : array, shape ``(n, N, K)``
        The encoder's logits for the ``n`` images shown.
    images : array, shape ``(n, n_pixels)``
    image_shape : (int, int)
    rng : None, int or numpy.random.Generator
        The Gumbel noise.
    """

    def __init__(self, fig, *, config, decoder_params, logits, images, image_shape, rng=0):
        super().__init__(fig)
        import matplotlib
        from scipy.special import expit

        if VAEConfig(*config).check().latent != "categorical":
            raise ValueError("config must describe a categorical VAE")
        logits = np.asarray(logits, np.float64)
        images = np.asarray(images, np.float64)
        if logits.ndim != 3 or logits.shape[1:] != (config.n_latent, config.n_categories):
            raise ValueError(f"logits must have shape (n, {config.n_latent}, {config.n_categories}), got {logits.shape}")
        if images.shape != (len(logits), int(np.prod(image_shape))):
            raise ValueError(f"images must have shape ({len(logits)}, {int(np.prod(image_shape))}), got {images.shape}")
        self.config, self.params, self.shape = config, decoder_params, tuple(image_shape)
        self._expit = expit
        self.perturbed = logits + numpy_gumbel(size=logits.shape, rng=rng)  # the noise, drawn once
        hard = (self.perturbed == self.perturbed.max(axis=-1, keepdims=True)).astype(np.float64)
        hard_probs = expit(decode_numpy(config, decoder_params, hard))
        # The pictures are tiles of two images in one axes, with a blank (NaN, transparent) pixel
        # between tiles: the test images and one-hot decodings, drawn once, and the relaxed
        # decodings, the only image an update redraws (resampling costs by the pixel covered).
        h = self.shape[0]
        gap = np.full((1, self._row(images).shape[1]), np.nan)
        fixed = np.vstack([self._row(images), gap, self._row(hard_probs)])
        width = fixed.shape[1]
        ax = fig.add_subplot()
        ax.set_xticks([])
        ax.set_yticks([i * (h + 1) + (h - 1) / 2 for i in range(3)], ["test image", "one-hot code", "relaxed code"],
                      fontsize=9)
        ax.tick_params(length=0)
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        style = dict(cmap=matplotlib.colormaps["gray_r"].with_extremes(bad=(0.0, 0.0, 0.0, 0.0)), vmin=0.0, vmax=1.0,
                     interpolation="nearest")
        ax.imshow(fixed, extent=(-0.5, width - 0.5, 2 * h + 0.5, -0.5), **style)
        self.image = self.changing(ax.imshow(np.full((h, width), np.nan), extent=(-0.5, width - 0.5, 3 * h + 1.5, 2 * h + 1.5),
                                             **style))
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(3 * h + 1.5, -0.5)
        # The numbers apart from their words: text is slow to draw, and only the numbers change.
        top = dict(y=0.985, va="top", fontsize=10, linespacing=1.3)
        fig.text(0.80, s="relaxed codes at τ =\nmean largest coordinate", ha="right", **top)
        self.numbers = self.changing(fig.text(0.81, s=" ", ha="left", **top))
        fig.subplots_adjust(left=0.17, right=0.99, bottom=0.02, top=0.86)
        self.hard_probs = hard_probs

    def _row(self, pictures):
        """``pictures`` (shape ``(n, n_pixels)``) side by side, a blank (NaN) column between two."""
        n, (h, w) = len(pictures), self.shape
        tiles = np.pad(np.reshape(pictures, (n, h, w)), ((0, 0), (0, 0), (0, 1)), constant_values=np.nan)
        return tiles.transpose(1, 0, 2).reshape(h, n * (w + 1))[:, :-1]

    def update(self, value):
        from ._checks import check_tau

        tau = check_tau(value)
        codes = numpy_softmax(self.perturbed, tau=tau, axis=-1)
        probs = self._expit(decode_numpy(self.config, self.params, codes))
        self.image.set_data(self._row(probs))
        largest = codes.max(axis=-1).mean()
        gap = np.abs(probs - self.hard_probs).mean()
        self.numbers.set_text(f"{tau:.3g}\n{largest:.2f}")
        return (f"At temperature {tau:.3g} the relaxed codes have mean largest coordinate {largest:.2f} "
                f"(1 is one-hot, {1 / self.config.n_categories:.2f} the centre of the simplex); their decoded "
                f"pixel probabilities differ from those of the one-hot codes by {gap:.3f} on average.")


def decode_temperature_slider(config, params, images, image_shape, *, tau=(0.05, 20.0), num=31, rng=0, **kwargs):
    """A slider over the temperature of the relaxed codes a trained categorical VAE decodes (:class:`RelaxedDecodings`).

    ``params`` are the trained parameters (JAX or numpy); ``images`` the few images shown, shape
    ``(n, n_pixels)``. The slider keeps numpy copies of the decoder, so its frames are drawn
    without JAX.
    """
    from . import widgets

    config = VAEConfig(*config).check()
    if config.latent != "categorical":
        raise ValueError("config must describe a categorical VAE (its codes are what is relaxed)")
    logits = np.asarray(encode(config, params, jnp.asarray(images, jnp.float32)), np.float64)
    decoder_params = {"decoder": to_numpy(params["decoder"])}
    n = len(logits)
    kwargs.setdefault("figsize", (max(4.0, 0.75 * n + 1.2), 3.0))
    return widgets.Slider(RelaxedDecodings, widgets.log_grid(*tau, num), value=kwargs.pop("value", 1.0),
                          label="τ", fmt="{:.3g}", config=config, decoder_params=decoder_params, logits=logits,
                          images=np.asarray(images), image_shape=tuple(image_shape), rng=rng, **kwargs)


# --- chapter 6: RELAX's learned surrogate ------------------------------------------------------
#
# RELAX (Grathwohl et al., 2018) for d independent Bernoullis b_i ~ Bernoulli(sigmoid(a_i)):
#
#   g = [f(b) - c(z~)] (b - sigmoid(a)) + d/da c(z) - d/da c(z~),
#
# z = a + logit(u) the logistic sample (b = 1[z > 0]), z~ ~ p(z | b) reparametrized by a second
# uniform v, and c_phi a small network trained to minimise the variance E[g^2] (its mean does not
# depend on phi). The noise and the formulas are those of reparam.estimators.relax_bernoulli, which
# takes the trained surrogate through relax_surrogate_numpy and gives the same estimates (float64).
# The surrogate follows the RELAX authors' PyTorch toy (duvenaud/relax, pytorch_toy.py):
# c(z) = MLP(2 sigmoid(z / tau) - 1) with one tanh layer of 10 units and a learned temperature,
# log tau starting at 0.5, Adam with learning rate 0.01 for the logits and the surrogate.


def relax_surrogate_init(d=1, hidden=10, *, rng=None):
    """Parameters of the surrogate c(z) = w2 . tanh(W1 (2 sigmoid(z / tau) - 1) + b1) + b2.

    Weights and biases start uniform on (-1/sqrt(fan_in), 1/sqrt(fan_in)) as PyTorch's Linear
    layers do, drawn with numpy from ``rng`` (None, an int seed or a Generator); ``log_tau``
    starts at 0.5. Returns float32 JAX arrays.
    """
    import numpy as np

    rng = np.random.default_rng(rng)
    s1, s2 = 1.0 / np.sqrt(d), 1.0 / np.sqrt(hidden)
    params = {
        "w1": rng.uniform(-s1, s1, (d, hidden)),
        "b1": rng.uniform(-s1, s1, hidden),
        "w2": rng.uniform(-s2, s2, hidden),
        "b2": rng.uniform(-s2, s2),
        "log_tau": 0.5,
    }
    return {k: jnp.asarray(v, dtype=jnp.float32) for k, v in params.items()}


def relax_surrogate(params, z):
    """c(z) for logistic samples z of shape (..., d); returns shape (...)."""
    s = 2.0 * jax.nn.sigmoid(z / jnp.exp(params["log_tau"])) - 1.0
    return jnp.tanh(s @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]


def relax_noise(logits, u, v):
    """b, z, z~ and dz~/da (at fixed v and b) from uniforms u, v of shape (n, d), as the numpy
    estimators draw them: b = 1[u < sigmoid(a)], z = a - logit(u)."""
    theta, theta_c = jax.nn.sigmoid(logits), jax.nn.sigmoid(-logits)
    b = (u < theta).astype(u.dtype)
    z = logits - jnp.log(u) + jnp.log1p(-u)
    w1 = theta_c + v * theta
    w0 = v * theta_c
    z_tilde = jnp.where(b > 0, logits + jnp.log(w1) - jax.nn.log_sigmoid(logits) - jnp.log1p(-v),
                        logits + jnp.log(v) + jax.nn.log_sigmoid(-logits) - jnp.log1p(-w0))
    dz_tilde = jnp.where(b > 0, v * theta / w1, theta_c * (1.0 - v) / (1.0 - w0))
    return b, z, z_tilde, dz_tilde


def relax_estimates(params, logits, u, v, f):
    """Per-sample RELAX estimates, shape (n, d), for uniforms u, v of shape (n, d) and a
    JAX-traceable f: (n, d) -> (n,)."""
    b, z, z_tilde, dz_tilde = relax_noise(logits, u, v)
    grad_c = jax.vmap(jax.grad(lambda zi: relax_surrogate(params, zi)))
    theta = jax.nn.sigmoid(logits)
    return ((f(b) - relax_surrogate(params, z_tilde))[:, None] * (b - theta)
            + grad_c(z) - grad_c(z_tilde) * dz_tilde)


def _relax_trainer(f, lr):
    """A compiled function (logits, params, u, v, train_logits) -> (logits, params, history,
    estimates), cached per (f, lr): training twice with the same f and shapes compiles once.
    The uniforms come in as arrays (no random number generator inside the compiled loop)."""
    import optax

    if (f, lr) in _TRAINERS:
        return _TRAINERS[(f, lr)]
    opt_logits, opt_params = optax.adam(lr), optax.adam(lr)

    def variance_loss(p, a, u, v):
        return jnp.sum(jnp.mean(relax_estimates(p, a, u, v, f), axis=0) ** 2)

    def step(carry, uv):
        a, p, sa, sp, train_logits = carry
        u, v = uv
        g = jnp.mean(relax_estimates(p, a, u, v, f), axis=0)
        update_p, sp = opt_params.update(jax.grad(variance_loss)(p, a, u, v), sp)
        p = optax.apply_updates(p, update_p)
        update_a, sa = opt_logits.update(g, sa)
        a = a + train_logits * update_a
        return (a, p, sa, sp, train_logits), (carry[0], g)

    @jax.jit
    def run(logits, params, u, v, train_logits):
        state = (logits, params, opt_logits.init(logits), opt_params.init(params), train_logits)
        (a, params, _, _, _), (history, estimates) = jax.lax.scan(step, state, (u, v))
        return a, params, history, estimates

    _TRAINERS[(f, lr)] = run
    return run


_TRAINERS = {}


def train_relax(f, logits, *, steps, lr=0.01, batch=1, train_logits=True, rng=None, hidden=10):
    """Train RELAX's surrogate, and optionally the logits, with Adam (the RELAX paper's Algorithm 1).

    Each step draws ``batch`` estimates at the current logits; the logits (if ``train_logits``)
    descend along their mean, and the surrogate's parameters along the gradient of its square
    (the single-sample variance, whose gradient is that of E[g^2] because E[g] does not depend on
    the surrogate). The surrogate's initial weights and all uniforms are drawn with numpy from
    ``rng``, so they are the same on every machine; the arithmetic is float32 JAX, whose last bits
    may differ between machines and compilers.

    Parameters
    ----------
    f : callable
        JAX-traceable objective to minimise, (n, d) -> (n,).
    logits : array_like, shape (d,)
        Starting logits.
    steps : int
    lr : float
        Adam learning rate of both the logits and the surrogate.
    batch : int
        Estimates per step.
    train_logits : bool
        False keeps the logits fixed and trains only the surrogate.
    rng : None, int or numpy.random.Generator
    hidden : int
        Width of the surrogate's hidden layer.

    Returns
    -------
    dict of numpy arrays
        ``"logits"`` (steps + 1, d): the logits before each step and at the end;
        ``"estimates"`` (steps, d): the mean estimate of each step;
        ``"params"``: the trained surrogate (numpy arrays, for :func:`relax_surrogate_numpy`).
    """
    import numpy as np

    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or logits.size == 0 or not np.isfinite(logits).all():
        raise ValueError(f"logits must be a non-empty 1-D array of finite numbers, got {logits!r}")
    for name, value in (("steps", steps), ("batch", batch), ("hidden", hidden)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    rng = np.random.default_rng(rng)
    d = logits.size
    params = relax_surrogate_init(d, hidden, rng=rng)
    tiny = 1e-6  # float32: keep logit(u) finite
    u, v = (np.clip(rng.random((steps, batch, d)), tiny, 1 - tiny).astype(np.float32) for _ in range(2))
    run = _relax_trainer(f, float(lr))
    a, params, history, estimates = run(jnp.asarray(logits, jnp.float32), params, u, v,
                                        jnp.float32(bool(train_logits)))
    params = {k: np.asarray(x, dtype=np.float64) for k, x in params.items()}
    return {"logits": np.concatenate([np.asarray(history, np.float64), np.asarray(a, np.float64)[None]]),
            "estimates": np.asarray(estimates, np.float64), "params": params}


def relax_surrogate_numpy(params):
    """The surrogate and its gradient as float64 numpy functions ``(c, dc)`` of z (n, d), for
    :func:`reparam.estimators.relax_bernoulli`."""
    import numpy as np
    from scipy.special import expit

    w1, b1, w2 = (np.asarray(params[k], dtype=np.float64) for k in ("w1", "b1", "w2"))
    b2, tau = float(params["b2"]), float(np.exp(params["log_tau"]))

    def hidden(z):
        s = expit(z / tau)
        return s, np.tanh((2.0 * s - 1.0) @ w1 + b1)

    def c(z):
        return hidden(z)[1] @ w2 + b2

    def dc(z):
        s, h = hidden(z)
        return (((1.0 - h * h) * w2) @ w1.T) * (2.0 * s * (1.0 - s) / tau)

    return c, dc
