"""Tests of the estimators of chapter 6's lab: unbiasedness against exact gradients, exact identities,
common random numbers, bad input.

Statistical checks use fixed seeds. "Unbiased" means: the sample mean of n per-sample estimates is
within Z = 5 standard errors of the exact gradient, each component, the standard error taken from
the samples' own standard deviation. Under the CLT the two-sided false-alarm rate of one such check
is 2 * (1 - Phi(5)) = 5.7e-7 per component; this file makes about 400 component checks, so the
chance that a correct estimator fails any of them with fresh seeds is below 3e-4. With the fixed
seeds the outcome is deterministic; the rate says how unlucky a seed would have to be.
"""
import itertools

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import expit

import reparam
from reparam import estimators as E

from unbiased import N, Z, assert_unbiased


# --------------------------------------------------------------------------- Bernoulli problems

def toy(t):
    """The REBAR / RELAX toy f(b) = (b - t)^2 (one Bernoulli), with its derivative."""
    return (lambda b: (b[:, 0] - t) ** 2), (lambda b: 2 * (b - t))


P0 = np.array([0.6, 0.51, 0.48])  # Kool et al. (2020): f(b) = sum_i (b_i - p0_i)^2


def kool(b):
    return np.sum((b - P0) ** 2, axis=1)


def kool_grad(b):
    return 2 * (b - P0)


W4 = np.array([[0.0, 1.5, -0.7, 0.2], [1.5, 0.0, 0.4, -1.0], [-0.7, 0.4, 0.0, 0.8], [0.2, -1.0, 0.8, 0.0]])
C4 = np.array([0.3, -1.2, 0.5, 2.0])


def interact(b):
    """A nonlinear f with interactions between the coordinates (d = 4)."""
    return np.sin(b @ C4) + 0.5 * np.einsum("nj,jk,nk->n", b, W4, b)


def interact_grad(b):
    return np.cos(b @ C4)[:, None] * C4 + b @ W4


BERNOULLI_CASES = {
    "toy t=0.45 at a=0": (toy(0.45)[0], toy(0.45)[1], np.array([0.0])),
    "toy t=0.499 at a=1.2": (toy(0.499)[0], toy(0.499)[1], np.array([1.2])),
    "kool d=3": (kool, kool_grad, np.array([0.0, 0.3, -0.4])),
    "kool d=3 extreme": (kool, kool_grad, np.array([-4.0, 3.0, 0.5])),
    "interactions d=4": (interact, interact_grad, np.array([0.5, -1.0, 0.2, 1.5])),
}


def test_exact_bernoulli_matches_finite_differences_and_a_second_formula():
    for name, (f, _, logits) in BERNOULLI_CASES.items():
        d = logits.size
        outcomes = np.array(list(itertools.product([0.0, 1.0], repeat=d)))
        values = f(outcomes)

        def expectation(a):
            theta = expit(a)
            return np.prod(np.where(outcomes == 1, theta, 1 - theta), axis=1) @ values

        h = 1e-6
        fd = np.array([(expectation(logits + h * e) - expectation(logits - h * e)) / (2 * h) for e in np.eye(d)])
        grad = E.exact_bernoulli(f, logits)
        assert grad.shape == (d,) and grad.dtype == np.float64
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9, err_msg=name)


def test_exact_bernoulli_toy_is_theta_one_minus_theta_times_one_minus_2t():
    for t in (0.45, 0.499):
        for a in (-2.0, 0.0, 0.7):
            theta = expit(a)
            np.testing.assert_allclose(E.exact_bernoulli(toy(t)[0], [a]), [theta * (1 - theta) * (1 - 2 * t)],
                                       rtol=1e-12)


@pytest.mark.parametrize("case", list(BERNOULLI_CASES))
def test_score_function_bernoulli_unbiased(case):
    f, _, logits = BERNOULLI_CASES[case]
    est = E.score_function_bernoulli(f, logits, size=N, rng=1)
    assert est.shape == (N, logits.size) and est.dtype == np.float64
    assert_unbiased(est, E.exact_bernoulli(f, logits))
    assert_unbiased(E.score_function_bernoulli(f, logits, size=N, rng=2, baseline=0.7), E.exact_bernoulli(f, logits))


@pytest.mark.parametrize("case", list(BERNOULLI_CASES))
def test_disarm_bernoulli_unbiased(case):
    f, _, logits = BERNOULLI_CASES[case]
    est = E.disarm_bernoulli(f, logits, size=N, rng=3)
    assert est.shape == (N, logits.size) and est.dtype == np.float64
    assert_unbiased(est, E.exact_bernoulli(f, logits))


@pytest.mark.parametrize("tau, eta", [(0.5, 1.0), (0.1, 1.0), (2.0, 1.0), (0.5, 0.0), (0.5, -0.7), (1.0, 2.5)])
@pytest.mark.parametrize("case", list(BERNOULLI_CASES))
def test_rebar_bernoulli_unbiased_for_every_tau_and_eta(case, tau, eta):
    f, df, logits = BERNOULLI_CASES[case]
    est = E.rebar_bernoulli(f, df, logits, tau=tau, eta=eta, size=N, rng=4)
    assert est.shape == (N, logits.size) and est.dtype == np.float64
    assert_unbiased(est, E.exact_bernoulli(f, logits))


SURROGATES = {
    # c(z) with z of shape (n, d), and its gradient: deliberately unrelated to f
    "sin": (lambda z: np.sin(z).sum(axis=1) + 0.3 * z[:, 0] ** 2,
            lambda z: np.cos(z) + np.where(np.arange(z.shape[1]) == 0, 0.6 * z[:, :1], 0.0)),
    "tanh net": (lambda z: np.tanh(0.8 * z - 0.2).sum(axis=1) * 1.7,
                 lambda z: 1.7 * 0.8 / np.cosh(0.8 * z - 0.2) ** 2),
}


@pytest.mark.parametrize("surrogate", list(SURROGATES))
@pytest.mark.parametrize("case", list(BERNOULLI_CASES))
def test_relax_bernoulli_unbiased_for_any_surrogate(case, surrogate):
    f, _, logits = BERNOULLI_CASES[case]
    c, dc = SURROGATES[surrogate]
    est = E.relax_bernoulli(f, c, dc, logits, size=N, rng=5)
    assert est.shape == (N, logits.size)
    assert_unbiased(est, E.exact_bernoulli(f, logits))


def test_rebar_is_relax_with_the_concrete_surrogate_and_eta_zero_is_the_score_function():
    f, df, logits = BERNOULLI_CASES["kool d=3"]
    tau, eta = 0.4, 0.8

    def c(z):
        return eta * f(expit(z / tau))

    def dc(z):
        s = expit(z / tau)
        return eta * df(s) * s * (1 - s) / tau

    np.testing.assert_allclose(E.rebar_bernoulli(f, df, logits, tau=tau, eta=eta, size=500, rng=6),
                               E.relax_bernoulli(f, c, dc, logits, size=500, rng=6), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(E.rebar_bernoulli(f, df, logits, tau=tau, eta=0.0, size=500, rng=7),
                               E.score_function_bernoulli(f, logits, size=500, rng=7), rtol=1e-12, atol=1e-15)


def test_bernoulli_estimators_share_b_for_the_same_seed():
    """Common random numbers: the same seed gives the same b to every Bernoulli estimator."""
    logits = np.array([0.3, -1.0, 2.0])
    seen = {}

    def recorder(key):
        def f(b):
            seen.setdefault(key, b.copy())
            return b.sum(axis=1)
        return f

    E.score_function_bernoulli(recorder("sf"), logits, size=200, rng=8)
    E.disarm_bernoulli(recorder("disarm"), logits, size=200, rng=8)
    E.rebar_bernoulli(recorder("rebar"), lambda b: np.ones_like(b), logits, tau=0.5, size=200, rng=8)
    E.relax_bernoulli(recorder("relax"), lambda z: z.sum(axis=1), np.ones_like, logits, size=200, rng=8)
    for key in ("disarm", "rebar", "relax"):
        np.testing.assert_array_equal(seen[key][:200], seen["sf"], err_msg=key)
    assert set(np.unique(seen["sf"])) <= {0.0, 1.0}


def test_bernoulli_frequencies_and_reproducibility():
    logits = np.array([-1.5, 0.0, 2.0])
    seen = {}

    def f(b):
        seen["b"] = b.copy()
        return b[:, 0]

    E.score_function_bernoulli(f, logits, size=N, rng=9)
    freq = seen["b"].mean(axis=0)
    theta = expit(logits)
    se = np.sqrt(theta * (1 - theta) / N)
    assert np.all(np.abs(freq - theta) < Z * se)
    for fn in (lambda r: E.score_function_bernoulli(kool, [0.1, 0.2, 0.3], size=50, rng=r),
               lambda r: E.disarm_bernoulli(kool, [0.1, 0.2, 0.3], size=50, rng=r),
               lambda r: E.rebar_bernoulli(kool, kool_grad, [0.1, 0.2, 0.3], tau=0.5, size=50, rng=r)):
        np.testing.assert_array_equal(fn(10), fn(np.random.default_rng(10)))
        assert not np.array_equal(fn(10), fn(11))


def test_disarm_per_sample_formula_and_exactness_at_one_half():
    """DisARM is 0 where b == b~; in one dimension at theta = 1/2 every estimate is the gradient."""
    f = toy(0.499)[0]
    g = E.disarm_bernoulli(f, [0.0], size=1000, rng=11)
    np.testing.assert_allclose(g, 0.25 * (1 - 2 * 0.499), rtol=1e-12)
    logits = np.array([1.3, -0.4])
    seen = {}

    def rec(b):
        seen["b"] = b.copy()
        return interact(np.concatenate([b, b], axis=1))

    g = E.disarm_bernoulli(rec, logits, size=2000, rng=12)
    b, bt = seen["b"][:2000], seen["b"][2000:]
    values = rec(np.concatenate([b, bt]))
    expected = 0.5 * (values[:2000] - values[2000:])[:, None] * (-1.0) ** bt * (b != bt) * expit(np.abs(logits))
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-15)
    assert np.all(g[b == bt] == 0.0)
    # the antithetic vector has the same law as b (frequencies within 5 standard errors)
    theta = expit(logits)
    assert np.all(np.abs(bt.mean(axis=0) - theta) < Z * np.sqrt(theta * (1 - theta) / 2000))


def test_conditional_relaxed_sample_has_the_logistic_law_and_the_right_sign():
    """z~ given b is z conditioned on its sign: z~ > 0 exactly when b = 1, and mixing over b, z~ has
    the logistic(a) law of z. Kolmogorov-Smirnov test at false-alarm rate 1e-4 (fixed seed)."""
    a = np.array([0.8])
    rng = np.random.default_rng(13)
    u, v = rng.random((N, 1)), rng.random((N, 1))
    b, z, z_tilde, dz_tilde, theta = E._relaxed_noise(a, u, v)
    assert np.all((z_tilde > 0) == (b == 1)) and np.all((z > 0) == (b == 1))
    assert stats.kstest(z_tilde[:, 0], stats.logistic(loc=0.8).cdf).pvalue > 1e-4
    assert stats.kstest(z[:, 0], stats.logistic(loc=0.8).cdf).pvalue > 1e-4
    # the derivative of z~ at fixed (v, b), by central differences (away from the sign flip of b)
    h = 1e-6
    _, _, zp, _, _ = E._relaxed_noise(a + h, u, v)
    _, _, zm, _, _ = E._relaxed_noise(a - h, u, v)
    same = (((u < expit(a + h)) == (u < expit(a - h)))[:, 0])
    np.testing.assert_allclose(dz_tilde[same], ((zp - zm) / (2 * h))[same], rtol=1e-5, atol=1e-7)
    assert np.all(dz_tilde > 0)


# --------------------------------------------------------------------------- categorical

def _objectives(k, seed):
    rng = np.random.default_rng(seed)
    c = rng.normal(size=k)
    a = rng.normal(size=(k, k))
    return {
        "linear": lambda h: h @ c,
        "exp": lambda h: np.exp(h @ c),
        "quadratic form": lambda h: np.einsum("nj,jk,nk->n", h, a, h),
    }


CATEGORICAL_LOGITS = {
    "K=3": np.array([0.5, -0.3, 0.2]),
    "K=5": np.array([1.0, -1.0, 0.0, 0.4, -0.2]),
    "K=6 with -inf": np.array([1.0, -np.inf, 0.0, 0.4, -0.2, -2.0]),
    "K=8 Kool toy at eta=0": np.zeros(8),
}


@pytest.mark.parametrize("n", [2, 3, 5])
@pytest.mark.parametrize("lname", list(CATEGORICAL_LOGITS))
def test_rloo_categorical_unbiased(lname, n):
    logits = CATEGORICAL_LOGITS[lname]
    for fname, f in _objectives(len(logits), seed=n).items():
        est = E.rloo_categorical(f, logits, n=n, size=N // n, rng=14)
        assert est.shape == (N // n, len(logits)) and est.dtype == np.float64
        assert_unbiased(est, E.exact_categorical(f, logits))
        assert np.all(est[:, np.isneginf(logits)] == 0.0)


def test_rloo_per_sample_formula():
    logits = CATEGORICAL_LOGITS["K=5"]
    f = _objectives(5, seed=0)["exp"]
    est = E.rloo_categorical(f, logits, n=4, size=300, rng=15)
    draws = reparam.gumbel_max(logits, size=(300, 4), rng=15)
    values = f(np.eye(5)[draws.reshape(-1)]).reshape(300, 4)
    p = reparam.softmax(logits)
    expected = np.zeros((300, 5))
    for i in range(4):
        others = (values.sum(axis=1) - values[:, i]) / 3
        expected += ((values[:, i] - others)[:, None] * (np.eye(5)[draws[:, i]] - p)) / 4
    np.testing.assert_allclose(est, expected, rtol=1e-10, atol=1e-12)


def _brute_force_set_probability(p, subset):
    total = 0.0
    for order in itertools.permutations(subset):
        prob, used = 1.0, 0.0
        for s in order:
            prob *= p[s] / (1 - used)
            used += p[s]
        total += prob
    return total


@pytest.mark.parametrize("lname", list(CATEGORICAL_LOGITS))
def test_unordered_set_distribution_is_exactly_unbiased_at_every_k(lname):
    """Deterministic: enumerating all sets, the probabilities sum to 1 and match a sum over orderings,
    and the mean of the estimates is the exact gradient to rounding error, for every k."""
    logits = CATEGORICAL_LOGITS[lname]
    p = reparam.softmax(logits)
    n_possible = int(np.isfinite(logits).sum())
    for fname, f in _objectives(len(logits), seed=16).items():
        exact = E.exact_categorical(f, logits)
        for k in range(1, n_possible + 1):
            estimates, prob = E.unordered_set_distribution(f, logits, k=k)
            assert estimates.shape == (len(prob), len(logits))
            np.testing.assert_allclose(prob.sum(), 1.0, rtol=1e-12)
            np.testing.assert_allclose(prob @ estimates, exact, rtol=1e-10, atol=1e-13, err_msg=f"{fname} k={k}")
            assert np.all(estimates[:, np.isneginf(logits)] == 0.0)
            if k == n_possible:  # one set, the whole support: exact
                np.testing.assert_allclose(estimates[0], exact, rtol=1e-10, atol=1e-13)
    # the recursion against a brute-force sum over orderings
    estimates, prob = E.unordered_set_distribution(_objectives(len(logits), 0)["linear"], logits, k=min(3, n_possible))
    possible = np.flatnonzero(np.isfinite(logits))
    sets = list(itertools.combinations(possible.tolist(), min(3, n_possible)))
    np.testing.assert_allclose(prob, [_brute_force_set_probability(p, s) for s in sets], rtol=1e-12)


def test_unordered_set_variance_falls_with_k_and_vanishes_at_k_equal_K():
    logits = CATEGORICAL_LOGITS["K=5"]
    f = _objectives(5, seed=17)["exp"]
    exact = E.exact_categorical(f, logits)
    total_variance = []
    for k in range(1, 6):
        estimates, prob = E.unordered_set_distribution(f, logits, k=k)
        total_variance.append(float(prob @ np.sum((estimates - exact) ** 2, axis=1)))
    assert all(a > b for a, b in zip(total_variance, total_variance[1:])), total_variance
    assert total_variance[-1] < 1e-25


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("lname", ["K=5", "K=6 with -inf", "K=8 Kool toy at eta=0"])
def test_unordered_set_categorical_samples_agree_with_the_enumeration(lname, k):
    """The sampled estimator: unbiased (z-test), and its variance within 5 % of the enumerated one
    (the relative standard error of a sample variance of these bounded estimates at n = 1e5 is
    below 1 %, so 5 % is over 5 standard errors)."""
    logits = CATEGORICAL_LOGITS[lname]
    f = _objectives(len(logits), seed=18)["exp"]
    est = E.unordered_set_categorical(f, logits, k=k, size=N, rng=19)
    assert est.shape == (N, len(logits)) and est.dtype == np.float64
    exact = E.exact_categorical(f, logits)
    assert_unbiased(est, exact)
    estimates, prob = E.unordered_set_distribution(f, logits, k=k)
    var = prob @ (estimates - exact) ** 2
    live = var > 1e-12
    np.testing.assert_allclose(est.var(axis=0)[live], var[live], rtol=0.05)


def test_unordered_set_k1_is_reinforce_and_k_equal_K_is_exact_draw_for_draw():
    logits = CATEGORICAL_LOGITS["K=5"]
    f = _objectives(5, seed=20)["quadratic form"]
    seen = {}

    def rec(h):
        seen["h"] = h.copy()
        return f(h)

    est = E.unordered_set_categorical(rec, logits, k=1, size=400, rng=21)
    p = reparam.softmax(logits)
    np.testing.assert_allclose(est, f(seen["h"])[:, None] * (seen["h"] - p), rtol=1e-10, atol=1e-13)
    est = E.unordered_set_categorical(f, logits, k=5, size=50, rng=22)
    np.testing.assert_allclose(est, np.broadcast_to(E.exact_categorical(f, logits), est.shape), rtol=1e-10, atol=1e-13)


def test_unordered_set_draws_are_gumbel_topk_sets():
    logits = CATEGORICAL_LOGITS["K=5"]
    seen = {}

    def rec(h):
        seen["h"] = h.copy()
        return h @ np.arange(5.0)

    E.unordered_set_categorical(rec, logits, k=3, size=100, rng=23)
    sets = np.sort(reparam.gumbel_topk(logits, 3, size=100, rng=23), axis=1)
    np.testing.assert_array_equal(seen["h"].argmax(axis=1).reshape(100, 3), sets)
    a = E.unordered_set_categorical(rec, logits, k=3, size=100, rng=23)
    b = E.unordered_set_categorical(rec, logits, k=3, size=100, rng=np.random.default_rng(23))
    np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- Gaussian

def square(k):
    return (lambda x: (x - k) ** 2), (lambda x: 2 * (x - k))


def gauss(k):
    return (lambda x: np.exp(-k * x**2)), (lambda x: -2 * k * x * np.exp(-k * x**2))


def cosine(k):
    return (lambda x: np.cos(k * x)), (lambda x: -k * np.sin(k * x))


def exact_normal_gradient(cost, k, mu, s):
    """Closed forms of grad_(mu, sigma) E[f(x)], x ~ N(mu, s^2)."""
    if cost == "square":
        return np.array([2 * (mu - k), 2 * s])
    if cost == "exp":  # E = (1 + 2 k s^2)^(-1/2) exp(-k mu^2 / (1 + 2 k s^2))
        q = 1 + 2 * k * s * s
        value = np.exp(-k * mu * mu / q) / np.sqrt(q)
        return np.array([value * (-2 * k * mu / q),
                         value * (-2 * k * s / q + 4 * k * k * mu * mu * s / q**2)])
    damp = np.exp(-k * k * s * s / 2)  # E cos(k x) = cos(k mu) exp(-k^2 s^2 / 2)
    return np.array([-k * np.sin(k * mu) * damp, -k * k * s * np.cos(k * mu) * damp])


COSTS = {"square": square, "exp": gauss, "cos": cosine}
NORMAL_CASES = [("square", -2.0, 1.0, 1.0), ("square", 3.0, 0.7, 1.3), ("exp", 0.3, 1.0, 1.0),
                ("exp", 5.0, -0.4, 0.8), ("cos", 1.0, 1.0, 1.0), ("cos", 3.0, 0.2, 1.5), ("cos", 10.0, 1.0, 1.0)]
IDS = [f"{c}-k{k}-mu{m}-s{s}" for c, k, m, s in NORMAL_CASES]


@pytest.mark.parametrize("cost, k, mu, s", NORMAL_CASES, ids=IDS)
def test_measure_valued_normal_unbiased(cost, k, mu, s):
    f, _ = COSTS[cost](k)
    est = E.measure_valued_normal(f, mu, s, size=N, rng=24)
    assert est.shape == (N, 2) and est.dtype == np.float64
    assert_unbiased(est, exact_normal_gradient(cost, k, mu, s))


@pytest.mark.parametrize("cost, k, mu, s", NORMAL_CASES, ids=IDS)
def test_normal_estimator_variances_match_the_closed_gradient_and_monte_carlo(cost, k, mu, s):
    """The quadrature's gradient equals the closed form (1e-8); each variance agrees with the sample
    variance of the package's estimator within 6 % (relative standard errors of sample variances of
    these estimators at n = 4e5 are below 1 %, except the heavy-tailed score function for the
    square cost, below 1.2 %)."""
    f, df = COSTS[cost](k)
    v = E.normal_estimator_variances(f, df, mu, s)
    np.testing.assert_allclose(v["gradient"], exact_normal_gradient(cost, k, mu, s), rtol=1e-8, atol=1e-10)
    n = 400_000
    samples = {
        "score function": E.score_function_normal(f, mu, s, size=n, rng=25),
        "pathwise": E.pathwise_normal(df, mu, s, size=n, rng=26),
        "measure-valued": E.measure_valued_normal(f, mu, s, size=n, rng=27),
    }
    for name, est in samples.items():
        np.testing.assert_allclose(est.var(axis=0), v[name], rtol=0.06, err_msg=name)
    assert np.all(v["score function, optimal baseline"] <= v["score function"] + 1e-12)


@pytest.mark.parametrize("cost, k", [("square", 2.0), ("exp", 1.0), ("cos", 3.0)])
def test_normal_estimator_variances_agree_with_scipy_quad(cost, k):
    """Against adaptive quadrature, as in the companion code of Mohamed et al. (2020)
    (variance_numerical_integration.ipynb), at mu = sigma = 1."""
    f, df = COSTS[cost](k)
    v = E.normal_estimator_variances(f, df, 1.0, 1.0)
    pdf = stats.norm(1.0, 1.0).pdf

    def var(g):
        mean = integrate.quad(lambda x: pdf(x) * g(x), -10, 11, limit=200)[0]
        return integrate.quad(lambda x: pdf(x) * (g(x) - mean) ** 2, -10, 11, limit=200)[0]

    np.testing.assert_allclose(v["score function"], [var(lambda x: f(x) * (x - 1)),
                                                     var(lambda x: f(x) * ((x - 1) ** 2 - 1))], rtol=1e-6)
    np.testing.assert_allclose(v["pathwise"], [var(df), var(lambda x: df(x) * (x - 1))], rtol=1e-6)
    grad = v["gradient"]
    rayleigh = integrate.quad(lambda w: w * np.exp(-w * w / 2)
                              * ((f(1 + w) - f(1 - w)) / np.sqrt(2 * np.pi) - grad[0]) ** 2, 0, 10, limit=200)[0]

    def maxwell_pdf(m):
        return m * m * np.exp(-m * m / 2) / np.sqrt(2 * np.pi)

    coupled = integrate.dblquad(lambda m, u: maxwell_pdf(m) * (f(1 + m) - f(1 + m * u) - grad[1]) ** 2,
                                0, 1, -10, 10, epsabs=1e-10)[0]
    np.testing.assert_allclose(v["measure-valued"], [rayleigh, coupled], rtol=1e-5)


def test_cos_10x_pathwise_loses_to_the_score_function():
    """The issue's example: cos(10 x) at mu = sigma = 1, d/dmu: pathwise variance ~50, score ~0.5."""
    v = E.normal_estimator_variances(*cosine(10.0), 1.0, 1.0)
    assert 49 < v["pathwise"][0] < 51 and 0.45 < v["score function"][0] < 0.55


def test_measure_valued_coupling_draws():
    """The four points per row: mu +- sigma W share W; the Gaussian point is mu + sigma M U with the
    same M; W is Rayleigh and M U standard normal (KS tests, false-alarm rate 1e-4 each)."""
    seen = {}

    def rec(x):
        seen["x"] = x.copy()
        return x

    mu, s = 0.5, 2.0
    E.measure_valued_normal(rec, mu, s, size=N, rng=28)
    plus, minus, maxwell, gaussian = seen["x"].reshape(4, N)
    np.testing.assert_allclose(plus - mu, mu - minus, rtol=1e-12)
    w, m, eps = (plus - mu) / s, (maxwell - mu) / s, (gaussian - mu) / s
    assert np.all(w > 0) and np.all(np.abs(eps) <= np.abs(m) + 1e-12) and np.all(eps * m >= 0)
    assert stats.kstest(w, stats.rayleigh.cdf).pvalue > 1e-4
    assert stats.kstest(eps, stats.norm.cdf).pvalue > 1e-4
    assert stats.kstest(np.abs(m), stats.chi(3).cdf).pvalue > 1e-4


# --------------------------------------------------------------------------- the cost table

def test_evaluations_per_estimate_are_counted_right():
    counts = {}

    def counting(key, fn):
        def wrapped(x):
            counts[key] = counts.get(key, 0) + len(x)
            return fn(x)
        return wrapped

    size, logits = 10, np.zeros(4)
    E.score_function_bernoulli(counting("sf", kool), [0.0, 0.1, 0.2], size=size, rng=0)
    E.disarm_bernoulli(counting("disarm", kool), [0.0, 0.1, 0.2], size=size, rng=0)
    E.rebar_bernoulli(counting("rebar", kool), counting("rebar", kool_grad), [0.0, 0.1, 0.2], tau=0.5, size=size,
                      rng=0)
    E.rloo_categorical(counting("rloo", lambda h: h[:, 0]), logits, n=3, size=size, rng=0)
    E.unordered_set_categorical(counting("us", lambda h: h[:, 0]), logits, k=2, size=size, rng=0)
    E.measure_valued_normal(counting("mv", np.sin), 0.0, 1.0, size=size, rng=0)
    per = E.EVALUATIONS_PER_ESTIMATE
    assert counts["sf"] == per["score_function_bernoulli"] * size
    assert counts["disarm"] == per["disarm_bernoulli"] * size
    assert counts["rebar"] == per["rebar_bernoulli"] * size + size  # + the gradient at sigma(z / tau)
    assert counts["rloo"] == per["rloo_categorical"](3) * size
    assert counts["us"] == per["unordered_set_categorical"](2) * size
    assert counts["mv"] == per["measure_valued_normal"] * size


# --------------------------------------------------------------------------- bad input

def _call(name, **kw):
    base = {
        "exact_bernoulli": (E.exact_bernoulli, dict(f=kool, logits=np.zeros(3))),
        "score_function_bernoulli": (E.score_function_bernoulli, dict(f=kool, logits=np.zeros(3), size=10)),
        "disarm_bernoulli": (E.disarm_bernoulli, dict(f=kool, logits=np.zeros(3), size=10)),
        "rebar_bernoulli": (E.rebar_bernoulli, dict(f=kool, df=kool_grad, logits=np.zeros(3), tau=0.5, size=10)),
        "relax_bernoulli": (E.relax_bernoulli, dict(f=kool, c=lambda z: z.sum(axis=1), dc=np.ones_like,
                                                    logits=np.zeros(3), size=10)),
        "rloo_categorical": (E.rloo_categorical, dict(f=lambda h: h[:, 0], logits=np.zeros(3), n=2, size=10)),
        "unordered_set_categorical": (E.unordered_set_categorical, dict(f=lambda h: h[:, 0], logits=np.zeros(3),
                                                                        k=2, size=10)),
        "unordered_set_distribution": (E.unordered_set_distribution, dict(f=lambda h: h[:, 0], logits=np.zeros(3),
                                                                          k=2)),
        "measure_valued_normal": (E.measure_valued_normal, dict(f=np.sin, mu=0.0, sigma=1.0, size=10)),
        "normal_estimator_variances": (E.normal_estimator_variances, dict(f=np.sin, df=np.cos, mu=0.0, sigma=1.0)),
    }
    fn, args = base[name]
    args = {**args, **kw}
    return fn(**args)


BERNOULLI = ["exact_bernoulli", "score_function_bernoulli", "disarm_bernoulli", "rebar_bernoulli", "relax_bernoulli"]
SAMPLED_BERNOULLI = BERNOULLI[1:]
CATEGORICAL = ["rloo_categorical", "unordered_set_categorical", "unordered_set_distribution"]
BAD_BERNOULLI_LOGITS = [np.zeros((2, 3)), 1.0, [], [0.0, np.nan], [0.0, np.inf], [-np.inf, 0.0], ["a", "b"]]
BAD_CATEGORICAL_LOGITS = [np.zeros((2, 3)), 1.0, [], [0.0, np.nan], [0.0, np.inf], [-np.inf, -np.inf], ["a", "b"]]
BAD_INPUTS = (
    [(name, "logits", dict(logits=v)) for name in BERNOULLI for v in BAD_BERNOULLI_LOGITS]
    + [("exact_bernoulli", "logits", dict(logits=np.zeros(21)))]
    + [(name, "logits", dict(logits=v)) for name in CATEGORICAL for v in BAD_CATEGORICAL_LOGITS]
    + [(name, "size", dict(size=v)) for name in SAMPLED_BERNOULLI + CATEGORICAL[:2] + ["measure_valued_normal"]
       for v in (None, 0, -5, 2.5, (10,), True)]
    + [("rloo_categorical", "n", dict(n=v)) for v in (None, 1, 0, 2.5, True, "2")]
    + [(name, "k", dict(k=v)) for name in CATEGORICAL[1:] for v in (None, 0, 4, 2.5, True, "2")]
    + [("unordered_set_categorical", "k", dict(logits=[0.0, 0.0, -np.inf], k=3))]
    + [("rebar_bernoulli", "tau", dict(tau=v)) for v in (0.0, -1.0, np.nan, np.inf, None, "1", True)]
    + [("rebar_bernoulli", "eta", dict(eta=v)) for v in (np.nan, np.inf, [1.0], "1", None)]
    + [("score_function_bernoulli", "baseline", dict(baseline=v)) for v in (np.nan, [1.0], "0")]
    + [(name, "sigma", dict(sigma=v)) for name in ("measure_valued_normal", "normal_estimator_variances")
       for v in (0.0, -1.0, np.nan, [1.0, 2.0])]
    + [(name, "mu", dict(mu=v)) for name in ("measure_valued_normal", "normal_estimator_variances")
       for v in (np.nan, np.inf, "0")]
    + [(name, "f", dict(f=3.0)) for name in BERNOULLI + CATEGORICAL + ["measure_valued_normal"]]
    + [("rebar_bernoulli", "df", dict(df="grad")), ("relax_bernoulli", "c", dict(c=None)),
       ("relax_bernoulli", "dc", dict(dc=1.0)), ("normal_estimator_variances", "df", dict(df=None))]
    # wrong output shapes and non-finite values: never broadcast silently
    + [(name, "f", dict(f=lambda b: b)) for name in BERNOULLI]
    + [(name, "f", dict(f=lambda b: b.sum())) for name in BERNOULLI]
    + [(name, "f", dict(f=lambda b: np.full(len(b), np.nan))) for name in BERNOULLI]
    + [(name, "f", dict(f=lambda h: h)) for name in CATEGORICAL]
    + [(name, "f", dict(f=lambda h: np.log(h[:, 0]))) for name in CATEGORICAL]
    + [("measure_valued_normal", "f", dict(f=lambda x: x[:-1])),
       ("measure_valued_normal", "f", dict(f=lambda x: x / 0.0)),
       ("normal_estimator_variances", "f", dict(f=lambda x: np.ones(3))),
       ("normal_estimator_variances", "df", dict(df=lambda x: np.log(x - 100.0))),
       ("rebar_bernoulli", "df", dict(df=kool)),
       ("rebar_bernoulli", "df", dict(df=lambda b: np.full(b.shape, np.inf))),
       ("rebar_bernoulli", "f", dict(f=lambda b: np.where(b.max(axis=1) % 1 > 0, np.nan, 1.0))),
       ("relax_bernoulli", "c", dict(c=lambda z: z)),
       ("relax_bernoulli", "c", dict(c=lambda z: np.full(len(z), np.inf))),
       ("relax_bernoulli", "dc", dict(dc=lambda z: z.sum(axis=1)))]
)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the bad f's themselves divide by zero
@pytest.mark.parametrize("name, argument, kwargs", BAD_INPUTS,
                         ids=[f"{n}-{a}-{i}" for i, (n, a, _) in enumerate(BAD_INPUTS)])
def test_bad_input_raises_value_error_naming_it(name, argument, kwargs):
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        _call(name, **kwargs)


def test_size_and_set_sizes_are_required():
    with pytest.raises(TypeError, match="size"):
        E.disarm_bernoulli(kool, [0.0, 0.0, 0.0])
    with pytest.raises(TypeError, match="n"):
        E.rloo_categorical(lambda h: h[:, 0], [0.0, 0.0], size=3)
    with pytest.raises(TypeError, match="tau"):
        E.rebar_bernoulli(kool, kool_grad, [0.0, 0.0, 0.0], size=3)


# --------------------------------------------------------------------------- the benchmark

def test_bench_estimators_reports_every_estimator(capsys):
    from reparam import bench_estimators

    rows = bench_estimators.measure(n=2000, repeats=1)
    names = {row["name"] for row in rows}
    assert {"score function (Bernoulli)", "DisARM", "REBAR", "RLOO, n = 4", "unordered set, k = 4",
            "measure-valued (Gaussian)"} <= names
    assert all(row["seconds_per_estimate"] > 0 and row["evaluations"] >= 1 for row in rows)
    bench_estimators.main(["-n", "2000", "--repeats", "1"])
    out = capsys.readouterr().out
    assert "per estimate" in out and "DisARM" in out


# --------------------------------------------------------------------------- the slider of chapter 6

def test_resolution_estimates_same_noise_and_scale_free_for_rloo_and_disarm():
    from reparam import figures_lab

    a = figures_lab.resolution_estimates(0.3, n=50)
    b = figures_lab.resolution_estimates(0.45, n=50)
    assert set(a) == {label for label, _, _ in figures_lab.ESTIMATORS}
    assert all(v.shape == (50,) for v in a.values())
    for name, v in figures_lab.resolution_estimates(0.3, n=50).items():
        np.testing.assert_array_equal(v, a[name])  # the same noise every time
    # for one Bernoulli, RLOO and DisARM are (1 - 2t) times a t-free random factor (exercise ex-ch6-rloo-toy)
    for name in ("RLOO, n = 4", "DisARM"):
        np.testing.assert_allclose(a[name] / (1 - 2 * 0.3), b[name] / (1 - 2 * 0.45), rtol=1e-9, atol=1e-12)
    assert not np.allclose(a["REINFORCE"] / 0.4, b["REINFORCE"] / 0.1)


@pytest.mark.parametrize("kwargs, name", [(dict(theta=1.0), "theta"), (dict(theta=0.0), "theta"),
                                          (dict(budget=10), "budget"), (dict(budget=0), "budget"),
                                          (dict(n=1), "n"), (dict(tau=0.0), "tau"), (dict(rng=None), "rng"),
                                          (dict(rng=np.random.default_rng(0)), "rng")])
def test_resolution_estimates_bad_input(kwargs, name):
    from reparam import figures_lab

    with pytest.raises(ValueError, match=rf"^{name}\b"):
        figures_lab.resolution_estimates(0.4, **kwargs)


def test_resolution_slider_draws_incrementally_what_a_full_draw_shows():
    from reparam import figures_lab, widgets

    slider = figures_lab.estimator_resolution_slider(n=60)
    assert len(slider.values) >= 25 and slider.values[0] == pytest.approx(0.25) and slider.values[-1] == pytest.approx(0.499)
    for value in (0.499, 0.3, 0.499, 0.45, 0.25):
        assert widgets.pixel_mismatch(slider.rgb(value), slider.fresh_rgb(value)) < 0.001
    with pytest.raises(ValueError, match="^value"):
        slider.figure(0.5)


# --------------------------------------------------------------------------- RELAX's surrogate in JAX

def test_jax_relax_matches_the_numpy_estimator_on_the_same_noise():
    jnp = pytest.importorskip("jax.numpy")
    import reparam.jax_models as jm

    t = 0.45

    def f_jax(b):
        return jnp.sum((b - t) ** 2, axis=-1)

    def f_np(b):
        return np.sum((b - t) ** 2, axis=1)

    logits = np.array([0.3, -1.2])
    params = jm.relax_surrogate_init(2, 10, rng=0)
    c, dc = jm.relax_surrogate_numpy(params)
    rng = np.random.default_rng(1)
    u, v = rng.uniform(1e-3, 1 - 1e-3, (2, 400, 2))
    g_jax = np.asarray(jm.relax_estimates(params, jnp.asarray(logits, jnp.float32), jnp.asarray(u, jnp.float32),
                                          jnp.asarray(v, jnp.float32), f_jax))
    b, z, z_tilde, dz_tilde, theta = E._relaxed_noise(logits, u, v)
    g_np = (f_np(b) - c(z_tilde))[:, None] * (b - theta) + dc(z) - dc(z_tilde) * dz_tilde
    np.testing.assert_allclose(g_jax, g_np, rtol=1e-3, atol=1e-4)  # float32 against float64
    # relax_surrogate_numpy's gradient is the gradient of its c (central differences)
    z0 = rng.normal(size=(5, 2))
    h = 1e-6
    fd = np.stack([(c(z0 + h * e) - c(z0 - h * e)) / (2 * h) for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(dc(z0), fd, rtol=1e-6, atol=1e-8)


def test_train_relax_shapes_fixed_logits_and_bad_input():
    jnp = pytest.importorskip("jax.numpy")
    import reparam.jax_models as jm

    def f_jax(b):
        return jnp.mean((b - 0.499) ** 2, axis=-1)

    fixed = jm.train_relax(f_jax, [0.4], steps=30, train_logits=False, rng=0)
    assert fixed["logits"].shape == (31, 1) and fixed["estimates"].shape == (30, 1)
    np.testing.assert_allclose(fixed["logits"], 0.4, rtol=1e-6)
    moved = jm.train_relax(f_jax, [0.4], steps=30, train_logits=True, rng=0)
    assert not np.allclose(moved["logits"][-1], 0.4)
    assert set(moved["params"]) == {"w1", "b1", "w2", "b2", "log_tau"}
    for kwargs, name in [(dict(logits=[[0.0]]), "logits"), (dict(logits=[np.nan]), "logits"),
                         (dict(steps=0), "steps"), (dict(lr=-1.0), "lr"), (dict(batch=True), "batch")]:
        args = dict(logits=[0.0], steps=5)
        args.update(kwargs)
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            jm.train_relax(f_jax, args.pop("logits"), **args)
