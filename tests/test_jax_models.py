"""Tests of the VAEs of chapter 7 (reparam.jax_models) and of scripts/train_vae.py.

* The JAX Gumbel-softmax equals reparam.gumbel_softmax on the same uniforms, and the JAX
  score-function and leave-one-out estimators equal reparam.estimators' on the same draws.
* On a VAE small enough to enumerate its K**N latent codes, the model's ELBO and bounds equal
  direct computations, and the score-function and RLOO gradient estimates of every parameter
  are unbiased for the exact gradient of the ELBO (computed by enumeration and autodiff).

Statistical checks use fixed seeds and compare a mean of n estimates with its target within
Z = 5 standard errors (the standard error from the estimates' own spread): the two-sided
false-alarm rate of one component under the CLT is 2 * (1 - Phi(5)) ~ 5.7e-7, about 1e-4 for all
the components checked here together (Bonferroni), and with fixed seeds the outcome is
deterministic anyway.
"""
import itertools
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import expit, logsumexp

import reparam
from reparam import estimators, jax_models, widgets

ROOT = Path(__file__).resolve().parent.parent
Z = 5.0

TINY_CAT = jax_models.VAEConfig("categorical", n_latent=2, n_categories=3, n_pixels=4, hidden=(5,))
TINY_GAUSS = jax_models.VAEConfig("gaussian", n_latent=2, n_pixels=4, hidden=(5,))
X_TINY = np.array([[1, 0, 1, 1], [0, 0, 1, 0]], np.float32)


def assert_unbiased(samples, expected, z=Z):
    samples = np.asarray(samples, np.float64)
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    error = np.abs(mean - np.asarray(expected))
    assert np.all(error <= z * se + 1e-9), f"largest |error| / se: {np.max(error / (se + 1e-30)):.2f}"


def flat(tree):
    return np.concatenate([np.ravel(np.asarray(leaf, np.float64)) for leaf in jax.tree_util.tree_leaves(tree)])


# --------------------------------------------------------------------------- Gumbel-softmax

@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
@pytest.mark.parametrize("tau", [0.1, 0.5, 3.0])
def test_gumbel_softmax_matches_numpy_on_the_same_uniforms(batch, tau):
    k, n, seed = 4, 7, 11
    logits = np.random.default_rng(1).normal(size=batch + (k,))
    expected = reparam.gumbel_softmax(logits, tau, size=n, rng=seed)  # (n, *batch, k)
    uniforms = np.moveaxis(np.random.default_rng(seed).random((k, n) + batch), 0, -1)  # numpy's draw order
    broadcast = np.broadcast_to(logits, (n,) + logits.shape)
    with jax.enable_x64(True):
        got = np.asarray(jax_models.gumbel_softmax(broadcast, tau, uniforms=uniforms))
        hard = np.asarray(jax_models.gumbel_softmax(broadcast, tau, uniforms=uniforms, hard=True))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(hard, reparam.gumbel_softmax(logits, tau, size=n, hard=True, rng=seed))
    # the default float32 computation agrees to float32 precision
    got32 = np.asarray(jax_models.gumbel_softmax(broadcast.astype(np.float32), tau, uniforms=uniforms.astype(np.float32)))
    np.testing.assert_allclose(got32, expected, atol=2e-5)


def test_gumbel_softmax_straight_through_gradient_is_the_soft_one():
    logits = jnp.asarray([0.3, -0.2, 1.0])
    u = jnp.asarray([0.2, 0.7, 0.4])
    c = jnp.asarray([1.0, -2.0, 0.5])
    soft = jax.grad(lambda l: jax_models.gumbel_softmax(l, 0.7, uniforms=u) @ c)(logits)
    st = jax.grad(lambda l: jax_models.gumbel_softmax(l, 0.7, uniforms=u, hard=True) @ c)(logits)
    np.testing.assert_allclose(st, soft, rtol=1e-6)
    value = jax_models.gumbel_softmax(logits, 0.7, uniforms=u, hard=True)
    assert sorted(np.asarray(value).tolist()) == [0.0, 0.0, 1.0]


def test_gumbel_softmax_from_a_key_and_bad_input():
    x = jax_models.gumbel_softmax(jnp.zeros((5, 3)), 1.0, key=jax.random.key(0))
    np.testing.assert_allclose(np.asarray(x).sum(axis=-1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="exactly one of key"):
        jax_models.gumbel_softmax(jnp.zeros(3), 1.0)
    with pytest.raises(ValueError, match="uniforms must have the shape"):
        jax_models.gumbel_softmax(jnp.zeros(3), 1.0, uniforms=np.full(4, 0.5))
    with pytest.raises(ValueError, match="tau"):
        jax_models.gumbel_softmax(jnp.zeros(3), 0.0, uniforms=np.full(3, 0.5))
    # a uniform of exactly 0 gives finite noise
    assert np.isfinite(np.asarray(jax_models.uniform_to_gumbel(np.zeros(2, np.float32)))).all()


# --------------------------------------------------------------------------- estimators vs numpy

def _categorical_estimates(logits, c, uniforms, baseline):
    """Per-estimate JAX gradients w.r.t. the logits of E[<c, onehot(z)>] with the module's pieces.

    ``uniforms`` (m, n, K): m estimates of n draws; ``baseline`` None means leave-one-out.
    """
    def estimate(u):
        def surrogate(l):
            z = jax.lax.stop_gradient(jax_models.one_hot_argmax(l + jax_models.uniform_to_gumbel(u)))
            f = z @ c
            b = jax_models.leave_one_out_baseline(f) if baseline is None else baseline
            log_q = jnp.sum(z * jax.nn.log_softmax(l), axis=-1)
            return jnp.mean(jax_models.score_function_surrogate(f, log_q, b))
        return jax.grad(surrogate)(l_jax)
    l_jax = jnp.asarray(logits)
    return np.asarray(jax.vmap(estimate)(jnp.asarray(uniforms)))


def test_score_function_equals_numpy_estimator():
    logits, c, n, seed, b = np.log([0.2, 0.5, 0.3]), np.array([1.0, -2.0, 0.5]), 50, 3, 0.25
    expected = estimators.score_function_categorical(lambda onehot: onehot @ c, logits, size=n, baseline=b, rng=seed)
    u = np.moveaxis(np.random.default_rng(seed).random((3, n)), 0, -1)[:, None, :]  # (n estimates, 1 draw, K)
    with jax.enable_x64(True):
        got = _categorical_estimates(logits, c, u, b)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_leave_one_out_equals_numpy_rloo():
    logits, c, m, n, seed = np.log([0.2, 0.5, 0.3]), np.array([1.0, -2.0, 0.5]), 40, 4, 5
    expected = estimators.rloo_categorical(lambda onehot: onehot @ c, logits, n=n, size=m, rng=seed)
    u = np.moveaxis(np.random.default_rng(seed).random((3, m, n)), 0, -1)  # (m, n, K), numpy's order
    with jax.enable_x64(True):
        got = _categorical_estimates(logits, c, u, None)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- the tiny VAE, enumerated

def all_codes(config):
    """Every one-hot code of N variables with K categories, shape (K**N, N, K)."""
    eye = np.eye(config.n_categories)
    return np.array([eye[list(idx)] for idx in itertools.product(range(config.n_categories),
                                                                   repeat=config.n_latent)])


def exact_terms(config, params, x):
    """log p(x|z), log q(z|x) for every code z and image x: arrays (K**N, B)."""
    codes = jnp.asarray(all_codes(config), jnp.float32)
    log_lik = jax_models.bernoulli_log_likelihood(jax_models.decode(config, params, codes)[:, None, :], x)
    log_q_all = jax.nn.log_softmax(jax_models.encode(config, params, x), axis=-1)  # (B, N, K)
    log_q = jnp.einsum("cnk,bnk->cb", codes, log_q_all)
    return log_lik, log_q


def exact_elbo(config, params, x):
    log_lik, log_q = exact_terms(config, params, x)
    log_prior = -config.n_latent * jnp.log(config.n_categories)
    return jnp.sum(jnp.exp(log_q) * (log_lik + log_prior - log_q), axis=0)  # (B,)


# jitted once each: eager JAX would compile every operation anew for every new shape
exact_gradient = jax.jit(lambda config, params, x: jax.grad(lambda p: exact_elbo(config, p, x).mean())(params),
                         static_argnums=0)
iw_bound = jax.jit(jax_models.importance_weighted_bound, static_argnums=0)
log_likelihoods = jax.jit(jax_models.log_likelihood_samples, static_argnums=0)
surrogate = jax.jit(jax_models.surrogate_objective, static_argnums=0, static_argnames="estimator")


@pytest.fixture(scope="module")
def tiny_params():
    return jax_models.init_vae(TINY_CAT, rng=4)


def test_kl_and_log_likelihood_closed_forms(tiny_params):
    logits = np.asarray(jax_models.encode(TINY_CAT, tiny_params, X_TINY), np.float64)
    q = np.exp(logits - logsumexp(logits, axis=-1, keepdims=True))
    kl_direct = np.sum(q * np.log(q / (1 / 3)), axis=(1, 2))
    np.testing.assert_allclose(jax_models.kl_to_prior(TINY_CAT, jnp.asarray(logits)), kl_direct, rtol=1e-5)
    mu, log_sigma = np.array([[0.5, -1.0]]), np.array([[0.2, -0.3]])
    s2 = np.exp(2 * log_sigma)
    kl_gauss = 0.5 * np.sum(mu ** 2 + s2 - 1 - np.log(s2))
    np.testing.assert_allclose(jax_models.kl_to_prior(TINY_GAUSS, (mu, log_sigma)), [kl_gauss], rtol=1e-6)
    eta = np.array([[-1.0, 0.5, 2.0, 0.0]])
    p = expit(eta)
    direct = np.sum(X_TINY[:1] * np.log(p) + (1 - X_TINY[:1]) * np.log(1 - p))
    np.testing.assert_allclose(jax_models.bernoulli_log_likelihood(eta, X_TINY[:1]), [direct], rtol=1e-6)


def test_elbo_equals_enumeration(tiny_params):
    exact = np.asarray(exact_elbo(TINY_CAT, tiny_params, X_TINY), np.float64)
    # the same ELBO with the closed-form KL: sum_z q log p(x|z) - KL
    log_lik, log_q = exact_terms(TINY_CAT, tiny_params, X_TINY)
    kl = jax_models.kl_to_prior(TINY_CAT, jax_models.encode(TINY_CAT, tiny_params, X_TINY))
    np.testing.assert_allclose(np.sum(np.exp(log_q) * log_lik, axis=0) - kl, exact, rtol=1e-5)
    # Monte Carlo: the model's per-sample log-likelihoods, averaged over many exact samples
    noise = jax_models.sample_noise(TINY_CAT, (40_000, 2), rng=0)
    f, kl = log_likelihoods(TINY_CAT, tiny_params, X_TINY, noise)
    f = np.asarray(f, np.float64)
    assert_unbiased(f - np.asarray(kl), exact)
    # evaluate() reports the mean of these ELBOs over the images
    ev = jax_models.evaluate(TINY_CAT, tiny_params, X_TINY, rng=1, elbo_samples=20_000, iw_samples=10)
    assert abs(ev.elbo - exact.mean()) < Z * ev.elbo_se


def test_surrogate_value_is_the_elbo_estimate(tiny_params):
    noise = jax_models.sample_noise(TINY_CAT, (3, 2), rng=2)
    f, kl = log_likelihoods(TINY_CAT, tiny_params, X_TINY, noise)
    direct = np.asarray(f).mean(axis=0) - np.asarray(kl)
    for estimator in jax_models.ESTIMATORS["categorical"]:
        value, elbo, f_mean = surrogate(TINY_CAT, tiny_params, X_TINY, noise, estimator=estimator, tau=0.5,
                                        baseline=-3.0)
        np.testing.assert_allclose(elbo, direct, rtol=1e-5)  # always evaluated with one-hot samples
        np.testing.assert_allclose(f_mean, np.asarray(f).mean(), rtol=1e-5)
        if estimator != "gs":  # a surrogate's value is the ELBO estimate itself, except the relaxed one
            np.testing.assert_allclose(value, direct, rtol=1e-5)


def test_importance_weighted_bound(tiny_params):
    log_lik, log_q = exact_terms(TINY_CAT, tiny_params, X_TINY)
    log_prior = -TINY_CAT.n_latent * np.log(TINY_CAT.n_categories)
    log_px = np.asarray(logsumexp(np.asarray(log_lik, np.float64) + log_prior, axis=0))
    elbo = np.asarray(exact_elbo(TINY_CAT, tiny_params, X_TINY), np.float64)
    assert np.all(elbo < log_px)
    # Jensen, for every draw: log mean w >= mean log w on the same samples
    noise = jax_models.sample_noise(TINY_CAT, (8, 2), rng=3)
    iw = np.asarray(iw_bound(TINY_CAT, tiny_params, X_TINY, noise))
    encoded = jax_models.encode(TINY_CAT, tiny_params, X_TINY)
    z = jax_models.one_hot_argmax(encoded + jax_models.uniform_to_gumbel(noise))
    f = jax_models.bernoulli_log_likelihood(jax_models.decode(TINY_CAT, tiny_params, z), X_TINY)
    log_w = f + log_prior - jnp.sum(z * jax.nn.log_softmax(encoded, axis=-1), axis=(-2, -1))
    assert np.all(iw >= np.asarray(log_w).mean(axis=0) - 1e-5)
    # in expectation: ELBO <= E[IW_S] <= log p(x); S = 1 gives the ELBO; S large approaches log p(x)
    def draws(s, repeats, seed):
        """``repeats`` independent draws of the S-sample bound for both images, shape (repeats, 2)."""
        x = np.tile(X_TINY, (repeats, 1))
        noise = jax_models.sample_noise(TINY_CAT, (s, len(x)), rng=seed)
        return np.asarray(iw_bound(TINY_CAT, tiny_params, x, noise)).reshape(repeats, 2)

    assert_unbiased(draws(1, 20_000, 4), elbo)
    ten = draws(10, 5000, 5)
    se = ten.std(axis=0, ddof=1) / np.sqrt(len(ten))
    assert np.all(ten.mean(axis=0) > elbo + Z * se) and np.all(ten.mean(axis=0) < log_px)
    np.testing.assert_allclose(draws(20_000, 1, 6)[0], log_px, atol=0.01)


# --------------------------------------------------------------------------- unbiased gradients

def _gradient_draws(config, params, x, estimator, n_draws, n_samples, rng):
    noise = jax_models.sample_noise(config, (n_draws, n_samples, x.shape[0]), rng=rng)

    def one(noise_one):
        objective = lambda p: jax_models.surrogate_objective(config, p, x, noise_one, estimator=estimator,
                                                             tau=0.5, baseline=-2.0)[0].mean()
        grad = jax.grad(objective)(params)
        return jnp.concatenate([jnp.ravel(leaf) for leaf in jax.tree_util.tree_leaves(grad)])

    return np.asarray(jax.jit(jax.vmap(one))(noise), np.float64)


@pytest.mark.parametrize("estimator, n_samples", [("sf", 1), ("rloo", 3)])
def test_score_function_gradients_are_unbiased(tiny_params, estimator, n_samples):
    exact = flat(exact_gradient(TINY_CAT, tiny_params, X_TINY))
    with jax.enable_x64(True):
        params64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), tiny_params)
        draws = _gradient_draws(TINY_CAT, params64, jnp.asarray(X_TINY, jnp.float64), estimator, 20_000,
                                n_samples, rng=7)
    assert_unbiased(draws, exact)


def test_relaxed_gradient_is_biased_and_straight_through_too(tiny_params):
    """The relaxed estimators are biased: their means miss the exact gradient by many standard errors."""
    exact = flat(exact_gradient(TINY_CAT, tiny_params, X_TINY))
    for estimator in ("gs", "st"):
        draws = _gradient_draws(TINY_CAT, tiny_params, jnp.asarray(X_TINY), estimator, 20_000, 1, rng=8)
        se = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
        assert np.max(np.abs(draws.mean(axis=0) - exact) / (se + 1e-12)) > 4 * Z


def test_gaussian_pathwise_and_score_function_agree(tiny_params):
    """Both are unbiased for the same gradient: their means agree within the combined standard error."""
    params = jax_models.init_vae(TINY_GAUSS, rng=5)
    with jax.enable_x64(True):
        params64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), params)
        x = jnp.asarray(X_TINY, jnp.float64)
        pathwise = _gradient_draws(TINY_GAUSS, params64, x, "pathwise", 20_000, 1, rng=9)
        score = _gradient_draws(TINY_GAUSS, params64, x, "rloo", 20_000, 4, rng=10)
    se = np.sqrt(pathwise.var(axis=0, ddof=1) / len(pathwise) + score.var(axis=0, ddof=1) / len(score))
    assert np.all(np.abs(pathwise.mean(axis=0) - score.mean(axis=0)) <= Z * se + 1e-9)
    assert pathwise.var(axis=0).sum() < score.var(axis=0).sum()  # and the pathwise one is less noisy


# --------------------------------------------------------------------------- training, numpy mirror, slider

def test_decode_numpy_matches_jax(tiny_params):
    codes = jnp.asarray(all_codes(TINY_CAT), jnp.float32)
    np.testing.assert_allclose(jax_models.decode_numpy(TINY_CAT, jax_models.to_numpy(tiny_params), codes),
                               jax_models.decode(TINY_CAT, tiny_params, codes), rtol=1e-5, atol=1e-5)


def test_jang_temperature():
    taus = jax_models.jang_temperature(3000, rate=5e-4, every=60)
    t = np.arange(3000) // 60 * 60
    np.testing.assert_allclose(taus, np.maximum(0.5, np.exp(-5e-4 * t)), rtol=1e-6)
    assert taus[0] == 1.0 and taus[-1] == 0.5 and np.all(np.diff(taus) <= 0)


@pytest.fixture(scope="module")
def digits():
    from reparam.data import load_digits_binarized
    return load_digits_binarized()


SMALL = jax_models.VAEConfig("categorical", n_latent=3, n_categories=4, hidden=(16,))


def test_training_is_seeded_and_improves(digits):
    kwargs = dict(estimator="st", steps=200, rng=0, tau=0.7, batch_size=50, x_test=digits.x_test[:50],
                  eval_every=100, checkpoints=(0, 150))
    a = jax_models.train(SMALL, digits.x_train, **kwargs)
    b = jax_models.train(SMALL, digits.x_train, **kwargs)
    np.testing.assert_array_equal(flat(a.params), flat(b.params))  # same seed, same machine: same bits
    assert list(a.history["eval_step"]) == [100, 200] and sorted(a.checkpoints) == [0, 150]
    assert a.history["train_elbo"].shape == (200,)
    start = jax_models.evaluate(SMALL, a.checkpoints[0], digits.x_test[:50], elbo_samples=50, iw_samples=50)
    end = jax_models.evaluate(SMALL, a.params, digits.x_test[:50], elbo_samples=50, iw_samples=50)
    assert end.elbo > start.elbo + 5 and end.iw_bound >= end.elbo - 3 * end.elbo_se


@pytest.mark.parametrize("kwargs, message", [
    (dict(estimator="pathwise"), "estimator must be one of"),
    (dict(estimator="rloo", n_samples=1), "n_samples must be >= 2"),
    (dict(estimator="sf", steps=0), "steps must be"),
    (dict(estimator="gs", tau=-1.0), "tau must be"),
    (dict(estimator="gs", tau=np.ones(3)), "tau must be"),
    (dict(estimator="sf", checkpoints=(11,)), "checkpoints"),
    (dict(estimator="sf", batch_size=10_000), "batch_size"),
])
def test_train_bad_arguments(digits, kwargs, message):
    kwargs = {"steps": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        jax_models.train(SMALL, digits.x_train, **kwargs)


def test_evaluate_bad_arguments(digits):
    params = jax_models.init_vae(SMALL, rng=0)
    with pytest.raises(ValueError, match="elbo_samples"):
        jax_models.evaluate(SMALL, params, digits.x_test[:5], elbo_samples=1)
    with pytest.raises(ValueError, match="x must have shape"):
        jax_models.evaluate(SMALL, params, digits.x_test[:5, :10])
    with pytest.raises(ValueError, match="x must have 64 pixels"):
        jax_models.encode(SMALL, params, np.zeros((2, 10)))
    with pytest.raises(ValueError, match="z must end in the latent shape"):
        jax_models.decode(SMALL, params, np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match="at least 2 samples"):
        jax_models.leave_one_out_baseline(np.zeros((1, 3)))


def test_bad_config():
    with pytest.raises(ValueError, match="latent"):
        jax_models.init_vae(jax_models.VAEConfig("bernoulli"))
    with pytest.raises(ValueError, match="n_latent"):
        jax_models.init_vae(jax_models.VAEConfig("categorical", n_latent=0))
    with pytest.raises(ValueError, match="x_train must have shape"):
        jax_models.train(SMALL, np.zeros((10, 5)), estimator="sf", steps=1)


def test_encoder_gradient_samples_shape_and_spread(digits):
    params = jax_models.init_vae(SMALL, rng=0)
    x = digits.x_test[:20]
    n_encoder = sum(w.size + b.size for w, b in params["encoder"])
    sf = jax_models.encoder_gradient_samples(SMALL, params, x, estimator="sf", n_repeats=64, rng=0, baseline=-20.0)
    gs = jax_models.encoder_gradient_samples(SMALL, params, x, estimator="gs", n_repeats=64, rng=0, tau=1.0)
    assert sf.shape == gs.shape == (64, n_encoder)
    assert gs.var(axis=0).sum() < sf.var(axis=0).sum()


def test_decode_temperature_slider(digits):
    params = jax_models.init_vae(SMALL, rng=1)
    slider = jax_models.decode_temperature_slider(SMALL, params, digits.x_test[:4], (8, 8), num=9)
    assert len(slider.values) == 9
    for value in (slider.values[0], slider.values[-1], slider.values[0], slider.values[4]):
        assert widgets.pixel_mismatch(slider.rgb(value), slider.fresh_rgb(value)) < 0.001
    alt = slider.figure(1.0)  # a plain matplotlib figure
    assert alt is not None
    with pytest.raises(ValueError, match="categorical"):
        jax_models.decode_temperature_slider(jax_models.VAEConfig("gaussian", n_latent=2),
                                             jax_models.init_vae(jax_models.VAEConfig("gaussian", n_latent=2)),
                                             digits.x_test[:2], (8, 8))


# --------------------------------------------------------------------------- the script

def test_script_help():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_vae.py"), "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--mnist-dir" in result.stdout and "--estimator" in result.stdout


def test_script_tiny_run(tmp_path, capsys):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import train_vae
    finally:
        sys.path.pop(0)
    out = tmp_path / "runs.npz"
    # the model and sizes of test_training_is_seeded_and_improves, so that the compiled programs are reused
    rows = train_vae.main(["--estimator", "sf", "gs", "--steps", "5", "--n-latent", "3", "--n-categories", "4",
                           "--hidden", "16", "--batch-size", "50", "--eval-samples", "50", "--iw-samples", "50",
                           "--test-limit", "50", "--eval-every", "5", "--no-progress", "--out", str(out)])
    assert [r[0] for r in rows] == ["sf", "gs tau=anneal"]
    assert all(np.isfinite(r[2]) and np.isfinite(r[4]) for r in rows)
    saved = np.load(out)
    assert saved["sf_seed=0/train_elbo"].shape == (5,)
    assert "test -ELBO" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        train_vae.parse_args(["--data", "mnist"])  # MNIST needs a directory: nothing is downloaded
