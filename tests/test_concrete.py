"""The Concrete density, on the simplex and in log space: normalisation, change of variables,
finiteness on the package's own samples, the simplex tolerance, and torch as a reference.

The torch comparisons are a side-by-side check only (torch is not a dependency of the book):
they skip when torch is missing. Every other test here runs in CI without it.
Nothing here is random beyond fixed seeds; no test is statistical.
"""
import numpy as np
import pytest
from scipy import integrate
from scipy.special import expit, log_expit, log_softmax

import reparam
from reparam.concrete import simplex_tolerance

LOGITS2 = np.array([0.7, -0.4])
LOGITS3 = np.array([0.3, -0.6, 0.1])


def density_of_logit_coordinates(v, logits, tau, *, log_space):
    """Density of v = tau * log(x_1 / x_K), ..., the scaled log-ratios, at the points v (..., K-1).

    v = logits_{1:K-1} - logits_K + (G_{1:K-1} - G_K) does not depend on tau, so its law is the same
    at every temperature: a density that forgets a power of tau, or loses points near the corners,
    integrates to the wrong total. Jacobian: w = v / tau has density q(w) = p(x) prod_k x_k, and
    dv = tau^(K-1) dw.
    """
    z = np.concatenate([v, np.zeros(v.shape[:-1] + (1,))], axis=-1) / tau
    log_x = log_softmax(z, axis=-1)
    if log_space:
        log_q = reparam.concrete_log_prob(log_x, logits, tau, log_input=True)
    else:
        # x from the log, and the Jacobian from x itself, as a reader would do
        x = np.exp(log_x)
        with np.errstate(divide="ignore"):
            log_q = reparam.concrete_log_prob(x, logits, tau) + np.log(x).sum(axis=-1)
    return np.exp(log_q) / tau ** (len(logits) - 1)


# --- The density integrates to 1 ------------------------------------------------------------------

@pytest.mark.parametrize("tau", [0.05, 0.1, 0.2, 0.5])
def test_two_categories_integrate_to_one_in_logit_coordinates(tau):
    # Before the fix, the points whose largest coordinate rounds to 1.0 got -inf, and these
    # integrals were 0.626, 0.921, 0.998 at tau = 0.05, 0.1, 0.2.
    def density(v):
        x = np.array([expit(v / tau), expit(-v / tau)])  # both coordinates positive and accurate
        return np.exp(reparam.concrete_log_prob(x, LOGITS2, tau)) * x[0] * x[1] / tau

    total, error = integrate.quad(density, -np.inf, np.inf, limit=500)
    assert error < 1e-6
    assert total == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("tau", [1e-6, 1e-3, 0.05, 1.0, 30.0])
def test_two_categories_integrate_to_one_in_log_space_at_any_temperature(tau):
    def density(v):
        y = np.array([log_expit(v / tau), log_expit(-v / tau)])
        return np.exp(reparam.concrete_log_prob(y, LOGITS2, tau, log_input=True)) / tau

    total, _ = integrate.quad(density, -np.inf, np.inf, limit=500)
    assert total == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("tau", [0.1, 0.3, 1.0])
def test_the_density_of_log_x1_is_q_over_x_K(tau):
    # The density of y_1 = log x_1 on (-inf, 0), for K = 2, is p(x) x_1 = q(y) / x_2 (docstring).
    # Integrated in u = log(-y_1), over which it is smooth (dy_1 = -y_1 du); beyond u = -745, y_1
    # underflows to 0, and the mass lost there is below exp(-745 tau) / tau.
    def density(u):
        y1 = -np.exp(u)
        y = np.array([y1, np.log(-np.expm1(y1))])  # log x_2 = log(1 - x_1), accurate near x_1 = 1
        return np.exp(reparam.concrete_log_prob(y, LOGITS2, tau, log_input=True) - y[1]) * -y1

    total, error = integrate.quad(density, -745, 8, limit=1000, points=[-10, 0])
    assert error < 1e-8
    assert total == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("tau, log_space", [(0.05, False), (0.1, False), (0.5, False), (1e-3, True), (0.05, True)])
def test_three_categories_integrate_to_one(tau, log_space):
    # Trapezoid rule on [-40, 40]^2 in the scaled log-ratios v: the density of v is smooth and its
    # tails fall like exp(-|v|), so the rule converges geometrically; truncation costs < 1e-15.
    grid = np.linspace(-40, 40, 1601)
    v = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1)
    total = density_of_logit_coordinates(v, LOGITS3, tau, log_space=log_space).sum() * (grid[1] - grid[0]) ** 2
    assert total == pytest.approx(1.0, abs=1e-3)


def test_a_face_integrates_to_one_too():
    logits = np.array([0.3, -np.inf, 0.1])  # the distribution lives on the edge x_1 = 0
    tau = 0.1

    def density(v):
        x = np.array([expit(v / tau), 0.0, expit(-v / tau)])
        return np.exp(reparam.concrete_log_prob(x, logits, tau)) * x[0] * x[2] / tau

    assert integrate.quad(density, -np.inf, np.inf, limit=500)[0] == pytest.approx(1.0, abs=1e-6)


# --- Change of variables between the two densities ------------------------------------------------

@pytest.mark.parametrize("k", [2, 3, 5])
def test_log_space_density_is_the_x_density_times_the_jacobian(k):
    # log p(x) - log q(log x) must be log |det d w / d x_{1:K-1}| for the log-ratios
    # w_j = log(x_j / x_K): here the determinant comes from central finite differences, not from
    # the formula prod_k 1/x_k that the docstring states.
    rng = np.random.default_rng(k)
    logits, tau = rng.normal(size=k), 0.7
    x = reparam.gumbel_softmax(logits, tau, size=200, rng=k)
    x = x[(x > 1e-3).all(-1)][:5]  # points where finite differences are accurate
    assert len(x) >= 3

    def log_ratios(head):
        return np.log(head) - np.log1p(-head.sum())

    for point in x:
        head, h = point[:-1], 1e-7
        jacobian = np.stack([(log_ratios(head + h * e) - log_ratios(head - h * e)) / (2 * h)
                             for e in np.eye(k - 1)], axis=-1)
        log_det = np.linalg.slogdet(jacobian)[1] if k > 1 else 0.0
        gap = reparam.concrete_log_prob(point, logits, tau) - reparam.concrete_log_prob(
            np.log(point), logits, tau, log_input=True)
        assert gap == pytest.approx(log_det, abs=1e-6)
        assert gap == pytest.approx(-np.log(point).sum(), abs=1e-12)


def test_log_space_density_ignores_a_common_shift_of_the_log_coordinates():
    y = reparam.gumbel_softmax(LOGITS3, 0.3, size=4, log=True, rng=0)
    # A shift leaves the log-simplex, so only a shift within the tolerance can be passed in:
    shifted = y + 0.5 * simplex_tolerance(3, np.float64)
    np.testing.assert_allclose(reparam.concrete_log_prob(shifted, LOGITS3, 0.3, log_input=True),
                               reparam.concrete_log_prob(y, LOGITS3, 0.3, log_input=True), rtol=1e-12)


# --- Finite on the package's own samples ----------------------------------------------------------

@pytest.mark.parametrize("k", [2, 10, 50])
@pytest.mark.parametrize("tau", [0.05, 0.1, 0.5, 2.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finite_on_every_sample_with_positive_coordinates(k, tau, dtype):
    logits = np.random.default_rng(k).normal(size=k).astype(dtype)
    x = reparam.gumbel_softmax(logits, tau, size=20_000, rng=1)
    positive = (x > 0).all(axis=-1)
    assert positive.mean() > 0.004  # float32 at tau = 0.05, K = 50: most samples have a 0
    for log_p in (reparam.concrete_log_prob(x, logits, tau),
                  reparam.concrete_log_prob(x, logits.astype(np.float64), tau),  # float32 x, float64 logits
                  reparam.concrete_log_prob(x.astype(np.float64), logits, tau)):
        assert np.isfinite(log_p[positive]).all()
        assert (log_p[~positive] == -np.inf).all()


@pytest.mark.parametrize("tau", [1e-4, 0.01, 0.5, 100.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_space_is_finite_on_every_log_sample(tau, dtype):
    logits = np.random.default_rng(3).normal(size=20).astype(dtype)
    y = reparam.gumbel_softmax(logits, tau, size=20_000, log=True, rng=2)
    assert y.dtype == dtype and np.isfinite(y).all()
    log_q = reparam.concrete_log_prob(y, logits, tau, log_input=True)
    assert log_q.dtype == dtype and np.isfinite(log_q).all()


def test_x_whose_largest_coordinate_rounds_to_one_gets_the_right_density():
    # At tau = 0.05 the largest coordinate is often exactly 1.0 in float64; the density there must
    # agree with the log-space density of the unrounded sample through the Jacobian.
    y = reparam.gumbel_softmax(LOGITS3, 0.05, size=5000, log=True, rng=4)
    x = np.exp(y)
    rounded = (x.max(-1) == 1.0) & (x > 0).all(-1)
    assert rounded.sum() > 500
    expected = reparam.concrete_log_prob(y, LOGITS3, 0.05, log_input=True) - y.sum(-1)
    np.testing.assert_allclose(reparam.concrete_log_prob(x, LOGITS3, 0.05)[rounded], expected[rounded], rtol=1e-9)


def test_log_samples_are_the_log_of_the_samples():
    logits = np.log([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    for tau in (0.05, 1.0):
        x = reparam.gumbel_softmax(logits, tau, size=(400, 2), axis=-1, rng=5)
        y = reparam.gumbel_softmax(logits, tau, size=(400, 2), axis=-1, log=True, rng=5)
        assert y.shape == x.shape == (400, 2, 2, 3)
        np.testing.assert_allclose(np.exp(y), x, rtol=1e-12, atol=1e-300)
    y = reparam.gumbel_softmax(logits.T, 0.3, size=7, axis=0, log=True, rng=6)
    np.testing.assert_allclose(np.exp(y).sum(axis=1), 1.0, atol=1e-12)


# --- The simplex tolerance ------------------------------------------------------------------------

def test_rounding_of_float32_and_log_softmax_computations_is_accepted():
    rng = np.random.default_rng(7)
    for k in (2, 10, 1000):
        z = rng.normal(size=(2000, k)) / 0.3
        for x in (np.exp(log_softmax(z, axis=-1)),                                    # exp(log_softmax)
                  np.exp(log_softmax(z.astype(np.float32), axis=-1)).astype(np.float64),  # float32, stored as float64
                  reparam.softmax(z.astype(np.float32))):                             # float32 itself
            assert np.isfinite(reparam.concrete_log_prob(x, np.zeros(k), 0.3)).all()
    x = np.array([0.3, 0.7 + 1e-6])  # 1e-6 off: float32 rounding stored in float64
    assert np.isfinite(reparam.concrete_log_prob(x, LOGITS2, 0.5))


def test_tolerance_follows_the_precision_of_x():
    # max(K * eps, 1e-6 * sqrt(K)), with eps that of x's own dtype (not of its promotion to float64)
    assert simplex_tolerance(2, np.float64) == pytest.approx(np.sqrt(2) * 1e-6)
    assert simplex_tolerance(4, np.float32) == pytest.approx(2e-6)
    assert simplex_tolerance(1000, np.float32) == pytest.approx(1000 * np.finfo(np.float32).eps)
    with pytest.raises(ValueError, match="x must be a point of the simplex"):  # 4e-6 off, tolerance 2e-6
        reparam.concrete_log_prob(np.array([0.25, 0.25, 0.25, 0.25 + 4e-6], np.float32), np.zeros(4), 1.0)
    k = 200  # float32: K * eps = 2.4e-5 is above the floor 1.4e-5
    x = np.full(k, 1 / k, np.float32)
    x[0] += np.float32(2e-5)
    assert np.isfinite(reparam.concrete_log_prob(x, np.zeros(k), 1.0))  # float64 logits: still float32's tolerance
    with pytest.raises(ValueError, match="off by up to 2"):  # the same numbers given as float64 are off
        reparam.concrete_log_prob(x.astype(np.float64), np.zeros(k), 1.0)


@pytest.mark.parametrize("x", [[0.3, 0.3, 0.3], [0.5, 0.6, 0.1], [1.0, 1.0, 1.0], [0.2, np.inf, 0.3]])
def test_points_off_the_simplex_are_rejected_naming_x(x):
    with pytest.raises(ValueError, match="x must be a point of the simplex"):
        reparam.concrete_log_prob(x, np.zeros(3), 0.5)


def test_x_passed_where_log_x_belongs_is_rejected():
    x = reparam.gumbel_softmax(LOGITS3, 0.5, size=3, rng=8)
    with pytest.raises(ValueError, match="x .*log_input=True.* must be the logarithm of a point of the simplex.*log-sum-exp must be 0"):
        reparam.concrete_log_prob(x, LOGITS3, 0.5, log_input=True)
    with pytest.raises(ValueError, match="x .*contains NaN"):
        reparam.concrete_log_prob([0.0, np.nan], LOGITS2, 0.5, log_input=True)


def test_outside_the_open_simplex_is_minus_inf_in_both_spaces():
    logits = np.zeros(3)
    for x in ([0.5, 0.5, 0.0], [0.6, 0.6, -0.2], [1.0, 0.0, 0.0]):
        assert reparam.concrete_log_prob(x, logits, 1.0) == -np.inf
    assert reparam.concrete_log_prob([0.0, -np.inf, -np.inf], logits, 1.0, log_input=True) == -np.inf
    assert np.isfinite(reparam.concrete_log_prob(np.log([0.2, 0.3, 0.5]), logits, 1.0, log_input=True))


def test_minus_inf_logits_give_the_face_density_in_log_space():
    tau, y = 0.8, np.array([np.log(0.3), -np.inf, np.log(0.7)])
    logits = np.array([0.2, -np.inf, -0.1])
    face = reparam.concrete_log_prob(y, logits, tau, log_input=True)
    np.testing.assert_allclose(face, reparam.concrete_log_prob(y[[0, 2]], logits[[0, 2]], tau, log_input=True))
    assert reparam.concrete_log_prob(np.log([0.3, 0.1, 0.6]), logits, tau, log_input=True) == -np.inf
    one = np.array([0.0, -np.inf, -np.inf])  # a single possible category: a point mass, log-probability 0
    assert reparam.concrete_log_prob(one, [1.0, -np.inf, -np.inf], tau, log_input=True) == 0.0
    assert reparam.concrete_log_prob(np.exp(one), [1.0, -np.inf, -np.inf], tau) == 0.0


def test_extreme_logits_give_no_warning_and_a_finite_density():
    # pytest turns RuntimeWarnings into errors (pyproject filterwarnings).
    x = np.array([0.3, 0.7])
    value = reparam.concrete_log_prob(x, [1e308, 1e308 - 1e293], 0.5)
    assert np.isfinite(value)
    assert reparam.concrete_log_prob(x, [1e308, -1e308], 0.5) == -np.inf  # true value about -1e308 * 2


# --- torch as a reference -------------------------------------------------------------------------

def torch_log_probs(x, y, logits, tau, dtype="float64"):
    torch = pytest.importorskip("torch")
    from torch.distributions import RelaxedOneHotCategorical
    from torch.distributions.relaxed_categorical import ExpRelaxedCategorical

    as_tensor = lambda a: torch.tensor(np.asarray(a), dtype=getattr(torch, dtype))  # noqa: E731
    temperature, logits = as_tensor(tau), as_tensor(logits)
    return (RelaxedOneHotCategorical(temperature, logits=logits).log_prob(as_tensor(x)).numpy(),
            ExpRelaxedCategorical(temperature, logits=logits).log_prob(as_tensor(y)).numpy())


@pytest.mark.parametrize("k", [2, 3, 10])
@pytest.mark.parametrize("tau", [0.02, 0.1, 0.5, 2.0, 1e3])
def test_agrees_with_torch_in_float64(k, tau):
    logits = np.random.default_rng(k).normal(scale=1.5, size=k)
    y = reparam.gumbel_softmax(logits, tau, size=3000, log=True, rng=9)
    x = np.exp(y)
    x = x[(x > 0).all(-1)]
    y = y[(np.exp(y) > 0).all(-1)]
    assert len(x) > 100
    torch_x, torch_y = torch_log_probs(x, y, logits, tau)
    # Evaluating the density costs cancellation of about (K + 1) * tau * |log x| * eps.
    scale = 1 + tau * np.abs(y).sum(-1)
    np.testing.assert_array_less(np.abs(reparam.concrete_log_prob(x, logits, tau) - torch_x), 1e-13 * scale * k)
    np.testing.assert_array_less(np.abs(reparam.concrete_log_prob(y, logits, tau, log_input=True) - torch_y),
                                 1e-13 * scale * k)


@pytest.mark.parametrize("tau", [1e-6, 1e-3])
def test_agrees_with_torch_in_log_space_at_tiny_temperature(tau):
    logits = np.array([0.3, -0.2, 0.5, -1.0])
    y = reparam.gumbel_softmax(logits, tau, size=2000, log=True, rng=10)
    assert (np.exp(y) == 0).any()  # x itself has lost these samples
    _, torch_y = torch_log_probs(np.full_like(y, 0.25), y, logits, tau)
    np.testing.assert_allclose(reparam.concrete_log_prob(y, logits, tau, log_input=True), torch_y, rtol=1e-12)


@pytest.mark.parametrize("tau", [1e6, 1e9])
def test_agrees_with_torch_at_huge_temperature(tau):
    # Samples crowd at the centre; log p ~ (K - 1) log tau, and the two implementations round the
    # same ill-conditioned sum: allow tau * eps relative to the size of the terms.
    logits = np.array([0.3, -0.2, 0.5])
    y = reparam.gumbel_softmax(logits, tau, size=200, log=True, rng=11)
    x = reparam.gumbel_softmax(logits, tau, size=200, rng=11)
    torch_x, torch_y = torch_log_probs(x, y, logits, tau)
    bound = 10 * tau * np.finfo(float).eps * 3 * np.log(3)
    np.testing.assert_array_less(np.abs(reparam.concrete_log_prob(x, logits, tau) - torch_x), bound)
    np.testing.assert_array_less(np.abs(reparam.concrete_log_prob(y, logits, tau, log_input=True) - torch_y), bound)


def test_agrees_with_torch_in_float32():
    logits = np.array([0.3, -0.2, 0.5, 0.0, -0.7], np.float32)
    x = reparam.gumbel_softmax(logits, 0.3, size=2000, rng=12)
    y = reparam.gumbel_softmax(logits, 0.3, size=2000, log=True, rng=12)
    x, y = x[(x > 0).all(-1)], y[(x > 0).all(-1)]
    torch_x, torch_y = torch_log_probs(x, y, logits, 0.3, dtype="float32")
    ours_x = reparam.concrete_log_prob(x, logits, 0.3)
    ours_y = reparam.concrete_log_prob(y, logits, 0.3, log_input=True)
    assert ours_x.dtype == ours_y.dtype == np.float32
    # torch computes in float32, the package in float64 and rounds once: a few float32 ulps of the terms
    scale = 1 + 0.3 * np.abs(np.log(x.astype(np.float64))).sum(-1)
    np.testing.assert_array_less(np.abs(ours_x - torch_x), 20 * np.finfo(np.float32).eps * scale * 5)
    np.testing.assert_array_less(np.abs(ours_y - torch_y), 20 * np.finfo(np.float32).eps * scale * 5)


def test_minus_inf_logits_match_torch_on_the_reduced_categories():
    # torch returns NaN with a -inf logit (it computes -inf - (-inf)); the package returns the face's
    # density, which torch computes when the impossible category is dropped.
    logits, tau = np.array([0.2, -np.inf, -0.1, 0.4]), 0.6
    keep = np.isfinite(logits)
    y = reparam.gumbel_softmax(logits, tau, size=500, log=True, rng=13)
    x = np.exp(y)
    assert (x[:, ~keep] == 0).all() and (y[:, ~keep] == -np.inf).all()
    torch_x, torch_y = torch_log_probs(x[:, keep], y[:, keep], logits[keep], tau)
    np.testing.assert_allclose(reparam.concrete_log_prob(x, logits, tau), torch_x, rtol=1e-12)
    np.testing.assert_allclose(reparam.concrete_log_prob(y, logits, tau, log_input=True), torch_y, rtol=1e-12)
