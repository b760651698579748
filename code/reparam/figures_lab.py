r"""Chapter 6's slider: which estimators resolve a gradient of 0.002 at equal cost.

The toy of REBAR and RELAX, :math:`\mathbb{E}_{b \sim \mathrm{Bernoulli}(\theta)}[(b - t)^2]`, has
the gradient :math:`1 - 2t` with respect to :math:`\theta`: as :math:`t \to 1/2` it vanishes while
:math:`f` itself stays near :math:`1/4`. :class:`EstimatorResolution` gives every estimator the
same budget of evaluations of :math:`f`, averages its estimates within each budget, and shows many
such budget-averaged estimates divided by the exact gradient: a cloud around 1 that stays clear of
0 resolves the gradient, a cloud straddling 0 does not know its sign.

Examples
--------
>>> from matplotlib.figure import Figure
>>> from reparam import figures_lab, plotting
>>> with plotting.book_style():
...     drawing = figures_lab.EstimatorResolution(Figure(figsize=(7.2, 3.8)), n=100)
...     alt = drawing.update(0.499)
>>> alt.split(":")[0]
'At t = 0.499 the exact gradient 1 − 2t is 0.002'
"""
import numpy as np
from matplotlib.ticker import NullLocator

from . import estimators as E
from ._checks import check_count, check_real, check_tau
from .figures import Drawing
from .plotting import COLORS

__all__ = ["EstimatorResolution", "estimator_resolution_slider", "resolution_estimates"]

#: Drawing order: the points above the grid, the reference lines and texts above the points.
_DATA_Z, _REFERENCE_Z = 2.6, 2.7

#: (label, colour, evaluations of f per estimate)
ESTIMATORS = (
    ("REINFORCE", COLORS["orange"], 1),
    ("RLOO, n = 4", COLORS["green"], 4),
    ("DisARM", COLORS["blue"], 2),
    ("REBAR, τ = 0.5", COLORS["purple"], 3),
    ("straight-through, τ = 0.5", COLORS["vermillion"], 1),
)


def resolution_estimates(t, *, theta=0.3, budget=12, n=300, tau=0.5, rng=0):
    r"""Budget-averaged estimates of :math:`\frac{d}{d\theta}\mathbb{E}[(b - t)^2]` for each estimator.

    Each of the ``n`` rows of an estimator averages as many of its estimates as ``budget``
    evaluations of :math:`f` buy (``budget / cost``), and is divided by :math:`\theta(1-\theta)`
    to turn a gradient in the logit into one in :math:`\theta`. The estimators draw from fixed
    seeds spawned from ``rng``: the same noise at every ``t``.

    Returns
    -------
    dict
        label (see :data:`ESTIMATORS`) -> array of ``n`` budget-averaged estimates.
    """
    t = check_real(t, "t")
    theta = check_real(theta, "theta")
    if not 0 < theta < 1:
        raise ValueError(f"theta must be strictly between 0 and 1, got {theta!r}")
    budget = check_count(budget, "budget")
    if budget % 12:
        raise ValueError(f"budget must be a multiple of 12 (so that every cost 1, 2, 3, 4 divides it), got {budget!r}")
    n = check_count(n, "n", minimum=2)
    tau = check_tau(tau)
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)):
        raise ValueError(f"rng must be an int seed (the same noise at every t), got {rng!r}")
    seeds = np.random.SeedSequence(int(rng)).spawn(len(ESTIMATORS))
    a = float(np.log(theta / (1 - theta)))
    scale = theta * (1 - theta)

    def f(b):
        return (b[:, 0] - t) ** 2

    def df(b):
        return 2.0 * (b - t)

    def f_onehot(h):
        return (h[:, 1] - t) ** 2

    def df_onehot(y):
        grad = np.zeros_like(y)
        grad[:, 1] = 2.0 * (y[:, 1] - t)
        return grad

    calls = (
        lambda m, s: E.score_function_bernoulli(f, [a], size=m, rng=s)[:, 0],
        lambda m, s: E.rloo_categorical(f_onehot, [0.0, a], n=4, size=m, rng=s)[:, 1],
        lambda m, s: E.disarm_bernoulli(f, [a], size=m, rng=s)[:, 0],
        lambda m, s: E.rebar_bernoulli(f, df, [a], tau=tau, size=m, rng=s)[:, 0],
        lambda m, s: E.gumbel_softmax_categorical(None, df_onehot, [0.0, a], tau, size=m, straight_through=True,
                                                  rng=s)[:, 1],
    )
    out = {}
    for (label, _, cost), call, seed in zip(ESTIMATORS, calls, seeds):
        per_budget = budget // cost
        estimates = call(n * per_budget, np.random.default_rng(seed))
        out[label] = estimates.reshape(n, per_budget).mean(axis=1) / scale
    return out


class EstimatorResolution(Drawing):
    r"""Budget-averaged gradient estimates on the toy :math:`\mathbb{E}[(b - t)^2]`, relative to the exact gradient.

    One row per estimator (:data:`ESTIMATORS`): ``n`` points, each the average of the estimates
    one budget of ``budget`` evaluations of :math:`f` buys, divided by the exact gradient
    :math:`1 - 2t`; so 1 is exact and 0 carries no information. The horizontal axis is
    logarithmic beyond :math:`\pm 1` (``symlog``), so that a spread of hundreds of times the
    gradient and one of a tenth of it both show; points beyond :math:`\pm 1000` are drawn as
    triangles near the edge. Beside each row: the fraction of budgets whose estimate has the
    right sign. The estimates come from :func:`resolution_estimates`, with the same noise at
    every :math:`t`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    theta : float
        :math:`P(b = 1)`, strictly between 0 and 1. At :math:`\theta = 1/2` DisARM is exact in one
        dimension, so the default is 0.3.
    budget : int
        Evaluations of :math:`f` per point, a multiple of 12.
    n : int
        Points per estimator.
    tau : float
        Temperature of REBAR and of the straight-through estimator.
    rng : int
        Seed of the noise, drawn anew from it at every update (the same noise at every value).
    """

    XLIM = (-1000.0, 1000.0)

    def __init__(self, fig, *, theta=0.3, budget=12, n=300, tau=0.5, rng=0):
        super().__init__(fig)
        self.params = dict(theta=theta, budget=budget, n=n, tau=tau, rng=rng)
        resolution_estimates(0.25, **{**self.params, "n": 2})  # checks the parameters once
        self.n = int(n)
        jitter = np.random.default_rng(12345).uniform(-0.28, 0.28, self.n)  # fixed vertical spread
        ax = fig.add_subplot()
        ax.set_axisbelow(True)
        rows = len(ESTIMATORS)
        self.rows_y = [rows - 1 - i + jitter for i in range(rows)]
        ax.set_xscale("symlog", linthresh=1.0, linscale=1.0)
        ax.set_xlim(*self.XLIM)
        ax.set_xticks([-1000, -100, -10, -1, 0, 1, 10, 100, 1000],
                      ["−1000", "−100", "−10", "−1", "0", "1", "10", "100", "1000"])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_ylim(-0.6, rows - 0.4)
        ax.set_yticks(np.arange(rows)[::-1], [f"{label}\n({budget // cost} × {cost} evaluations)"
                                              for label, _, cost in ESTIMATORS])
        ax.grid(False, axis="y")
        ax.axvline(0.0, color=COLORS["grey"], ls="--", lw=1.2, zorder=_REFERENCE_Z)
        ax.axvline(1.0, color=COLORS["black"], lw=1.5, zorder=_REFERENCE_Z)
        ax.set_xlabel(f"estimate from {budget} evaluations of f ÷ exact gradient (1 = exact, < 0 = wrong sign)")
        ax.set_title(f"(b − t)², b ~ Bernoulli({theta:g})", loc="left", fontsize=10)
        # Markers as lines without lines: Agg stamps one cached marker per point, several times
        # faster than a scatter, which the slider redraws at every update.
        def markers(marker, size, color, alpha):
            return self.changing(ax.plot([], [], ls="none", marker=marker, ms=size, mew=0, color=color, alpha=alpha,
                                         zorder=_DATA_Z)[0])

        self.inside = [markers("o", 2.6, color, 0.45) for _, color, _ in ESTIMATORS]
        self.left = [markers("<", 4.0, color, 1.0) for _, color, _ in ESTIMATORS]
        self.right = [markers(">", 4.0, color, 1.0) for _, color, _ in ESTIMATORS]
        ax.text(1.01, 1.0, "right\nsign", transform=ax.transAxes, ha="left", va="bottom", fontsize=9)
        self.labels = [self.changing(ax.text(1.01, (rows - 1 - i + 0.6) / rows, " ", transform=ax.transAxes,
                                             ha="left", va="center", fontsize=9))
                       for i in range(rows)]
        self.value_title = self.changing(ax.set_title(" ", loc="right", fontsize=10))
        fig.subplots_adjust(left=0.27, right=0.86, bottom=0.14, top=0.91)

    def update(self, value):
        t = check_real(value, "value")
        if not t < 0.5:
            raise ValueError(f"value (the target t) must be below 1/2, where the gradient 1 - 2t vanishes, got {value!r}")
        exact = 1.0 - 2.0 * t
        estimates = resolution_estimates(t, **self.params)
        lo, hi = self.XLIM
        summary = []
        for i, (label, _, _) in enumerate(ESTIMATORS):
            relative = estimates[label] / exact
            y = self.rows_y[i]
            shown = (relative > lo) & (relative < hi)
            self.inside[i].set_data(relative[shown], y[shown])
            below, above = relative <= lo, relative >= hi
            for edge, beyond, x in ((self.left[i], below, 0.8 * lo), (self.right[i], above, 0.8 * hi)):
                edge.set_data(np.full(beyond.sum(), x), y[beyond])
                edge.set_visible(bool(beyond.any()))  # an empty line still costs a draw
            right_sign = float(np.mean(relative > 0))
            self.labels[i].set_text(f"{right_sign:.0%}")
            summary.append(f"{label} {right_sign:.0%}")
        self.value_title.set_text(f"t = {t:.4g}, gradient {exact:.3g}")
        return (f"At t = {t:.4g} the exact gradient 1 − 2t is {exact:.3g}: share of {self.n} budgets of "
                f"{self.params['budget']} evaluations whose estimate has the right sign: " + ", ".join(summary) + ".")


def estimator_resolution_slider(*, theta=0.3, budget=12, n=300, tau=0.5, rng=0, num=31, **kwargs):
    r"""A slider over the target :math:`t` of :class:`EstimatorResolution`.

    The grid makes the exact gradient :math:`1 - 2t` log-spaced from 0.5 down to 0.002, that is
    :math:`t` from 0.25 to 0.499.
    """
    from . import widgets

    def grid(num):
        return np.sort((1.0 - widgets.log_grid(0.002, 0.5, num)) / 2.0)

    return widgets.Slider(EstimatorResolution, grid(num), value=kwargs.pop("value", 0.49), label="t", fmt="{:.5g}",
                          live_values=grid(4 * num - 3), figsize=kwargs.pop("figsize", (7.2, 3.8)),
                          theta=theta, budget=budget, n=n, tau=tau, rng=rng, **kwargs)
