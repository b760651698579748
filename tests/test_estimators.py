"""Tests of reparam.estimators: unbiasedness against analytic gradients, exact identities, bad input.

Statistical tests use fixed seeds. A check "unbiased" compares the sample mean of n per-sample
estimates with the analytic gradient within Z = 5 standard errors, the standard error taken from
the samples' own standard deviation. Under the CLT the two-sided false-alarm rate of one such
check (one component) is 2 * (1 - Phi(5)) ~ 5.7e-7; with the fixed seeds the outcome is
deterministic anyway, the rate says how unlucky a seed would have to be for a correct estimator to fail.
"""
import numpy as np
import pytest
from scipy import stats

import reparam
from reparam import estimators

from unbiased import N, Z, assert_unbiased


# --------------------------------------------------------------------------- Gaussian

MU, SIGMA, K_SHIFT = 0.7, 1.3, 2.0

# (name, f, f', analytic gradient of E[f(x)] w.r.t. (mu, sigma))
NORMAL_CASES = [
    ("square", np.square, lambda x: 2 * x, lambda m, s: (2 * m, 2 * s)),
    ("shifted square", lambda x: (x - K_SHIFT) ** 2, lambda x: 2 * (x - K_SHIFT),
     lambda m, s: (2 * (m - K_SHIFT), 2 * s)),
    # E[sin x] = sin(mu) exp(-sigma^2 / 2)
    ("sin", np.sin, np.cos,
     lambda m, s: (np.cos(m) * np.exp(-s * s / 2), -s * np.sin(m) * np.exp(-s * s / 2))),
]


@pytest.mark.parametrize("name, f, df, grad", NORMAL_CASES, ids=[c[0] for c in NORMAL_CASES])
def test_score_function_normal_unbiased(name, f, df, grad):
    est = estimators.score_function_normal(f, MU, SIGMA, size=N, rng=1)
    assert est.shape == (N, 2) and est.dtype == np.float64
    assert_unbiased(est, grad(MU, SIGMA))


@pytest.mark.parametrize("name, f, df, grad", NORMAL_CASES, ids=[c[0] for c in NORMAL_CASES])
def test_pathwise_normal_unbiased(name, f, df, grad):
    est = estimators.pathwise_normal(df, MU, SIGMA, size=N, rng=2)
    assert est.shape == (N, 2) and est.dtype == np.float64
    assert_unbiased(est, grad(MU, SIGMA))


def test_score_function_normal_step_function():
    """f = 1[x > 0] has no useful derivative, but the score function still works:
    E f = P(x > 0) = Phi(mu / sigma), so d/dmu = pdf_N(mu, sigma^2)(0) and
    d/dsigma = -(mu / sigma) pdf_N(mu, sigma^2)(0)."""
    est = estimators.score_function_normal(lambda x: (x > 0).astype(float), MU, SIGMA, size=N, rng=3)
    density_at_0 = stats.norm.pdf(0.0, loc=MU, scale=SIGMA)
    assert_unbiased(est, (density_at_0, -MU / SIGMA * density_at_0))


def test_normal_formulas_per_sample():
    """The rows are exactly the documented formulas on the samples of reparam.normal_rsample."""
    x, eps = reparam.normal_rsample(MU, SIGMA, size=50, rng=4)
    f = lambda v: np.sin(v) + v  # noqa: E731
    score = estimators.score_function_normal(f, MU, SIGMA, size=50, rng=4, baseline=0.3)
    fx = f(x) - 0.3
    np.testing.assert_allclose(score[:, 0], fx * (x - MU) / SIGMA**2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(score[:, 1], fx * ((x - MU) ** 2 - SIGMA**2) / SIGMA**3,
                               rtol=1e-10, atol=1e-10)
    path = estimators.pathwise_normal(np.cos, MU, SIGMA, size=50, rng=4)
    np.testing.assert_allclose(path, np.stack([np.cos(x), np.cos(x) * eps], axis=1), rtol=1e-15)


def test_score_and_pathwise_share_samples_and_seed_reproducible():
    seen = {}

    def recorder(key):
        def fn(x):
            seen[key] = x.copy()
            return x
        return fn

    estimators.score_function_normal(recorder("score"), MU, SIGMA, size=10, rng=5)
    estimators.pathwise_normal(recorder("path"), MU, SIGMA, size=10, rng=5)
    np.testing.assert_array_equal(seen["score"], seen["path"])
    a = estimators.score_function_normal(np.sin, MU, SIGMA, size=10, rng=np.random.default_rng(6))
    b = estimators.score_function_normal(np.sin, MU, SIGMA, size=10, rng=6)
    np.testing.assert_array_equal(a, b)


def test_baseline_keeps_mean_and_reduces_variance():
    """f = (x - 3)^2 at mu = sigma = 1, baseline b = E f = 5.

    Exact variances (by quadrature): d/dmu 87 -> 42 (ratio 0.483), d/dsigma 346 -> 216 (ratio
    0.624). The same seed gives common random numbers, so the sample ratio is precise; we assert
    it is below the exact ratio + 0.1 (a margin of about 5 standard errors of the ratio at this n).
    """
    f = lambda x: (x - 3.0) ** 2  # noqa: E731
    plain = estimators.score_function_normal(f, 1.0, 1.0, size=N, rng=7)
    based = estimators.score_function_normal(f, 1.0, 1.0, size=N, rng=7, baseline=5.0)
    # a constant baseline is the same as estimating for f - b: exact identity
    shifted = estimators.score_function_normal(lambda x: f(x) - 5.0, 1.0, 1.0, size=N, rng=7)
    np.testing.assert_allclose(based, shifted, rtol=1e-12, atol=1e-12)
    assert_unbiased(plain, (2 * (1.0 - 3.0), 2.0))
    assert_unbiased(based, (2 * (1.0 - 3.0), 2.0))
    ratio = based.var(axis=0) / plain.var(axis=0)
    assert np.all(ratio < np.array([0.483, 0.624]) + 0.1), ratio


# --------------------------------------------------------------------------- categorical

def _objectives(k, seed):
    """Several f over one-hot rows (n, K) -> (n,): linear, nonlinear, and with cross terms."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=k)
    a = rng.normal(size=(k, k))
    return {
        "linear": lambda h: h @ c,
        "exp": lambda h: np.exp(h @ c),
        "quadratic form": lambda h: np.einsum("nj,jk,nk->n", h, a, h),
        "squared": lambda h: (h @ c - 0.5) ** 2,
    }


CATEGORICAL_LOGITS = {
    "K=3": np.array([0.5, -0.3, 0.2]),
    "K=5": np.array([1.0, -1.0, 0.0, 0.4, -0.2]),
    "K=5 with -inf": np.array([1.0, -np.inf, 0.0, 0.4, -0.2]),
}


@pytest.mark.parametrize("fname", ["linear", "exp", "quadratic form", "squared"])
@pytest.mark.parametrize("lname", list(CATEGORICAL_LOGITS))
def test_score_function_categorical_unbiased(lname, fname):
    logits = CATEGORICAL_LOGITS[lname]
    f = _objectives(len(logits), seed=len(logits))[fname]
    est = estimators.score_function_categorical(f, logits, size=N, rng=8)
    assert est.shape == (N, len(logits)) and est.dtype == np.float64
    assert_unbiased(est, estimators.exact_categorical(f, logits))


def test_score_function_categorical_baseline():
    """The baseline b = E f keeps the mean and lowers the total variance.

    The exact per-component variances come from enumerating z: Var = sum_z p_z ((f_z - b)(e_z - p))^2
    - grad^2. The sample variances must match them within 5 % (the relative standard error of a
    sample variance of these bounded estimates at n = 1e5 is below 1 %, so 5 % is > 5 standard
    errors). Note what is true: b = E f lowers the total variance (sum over components,
    8.59 -> 3.15 here) but not every component (component 1 goes 0.51 -> 1.72). The scalar
    baseline minimising the total is b* = E[f |e_z - p|^2] / E[|e_z - p|^2].
    """
    logits = CATEGORICAL_LOGITS["K=3"]
    f = _objectives(3, seed=3)["exp"]
    p = reparam.softmax(logits)
    values = f(np.eye(3))
    mean_f = p @ values
    exact = estimators.exact_categorical(f, logits)
    plain = estimators.score_function_categorical(f, logits, size=N, rng=9)
    based = estimators.score_function_categorical(f, logits, size=N, rng=9, baseline=mean_f)
    # same draws: a constant baseline is the same as estimating for f - b
    shifted = estimators.score_function_categorical(lambda h: f(h) - mean_f, logits, size=N, rng=9)
    np.testing.assert_allclose(based, shifted, rtol=1e-12, atol=1e-12)
    assert_unbiased(plain, exact)
    assert_unbiased(based, exact)
    score_rows = np.eye(3) - p  # row z: e_z - p
    var = {b: p @ (((values - b)[:, None] * score_rows) ** 2) - exact**2 for b in (0.0, mean_f)}
    assert var[mean_f].sum() < 0.5 * var[0.0].sum()
    assert var[mean_f][1] > var[0.0][1]  # ... but not component by component
    norms = np.sum(score_rows**2, axis=1)
    best = (p * norms) @ values / (p @ norms)
    var_best = p @ (((values - best)[:, None] * score_rows) ** 2) - exact**2
    assert var_best.sum() <= var[mean_f].sum()
    np.testing.assert_allclose(plain.var(axis=0), var[0.0], rtol=0.05)
    np.testing.assert_allclose(based.var(axis=0), var[mean_f], rtol=0.05)


@pytest.mark.parametrize("lname", list(CATEGORICAL_LOGITS))
def test_exact_categorical_matches_finite_differences(lname):
    logits = CATEGORICAL_LOGITS[lname]
    k = len(logits)
    for fname, f in _objectives(k, seed=11).items():
        values = f(np.eye(k))

        def expectation(l):
            return reparam.softmax(l) @ values

        h = 1e-6
        fd = np.array([(expectation(logits + h * e) - expectation(logits - h * e)) / (2 * h)
                       for e in np.eye(k)])
        fd[np.isneginf(logits)] = 0.0  # -inf + h is still -inf: the expectation does not move
        grad = estimators.exact_categorical(f, logits)
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8, err_msg=fname)
        assert abs(grad.sum()) < 1e-12  # softmax is shift-invariant: the gradient sums to 0


# --------------------------------------------------------------------------- Gumbel-softmax

C3 = np.array([0.0, 1.0, 3.0])
RELAXED_CASES = {
    # f(y) and its gradient, vectorised over rows y of the simplex
    "linear": (lambda y: y @ C3, lambda y: np.broadcast_to(C3, y.shape)),
    "squared": (lambda y: (y @ C3) ** 2, lambda y: 2 * (y @ C3)[:, None] * C3),
    "entropy-like": (lambda y: np.sum(y**2, axis=1), lambda y: 2 * y),
}


@pytest.mark.parametrize("tau", [0.3, 1.0, 2.0])
@pytest.mark.parametrize("fname", list(RELAXED_CASES))
def test_gumbel_softmax_is_gradient_of_relaxed_objective(fname, tau):
    """The mean of the estimates equals the gradient of the relaxed Monte Carlo objective
    J(l) = mean_i f(softmax((l + G_i) / tau)) with the same Gumbel noise G_i (common random numbers:
    the same seed gives the same uniforms, and the sampler's max-shift does not change softmax).
    J is smooth in l for fixed noise, so this is a deterministic identity up to finite-difference
    error: the estimator is unbiased for the relaxed objective."""
    f, df = RELAXED_CASES[fname]
    logits = np.array([0.5, -0.3, 0.2])
    n, seed = 20_000, 12
    est = estimators.gumbel_softmax_categorical(f, df, logits, tau, size=n, rng=seed)
    assert est.shape == (n, 3) and est.dtype == np.float64

    def relaxed(l):
        return f(reparam.gumbel_softmax(l, tau, size=n, rng=seed)).mean()

    h = 1e-5
    fd = np.array([(relaxed(logits + h * e) - relaxed(logits - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(est.mean(axis=0), fd, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(est.sum(axis=1), 0.0, atol=1e-12)  # shift invariance, per sample


def test_gumbel_softmax_relaxed_gradient_is_biased_for_the_discrete_objective():
    """What the relaxation costs: for f(y) = (c . y)^2 the relaxed mean differs from the exact
    gradient of E f(onehot(z)) by hundreds of standard errors at tau = 1 (measured ~300-430), and
    the bias shrinks as tau decreases. Asserting > 20 standard errors and a smaller bias at
    tau = 0.1 leaves a wide margin."""
    f, df = RELAXED_CASES["squared"]
    logits = np.array([0.5, -0.3, 0.2])
    exact = estimators.exact_categorical(f, logits)
    bias = {}
    for tau in (1.0, 0.1):
        est = estimators.gumbel_softmax_categorical(f, df, logits, tau, size=N, rng=13)
        se = est.std(axis=0, ddof=1) / np.sqrt(N)
        bias[tau] = est.mean(axis=0) - exact
        if tau == 1.0:
            assert np.max(np.abs(bias[tau]) / se) > 20
    assert np.linalg.norm(bias[0.1]) < 0.5 * np.linalg.norm(bias[1.0])


def test_straight_through_forward_value_is_the_hard_sample():
    logits = np.array([0.5, -0.3, 0.2, -np.inf])
    n, tau, seed = 1000, 0.7, 14
    seen = {}

    def df(y):
        seen["forward"] = y.copy()
        return 2 * y

    est = estimators.gumbel_softmax_categorical(None, df, logits, tau, size=n,
                                                straight_through=True, rng=seed)
    hard = reparam.gumbel_softmax(logits, tau, size=n, hard=True, rng=seed)
    np.testing.assert_array_equal(seen["forward"], hard)
    # the same noise as gumbel_max: the forward value is an exact Cat(softmax(logits)) sample
    np.testing.assert_array_equal(seen["forward"].argmax(axis=1),
                                  reparam.gumbel_max(logits, size=n, rng=seed))
    # the gradient flows through the soft sample: y * (g - <y, g>) / tau with g = df(hard)
    soft = reparam.gumbel_softmax(logits, tau, size=n, rng=seed)
    g = 2 * hard
    expected = soft * (g - np.sum(soft * g, axis=1, keepdims=True)) / tau
    np.testing.assert_allclose(est, expected, rtol=1e-12, atol=1e-15)
    # without straight-through, df sees the soft sample itself
    estimators.gumbel_softmax_categorical(None, df, logits, tau, size=n, rng=seed)
    np.testing.assert_array_equal(seen["forward"], soft)


def test_straight_through_equals_relaxed_for_linear_f():
    """For linear f the gradient g = c is the same at the hard and the soft sample."""
    f, df = RELAXED_CASES["linear"]
    logits = np.array([0.5, -0.3, 0.2])
    soft = estimators.gumbel_softmax_categorical(f, df, logits, 0.5, size=500, rng=15)
    st = estimators.gumbel_softmax_categorical(f, df, logits, 0.5, size=500, rng=15,
                                               straight_through=True)
    np.testing.assert_array_equal(soft, st)


@pytest.mark.filterwarnings("error")  # no RuntimeWarning (inf - inf, 0 * inf) on the way
@pytest.mark.parametrize("tau", [1e-3, 0.5, 5.0])
def test_minus_inf_logit_gets_exactly_zero_gradient(tau):
    logits = np.array([0.3, -np.inf, -0.2, 1.0, -np.inf])
    k = len(logits)
    f = _objectives(k, seed=16)["squared"]
    df = lambda y: 2 * y + 1.0  # noqa: E731
    dead = np.isneginf(logits)
    results = {
        "exact": estimators.exact_categorical(f, logits)[None, :],
        "score": estimators.score_function_categorical(f, logits, size=2000, rng=17, baseline=0.4),
        "relaxed": estimators.gumbel_softmax_categorical(f, df, logits, tau, size=2000, rng=18),
        "straight-through": estimators.gumbel_softmax_categorical(
            f, df, logits, tau, size=2000, rng=18, straight_through=True),
    }
    for name, grad in results.items():
        assert np.isfinite(grad).all(), name
        assert np.all(grad[:, dead] == 0.0), name
        assert np.any(grad[:, ~dead] != 0.0), name


# --------------------------------------------------------------------------- bad input

def _sf(**kw):
    args = dict(f=np.sin, mu=0.0, sigma=1.0, size=10)
    args.update(kw)
    return estimators.score_function_normal(args.pop("f"), args.pop("mu"), args.pop("sigma"), **args)


def _pw(**kw):
    args = dict(df=np.cos, mu=0.0, sigma=1.0, size=10)
    args.update(kw)
    return estimators.pathwise_normal(args.pop("df"), args.pop("mu"), args.pop("sigma"), **args)


def _onehot_sum(h):
    return h @ np.arange(h.shape[1], dtype=float)


def _sfc(**kw):
    args = dict(f=_onehot_sum, logits=np.zeros(3), size=10)
    args.update(kw)
    return estimators.score_function_categorical(args.pop("f"), args.pop("logits"), **args)


def _gs(**kw):
    args = dict(f=_onehot_sum, df=lambda y: 2 * y, logits=np.zeros(3), tau=0.5, size=10)
    args.update(kw)
    return estimators.gumbel_softmax_categorical(args.pop("f"), args.pop("df"), args.pop("logits"),
                                                 args.pop("tau"), **args)


def _ex(**kw):
    args = dict(f=_onehot_sum, logits=np.zeros(3))
    args.update(kw)
    return estimators.exact_categorical(args.pop("f"), args.pop("logits"))


BAD_LOGITS = [np.zeros((2, 3)), 1.0, [], [0.0, np.nan], [0.0, np.inf], [-np.inf, -np.inf], ["a", "b"]]
BAD_INPUTS = (
    [(_sf, "sigma", dict(sigma=s)) for s in (0.0, -1.0, np.nan, np.inf, [1.0, 2.0], "1")]
    + [(_pw, "sigma", dict(sigma=s)) for s in (0.0, -1.0, np.nan)]
    + [(fn, "mu", dict(mu=m)) for fn in (_sf, _pw) for m in (np.nan, -np.inf, [0.0, 1.0], "0")]
    + [(fn, "size", dict(size=s)) for fn in (_sf, _pw, _sfc, _gs)
       for s in (None, 0, -5, 2.5, (10,), True)]
    + [(fn, "logits", dict(logits=l)) for fn in (_sfc, _gs, _ex) for l in BAD_LOGITS]
    + [(_gs, "tau", dict(tau=t)) for t in (0.0, -1.0, np.nan, np.inf, "1", None, True)]
    + [(fn, "baseline", dict(baseline=b)) for fn in (_sf, _sfc) for b in (np.nan, np.inf, [1.0], "0")]
    + [(_gs, "straight_through", dict(straight_through=v)) for v in ("yes", 1, None)]
    # f / df not callable
    + [(fn, "f", dict(f=3.0)) for fn in (_sf, _sfc, _ex, _gs)]
    + [(fn, "df", dict(df="cos")) for fn in (_pw, _gs)]
    # wrong output shapes: never broadcast silently
    + [(_sf, "f", dict(f=lambda x: 1.0)),
       (_sf, "f", dict(f=lambda x: x[:, None])),
       (_sf, "f", dict(f=lambda x: x[:-1])),
       (_pw, "df", dict(df=lambda x: np.ones((len(x), 2)))),
       (_sfc, "f", dict(f=lambda h: h)),
       (_sfc, "f", dict(f=lambda h: h.sum())),
       (_ex, "f", dict(f=lambda h: h)),
       (_ex, "f", dict(f=lambda h: np.ones(2))),
       (_gs, "df", dict(df=_onehot_sum)),
       (_gs, "df", dict(df=lambda y: 2 * y[:, :2])),
       (_gs, "df", dict(df=lambda y: np.ones(3)))]
    # non-finite or non-real values
    + [(_sf, "f", dict(f=lambda x: np.full(x.shape, np.nan))),
       (_sf, "f", dict(f=lambda x: np.where(x > 0, np.inf, 0.0))),
       (_pw, "df", dict(df=lambda x: x / 0.0)),
       (_sfc, "f", dict(f=lambda h: np.log(h[:, 0]))),
       (_ex, "f", dict(f=lambda h: 1.0 / h[:, 0])),
       (_gs, "df", dict(df=lambda y: np.full(y.shape, np.nan))),
       (_gs, "df", dict(df=lambda y: np.full(y.shape, np.inf), straight_through=True)),
       (_sf, "f", dict(f=lambda x: x + 1j)),
       (_sf, "f", dict(f=lambda x: np.array(["a"] * len(x))))]
)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the bad f's themselves divide by zero
@pytest.mark.parametrize("call, name, kwargs", BAD_INPUTS,
                         ids=[f"{c.__name__}-{n}-{i}" for i, (c, n, _) in enumerate(BAD_INPUTS)])
def test_bad_input_raises_value_error_naming_it(call, name, kwargs):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call(**kwargs)


def test_shape_errors_state_the_shapes():
    with pytest.raises(ValueError, match=r"^f .*\(10,\).*\(10, 1\)"):
        _sf(f=lambda x: x[:, None])
    with pytest.raises(ValueError, match=r"^df .*\(10, 3\).*\(10,\)"):
        _gs(df=_onehot_sum)


def test_size_is_required():
    with pytest.raises(TypeError, match="size"):
        estimators.score_function_normal(np.sin, 0.0, 1.0)
    with pytest.raises(TypeError, match="size"):
        estimators.gumbel_softmax_categorical(None, lambda y: y, [0.0, 1.0], 1.0)


def test_f_may_be_none_or_callable_in_gumbel_softmax_and_is_not_called():
    def boom(_):
        raise AssertionError("f must not be called")

    a = _gs(f=None, rng=1)
    b = _gs(f=boom, rng=1)
    np.testing.assert_array_equal(a, b)
