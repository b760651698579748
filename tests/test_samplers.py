"""Unit and statistical tests of reparam's samplers, softmax and Concrete density.

Every statistical check uses a fixed seed, so the suite is deterministic; the false-alarm rate
stated beside each check is the chance that a correct sampler would fail it for a random seed.
A check at p > 1e-4 (or |z| < 4.4) therefore fails a correct implementation once in 10,000 seeds.
"""
import numpy as np
import pytest
from scipy import integrate, stats

import reparam
from reparam.gumbel import _uniform_to_gumbel

P_MIN = 1e-4  # two-sided false-alarm rate of every goodness-of-fit check below
Z_MAX = 4.42  # |z| bound with the same two-sided false-alarm rate, 1e-5 ... 1e-4
EULER_GAMMA = np.euler_gamma


def chi_square_pvalue(samples, probs):
    """p-value of Pearson's chi-square test of integer samples against category probabilities."""
    counts = np.bincount(samples.ravel(), minlength=len(probs))
    support = probs > 0
    assert counts[~support].sum() == 0, "a category of probability zero was sampled"
    return stats.chisquare(counts[support], counts.sum() * probs[support]).pvalue


# --- Gumbel noise ---------------------------------------------------------------------------------

def test_gumbel_matches_the_gumbel_cdf():
    noise = reparam.gumbel(200_000, rng=1)
    assert stats.kstest(noise, "gumbel_r").pvalue > P_MIN  # false alarm 1e-4


def test_gumbel_mean_and_variance():
    n = 400_000
    noise = reparam.gumbel(n, rng=2)
    variance = np.pi**2 / 6
    # Mean: standard error sqrt(var / n). Variance: the Gumbel's kurtosis is 5.4, so the sample
    # variance has standard error var * sqrt(4.4 / n). Each check: false alarm ~1e-5.
    assert abs(noise.mean() - EULER_GAMMA) < Z_MAX * np.sqrt(variance / n)
    assert abs(noise.var() - variance) < Z_MAX * variance * np.sqrt(4.4 / n)


def test_gumbel_shapes_dtypes_and_seeding():
    assert np.ndim(reparam.gumbel(rng=0)) == 0
    assert reparam.gumbel((2, 3), rng=0).shape == (2, 3)
    assert reparam.gumbel(5, rng=0, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(reparam.gumbel(4, rng=7), reparam.gumbel(4, rng=np.random.default_rng(7)))


def test_a_uniform_of_exactly_zero_gives_finite_noise():
    # Generator.random can return exactly 0.0 (in float32 about once in 17 million draws).
    for dtype in (np.float32, np.float64):
        noise = _uniform_to_gumbel(np.array([0.0, 0.5, np.nextafter(dtype(1), dtype(0))], dtype=dtype))
        assert np.isfinite(noise).all() and noise.dtype == dtype


def test_float32_noise_stays_finite_over_millions_of_draws():
    noise = reparam.gumbel(20_000_000, rng=3, dtype=np.float32)
    assert np.isfinite(noise).all()


# --- Gumbel-max -----------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [2, 5, 20])
def test_gumbel_max_frequencies_match_softmax(k):
    logits = np.random.default_rng(k).normal(scale=1.5, size=k)
    draws = reparam.gumbel_max(logits, size=200_000, rng=10 + k)
    assert draws.shape == (200_000,) and draws.dtype == np.int64
    assert chi_square_pvalue(draws, reparam.softmax(logits)) > P_MIN  # false alarm 1e-4


def test_gumbel_max_samples_a_batch_of_distributions_at_once():
    logits = np.log([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]])
    draws = reparam.gumbel_max(logits, size=60_000, rng=4)
    assert draws.shape == (60_000, 3)
    for row in range(3):  # each: false alarm 1e-4
        assert chi_square_pvalue(draws[:, row], np.exp(logits[row])) > P_MIN


def test_gumbel_max_along_a_non_default_axis():
    logits = np.log([[0.6, 0.1], [0.3, 0.1], [0.1, 0.8]])  # categories along axis 0
    draws = reparam.gumbel_max(logits, size=50_000, axis=0, rng=5)
    assert draws.shape == (50_000, 2)
    for column in range(2):  # each: false alarm 1e-4
        assert chi_square_pvalue(draws[:, column], np.exp(logits[:, column])) > P_MIN


def test_gumbel_max_never_samples_a_minus_inf_logit():
    logits = np.array([0.0, -np.inf, 1.0, -np.inf])
    draws = reparam.gumbel_max(logits, size=100_000, rng=6)
    assert chi_square_pvalue(draws, reparam.softmax(logits)) > P_MIN  # false alarm 1e-4


def test_gumbel_max_is_invariant_to_shifting_the_logits():
    logits = np.array([0.3, -1.2, 0.8, 0.0])
    for shift in (-50.0, 3.0, 1e4):
        np.testing.assert_array_equal(reparam.gumbel_max(logits + shift, size=1000, rng=8),
                                      reparam.gumbel_max(logits, size=1000, rng=8))


def test_gumbel_max_picks_the_argmax_of_gumbel_softmax_with_the_same_seed():
    logits = np.log([0.1, 0.5, 0.15, 0.25])
    soft = reparam.gumbel_softmax(logits, 0.7, size=20_000, rng=9)
    np.testing.assert_array_equal(reparam.gumbel_max(logits, size=20_000, rng=9), soft.argmax(-1))


@pytest.mark.parametrize("k, size, batch", [
    (2, 100_000, ()), (10, 7, ()), (1000, None, ()), (300, 10, ()), (5, (40, 3), (2,)),
    (40_000, 3, ()), (70_000, None, ()), (7, 20_000, (3,)),
])
def test_gumbel_max_reads_the_uniforms_in_the_order_of_the_noise(k, size, batch):
    # The blockwise race draws rng.random((K, *size, *batch)) in stream order, whatever the block
    # shape (one category per block, many, a partial last block, uint16/uint32 ranks, int32
    # indices), so it agrees with the explicit argmax over the same noise (chapter 4 prints this
    # for rng=2) and with the argmax of gumbel_softmax for the same seed.
    logits = np.random.default_rng(k).normal(scale=2.0, size=batch + (k,))
    logits[..., 1] = -np.inf
    sample_shape = () if size is None else ((size,) if np.ndim(size) == 0 else size)
    noise = reparam.gumbel((k,) + sample_shape + batch, rng=23)
    explicit = np.argmax(np.moveaxis(logits, -1, 0).reshape((k,) + (1,) * len(sample_shape) + batch) + noise, axis=0)
    np.testing.assert_array_equal(reparam.gumbel_max(logits, size=size, rng=23), explicit)
    if k <= 1000:
        soft = reparam.gumbel_softmax(logits, 0.5, size=size, rng=23)
        np.testing.assert_array_equal(reparam.gumbel_max(logits, size=size, rng=23), soft.argmax(-1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, size", [(1, 70_000), (2, 150_000), (3, 150_000), (5, 40), (300, 7), (2, (50_000, 3))])
def test_gumbel_max_is_the_argmax_of_the_race_on_the_same_uniforms(k, size, dtype):
    # The race written out in full, with the very arithmetic of the blockwise version, on
    # rng.random((K, *size)): equal index for index, in both precisions (float32 scores share the
    # memory of the int64 result, which a bug in the layout would corrupt).
    logits = np.random.default_rng(k).normal(size=k).astype(dtype)
    uniforms = np.random.default_rng(32).random((k,) + tuple(np.atleast_1d(size)), dtype=dtype)
    weights = np.exp(logits.max() - logits).reshape((k,) + (1,) * (uniforms.ndim - 1))
    scores = np.log(uniforms + np.finfo(dtype).tiny) * weights
    np.testing.assert_array_equal(reparam.gumbel_max(logits, size=size, rng=32), scores.argmax(axis=0))


def test_gumbel_max_of_nothing_has_the_right_shape():
    assert reparam.gumbel_max(np.zeros(3), size=0, rng=0).shape == (0,)
    assert reparam.gumbel_max(np.zeros((0, 3)), size=4, rng=0).shape == (4, 0)


def test_gumbel_max_keeps_float32_logits_as_float32_work():
    draws = reparam.gumbel_max(np.log(np.array([0.5, 0.5], np.float32)), size=10, rng=0)
    assert draws.shape == (10,)


# --- Gumbel-softmax -------------------------------------------------------------------------------

LOGITS = np.log([0.1, 0.2, 0.3, 0.4])


@pytest.mark.parametrize("tau", [1e-4, 0.1, 1.0, 10.0, 1e4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gumbel_softmax_lies_on_the_simplex(tau, dtype):
    sample = reparam.gumbel_softmax(LOGITS.astype(dtype), tau, size=50_000, rng=11)
    assert sample.dtype == dtype and sample.shape == (50_000, 4)
    assert np.isfinite(sample).all() and (sample >= 0).all()
    np.testing.assert_allclose(sample.sum(-1), 1.0, rtol=0, atol=10 * np.finfo(dtype).eps)


@pytest.mark.parametrize("tau", [0.05, 0.5, 5.0])
def test_the_largest_coordinate_follows_softmax_at_every_temperature(tau):
    sample = reparam.gumbel_softmax(LOGITS, tau, size=100_000, rng=12)
    assert chi_square_pvalue(sample.argmax(-1), np.exp(LOGITS)) > P_MIN  # false alarm 1e-4


def test_small_temperature_tends_to_one_hot():
    largest = [reparam.gumbel_softmax(LOGITS, tau, size=20_000, rng=13).max(-1).mean() for tau in (1.0, 0.1, 0.01)]
    assert largest[0] < largest[1] < largest[2]
    assert largest[2] > 0.99


def test_large_temperature_tends_to_the_centre_of_the_simplex():
    # |x_k - 1/K| <= (spread of the perturbed logits) / tau, and that spread is < 60 here.
    for tau in (1e2, 1e4):
        sample = reparam.gumbel_softmax(LOGITS, tau, size=20_000, rng=14)
        assert np.abs(sample - 0.25).max() < 60 / tau


def test_hard_is_the_one_hot_of_the_argmax_of_the_soft_sample():
    logits = np.log([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2]])
    soft = reparam.gumbel_softmax(logits, 0.4, size=(500, 2), rng=15)
    hard = reparam.gumbel_softmax(logits, 0.4, size=(500, 2), hard=True, rng=15)
    assert hard.shape == soft.shape == (500, 2, 2, 3)
    np.testing.assert_array_equal(hard, np.eye(3)[soft.argmax(-1)])


def test_gumbel_softmax_along_a_non_default_axis():
    logits = np.log([[0.6, 0.1], [0.3, 0.1], [0.1, 0.8]])
    sample = reparam.gumbel_softmax(logits, 0.5, size=40_000, axis=0, rng=16)
    assert sample.shape == (40_000, 3, 2)
    np.testing.assert_allclose(sample.sum(axis=1), 1.0, atol=1e-12)
    for column in range(2):  # each: false alarm 1e-4
        assert chi_square_pvalue(sample[:, :, column].argmax(-1), np.exp(logits[:, column])) > P_MIN


def test_gumbel_softmax_gives_a_minus_inf_logit_weight_exactly_zero():
    sample = reparam.gumbel_softmax([0.0, -np.inf, 1.0], 0.3, size=10_000, rng=17)
    assert (sample[:, 1] == 0).all()


@pytest.mark.parametrize("shift", [-30.0, 7.0, 1e4])
def test_gumbel_softmax_is_invariant_to_shifting_the_logits(shift):
    np.testing.assert_allclose(reparam.gumbel_softmax(LOGITS + shift, 0.5, size=1000, rng=18),
                               reparam.gumbel_softmax(LOGITS, 0.5, size=1000, rng=18), rtol=0, atol=1e-9)


def test_log_gumbel_softmax_is_the_log_of_the_sample():
    logits = np.log([0.2, 0.5, 0.3])
    for tau in (1e-3, 0.5, 20.0):
        log_x = reparam.gumbel_softmax(logits, tau, size=5000, log=True, rng=24)
        x = reparam.gumbel_softmax(logits, tau, size=5000, rng=24)
        assert np.isfinite(log_x).all() and (log_x <= 1e-15).all()
        np.testing.assert_allclose(np.exp(log_x), x, rtol=1e-12, atol=1e-300)
        if tau == 1e-3:  # the sample itself has underflowed to zeros; its logarithm has not
            assert (x == 0).mean() > 0.3
    log_x = reparam.gumbel_softmax([0.0, -np.inf, 1.0], 0.3, size=10, log=True, rng=25)
    assert (log_x[:, 1] == -np.inf).all() and np.isfinite(log_x[:, [0, 2]]).all()
    with pytest.raises(ValueError, match="hard=True and log=True"):
        reparam.gumbel_softmax(logits, 0.5, hard=True, log=True)


@pytest.mark.parametrize("logits", [[1e308, -1e308], [-1e308, 1e308, 0.0], [1e308, 1e308 - 1e293],
                                    [1e308, -1e308, 1e308]])
def test_extreme_logits_sample_right_without_warnings(logits):
    # pytest turns every RuntimeWarning into an error (pyproject's filterwarnings).
    logits = np.array(logits)
    probs = reparam.softmax(logits)
    np.testing.assert_array_equal(probs, np.exp(reparam.log_softmax(logits)))
    draws = reparam.gumbel_max(logits, size=20_000, rng=26)
    if probs.max() == 1:
        assert (draws == probs.argmax()).all()
    else:  # two equal largest logits, 50:50
        assert chi_square_pvalue(draws, probs) > P_MIN  # false alarm 1e-4
    soft = reparam.gumbel_softmax(logits, 0.5, size=1000, rng=27)
    assert np.isfinite(soft).all() and np.allclose(soft.sum(-1), 1)
    assert np.isfinite(reparam.gumbel_softmax(logits, 0.5, size=1000, log=True, rng=27)[:, probs.argmax()]).all()
    assert set(reparam.gumbel_topk(logits, 2, size=100, rng=28)[:, 0]) <= set(np.flatnonzero(probs > 0))


def test_logits_too_far_apart_for_float64_stay_right_at_a_huge_temperature():
    # (1e308 - (-1e308)) / 1e308 = 2 is representable although the difference is not.
    logits, tau = np.array([1e308, -1e308]), 1e308
    expected = reparam.softmax([1.0, -1.0])
    np.testing.assert_allclose(reparam.softmax(logits, tau=tau), expected, rtol=1e-12)
    np.testing.assert_allclose(reparam.gumbel_softmax(logits, tau, size=5, rng=29), np.tile(expected, (5, 1)),
                               rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_temperature_so_small_that_its_inverse_overflows_gives_one_hot(dtype):
    logits = np.array([0.3, -0.2, 0.5], dtype)
    for tau in (1e-200, 1e-310):
        x = reparam.gumbel_softmax(logits, tau, size=2000, rng=30)
        assert x.dtype == dtype and set(np.unique(x)) == {0.0, 1.0}
        np.testing.assert_array_equal(x.argmax(-1), reparam.gumbel_max(logits, size=2000, rng=30))
        log_x = reparam.gumbel_softmax(logits, tau, size=2000, log=True, rng=30)
        assert not np.isnan(log_x).any() and ((log_x == 0) == (x == 1)).all()


def test_gumbel_softmax_with_one_category_is_one():
    np.testing.assert_array_equal(reparam.gumbel_softmax([2.0], 0.1, size=5, rng=0), np.ones((5, 1)))


# --- Gumbel-top-k ---------------------------------------------------------------------------------

def test_gumbel_topk_samples_ordered_pairs_without_replacement():
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    pairs = reparam.gumbel_topk(np.log(probs), 2, size=100_000, rng=19)
    assert pairs.shape == (100_000, 2) and (pairs[:, 0] != pairs[:, 1]).all()
    # P(first = i, second = j) = p_i * p_j / (1 - p_i), drawing one at a time without replacement.
    first, second = np.meshgrid(range(4), range(4), indexing="ij")
    exact = np.where(first != second, probs[first] * probs[second] / (1 - probs[first]), 0.0)
    assert chi_square_pvalue(pairs[:, 0] * 4 + pairs[:, 1], exact.ravel()) > P_MIN  # false alarm 1e-4


# --- Concrete density -----------------------------------------------------------------------------

@pytest.mark.parametrize("tau", [0.3, 1.0, 2.5])
def test_concrete_density_integrates_to_one_for_two_categories(tau):
    logits = np.array([0.5, -0.3])
    total, _ = integrate.quad(lambda t: np.exp(reparam.concrete_log_prob([t, 1 - t], logits, tau)), 0, 1, limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)


def test_concrete_density_matches_the_logistic_change_of_variables():
    # For K = 2, x_0 = sigmoid((l_0 - l_1 + L) / tau) with L = G_0 - G_1 ~ Logistic(0, 1), so
    # p(x_0) = f_L(tau * logit(x_0) - (l_0 - l_1)) * tau / (x_0 (1 - x_0)).
    logits, tau = np.array([0.5, -0.3]), 0.7
    x0 = np.linspace(0.01, 0.99, 99)
    expected = stats.logistic.logpdf(tau * np.log(x0 / (1 - x0)) - (logits[0] - logits[1])) + np.log(tau / (x0 * (1 - x0)))
    np.testing.assert_allclose(reparam.concrete_log_prob(np.stack([x0, 1 - x0], -1), logits, tau), expected, rtol=1e-10)


def test_concrete_density_agrees_with_a_histogram_of_samples():
    logits, tau, n = np.array([0.4, -0.2]), 0.6, 200_000
    x0 = reparam.gumbel_softmax(logits, tau, size=n, rng=20)[:, 0]
    edges = np.linspace(0, 1, 41)
    counts, _ = np.histogram(x0, edges)
    expected = np.array([integrate.quad(lambda t: np.exp(reparam.concrete_log_prob([t, 1 - t], logits, tau)), a, b)[0]
                         for a, b in zip(edges[:-1], edges[1:])])
    assert stats.chisquare(counts, n * expected / expected.sum()).pvalue > P_MIN  # false alarm 1e-4


def test_concrete_density_on_three_categories_integrates_to_one():
    # For tau >= 1/2 the density is bounded on the triangle (it vanishes at the edges like
    # x_j^(2 tau - 1)), so tensor-product Gauss-Legendre under the map
    # (u, v) -> (u, (1 - u) v, (1 - u)(1 - v)), Jacobian 1 - u, converges fast.
    logits, tau = np.array([0.2, -0.5, 0.1]), 2.0
    nodes, weights = np.polynomial.legendre.leggauss(120)
    u, v = np.meshgrid((nodes + 1) / 2, (nodes + 1) / 2, indexing="ij")
    x = np.stack([u, (1 - u) * v, (1 - u) * (1 - v)], axis=-1)
    density = np.exp(reparam.concrete_log_prob(x, logits, tau)) * (1 - u)
    assert np.outer(weights, weights).ravel() @ density.ravel() / 4 == pytest.approx(1.0, abs=1e-6)


def test_concrete_density_is_minus_inf_off_the_open_simplex():
    logits = np.zeros(3)
    for x in ([0.5, 0.5, 0.0], [0.6, 0.6, -0.2], [1.0, 0.0, 0.0]):
        assert reparam.concrete_log_prob(x, logits, 1.0) == -np.inf
    assert np.isfinite(reparam.concrete_log_prob([0.2, 0.3, 0.5], logits, 1.0))
    # On the simplex up to rounding: the largest coordinate rounded to 1, the others tiny.
    assert np.isfinite(reparam.concrete_log_prob([1.0, 1e-30, 1e-200], logits, 0.05))
    with pytest.raises(ValueError, match="x must be a point of the simplex"):  # not on the simplex at all
        reparam.concrete_log_prob([0.3, 0.3, 0.3], logits, 1.0)


def test_concrete_density_with_a_minus_inf_logit_lives_on_a_face():
    tau, x = 0.8, np.array([0.3, 0.0, 0.7])
    face = reparam.concrete_log_prob(x, [0.2, -np.inf, -0.1], tau)
    np.testing.assert_allclose(face, reparam.concrete_log_prob(x[[0, 2]], [0.2, -0.1], tau))
    assert reparam.concrete_log_prob([0.3, 0.1, 0.6], [0.2, -np.inf, -0.1], tau) == -np.inf


def test_concrete_density_broadcasts_batches_and_keeps_float32():
    x = reparam.gumbel_softmax(np.zeros(3, np.float32), 0.5, size=(4, 2), rng=21)
    log_p = reparam.concrete_log_prob(x, np.zeros((2, 3), np.float32), 0.5)
    assert log_p.shape == (4, 2) and log_p.dtype == np.float32 and np.isfinite(log_p).all()


# --- Softmax and the Gaussian reparametrization ---------------------------------------------------

def test_softmax_is_stable_shift_invariant_and_tempered():
    logits = np.array([1000.0, 1001.0, -np.inf])
    np.testing.assert_allclose(reparam.softmax(logits), [1 / (1 + np.e), np.e / (1 + np.e), 0.0])
    np.testing.assert_allclose(reparam.softmax(logits - 1000, tau=0.5), reparam.softmax(2 * logits - 2000))
    np.testing.assert_allclose(np.exp(reparam.log_softmax(logits, tau=3.0)), reparam.softmax(logits, tau=3.0))
    np.testing.assert_allclose(reparam.softmax([[0.0, 1.0], [1.0, 0.0]], axis=0).sum(0), 1.0)


def test_normal_rsample_is_mu_plus_sigma_times_eps():
    x, eps = reparam.normal_rsample([0.0, 3.0], 2.0, size=200_000, rng=22)
    assert x.shape == eps.shape == (200_000, 2)
    np.testing.assert_array_equal(x, np.array([0.0, 3.0]) + 2.0 * eps)
    # The standard deviation is sigma, not sigma squared; false alarm ~1e-5 per check.
    assert np.abs(x.mean(0) - [0.0, 3.0]).max() < Z_MAX * 2.0 / np.sqrt(200_000)
    assert np.abs(x.std(0) - 2.0).max() < Z_MAX * 2.0 / np.sqrt(2 * 200_000)
    assert reparam.normal_rsample(np.float32(0), np.float32(1), size=3, rng=0)[0].dtype == np.float32


# --- Bad input: a ValueError that names the argument ----------------------------------------------

@pytest.mark.parametrize("tau", [0, -1.0, np.nan, np.inf, "1", None, True, [1.0]])
def test_bad_tau_is_rejected(tau):
    with pytest.raises(ValueError, match="tau"):
        reparam.gumbel_softmax(LOGITS, tau)
    with pytest.raises(ValueError, match="tau"):
        reparam.concrete_log_prob([0.25] * 4, LOGITS, tau)


@pytest.mark.parametrize("tau", [np.array(0.5), np.float32(0.5), np.float64(0.5), np.int64(2), np.array(2), 0.5, 2])
def test_tau_may_be_any_real_scalar(tau):
    expected = reparam.gumbel_softmax(LOGITS, float(tau), size=3, rng=31)
    np.testing.assert_array_equal(reparam.gumbel_softmax(LOGITS, tau, size=3, rng=31), expected)
    np.testing.assert_array_equal(reparam.softmax(LOGITS, tau=tau), reparam.softmax(LOGITS, tau=float(tau)))
    x = [0.25] * 4
    assert reparam.concrete_log_prob(x, LOGITS, tau) == reparam.concrete_log_prob(x, LOGITS, float(tau))


@pytest.mark.parametrize("tau", [np.array([0.5]), np.array(True), np.array(0.0), np.array(np.nan), np.array("1"),
                                 np.array(1j)])
def test_bad_tau_arrays_are_rejected(tau):
    with pytest.raises(ValueError, match="tau"):
        reparam.gumbel_softmax(LOGITS, tau)


@pytest.mark.parametrize("logits, what", [
    ([0.0, np.nan], "NaN"), ([0.0, np.inf], r"\+inf"), ([-np.inf, -np.inf], "-inf"),
    ([[0.0, 1.0], [-np.inf, -np.inf]], "-inf"), (np.zeros((3, 0)), "empty"), (1.0, "dimension"),
    (["a", "b"], "real"),
])
def test_bad_logits_are_rejected_everywhere(logits, what):
    calls = [lambda: reparam.gumbel_max(logits), lambda: reparam.gumbel_softmax(logits, 1.0),
             lambda: reparam.softmax(logits), lambda: reparam.log_softmax(logits),
             lambda: reparam.gumbel_topk(logits, 1)]
    for call in calls:
        with pytest.raises(ValueError, match=f"logits.*{what}|{what}.*logits|logits"):
            call()


@pytest.mark.parametrize("axis", [2, -3, 1.0])
def test_an_axis_out_of_range_is_rejected(axis):
    logits = np.zeros((2, 3))
    for call in (lambda: reparam.gumbel_max(logits, axis=axis), lambda: reparam.gumbel_softmax(logits, 1.0, axis=axis),
                 lambda: reparam.softmax(logits, axis=axis), lambda: reparam.concrete_log_prob(logits, logits, 1.0, axis=axis)):
        with pytest.raises(ValueError, match="axis"):
            call()


def test_other_bad_arguments_are_named():
    with pytest.raises(ValueError, match="sigma"):
        reparam.normal_rsample(0.0, -1.0)
    with pytest.raises(ValueError, match="mu"):
        reparam.normal_rsample(np.nan, 1.0)
    with pytest.raises(ValueError, match="size"):
        reparam.gumbel_max(LOGITS, size=-1)
    with pytest.raises(ValueError, match="size"):
        reparam.gumbel(size=(2.5,))
    with pytest.raises(ValueError, match="dtype"):
        reparam.gumbel(3, dtype=np.int64)
    with pytest.raises(ValueError, match="k must"):
        reparam.gumbel_topk([0.0, -np.inf, 1.0], 3)
    with pytest.raises(ValueError, match="x"):
        reparam.concrete_log_prob([0.5, np.nan], [0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="categories"):
        reparam.concrete_log_prob([0.5, 0.5], [0.0, 0.0, 0.0], 1.0)
