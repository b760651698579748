r"""Drawing functions for the book's slider figures.

Each function draws one picture onto an empty :class:`matplotlib.figure.Figure` for one value of
the slider's parameter and returns a one-sentence description of what it drew (the alt text of
the static frame). The random numbers come from a fixed ``rng`` seed, so the same noise is used at
every parameter value: moving the slider morphs the picture instead of re-rolling it. The
functions draw nothing else, keep no state and never call ``pyplot``; :mod:`reparam.widgets` turns
them into sliders.

Call them inside :func:`reparam.plotting.book_style` (the sliders do) for the book's colours and
white canvas.

Examples
--------
>>> from matplotlib.figure import Figure
>>> import numpy as np
>>> from reparam import figures, plotting
>>> with plotting.book_style():
...     fig = Figure()
...     alt = figures.gumbel_softmax_bars(fig, 0.5, logits=np.log([0.2, 0.5, 0.3]), rng=0)
>>> alt.startswith("Bar chart of one Gumbel-softmax sample at temperature 0.5: (")
True
>>> alt.endswith("beside softmax(logits) = (0.2, 0.5, 0.3).")
True
>>> fig.axes[0].get_title()
'One Gumbel-softmax sample, fixed noise G, τ = 0.5'
"""
import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator

from ._checks import check_count, check_logits_1d, check_real, check_tau
from .estimators import pathwise_normal, score_function_normal
from .gumbel import gumbel_max, gumbel_softmax
from .plotting import COLORS
from .softmax import softmax

__all__ = [
    "estimator_spread",
    "gumbel_max_histogram",
    "gumbel_softmax_bars",
    "gumbel_softmax_simplex",
]

#: Default logits of the K = 3 examples: probabilities (0.2, 0.5, 0.3).
DEFAULT_LOGITS = np.log([0.2, 0.5, 0.3])

#: The original post's "probabilities" [0, .2, .9, .1] (they sum to 1.2), normalised.
POST_PROBS = np.array([0.0, 0.2, 0.9, 0.1]) / 1.2


#: Fixed margins (figure fractions): the same layout in every frame, and no layout engine to run.
_MARGINS = {"left": 0.1, "right": 0.98, "bottom": 0.14, "top": 0.9}


def _fmt(values, digits=3):
    """A tuple of numbers rounded for reading, as text: '(0.2, 0.5, 0.3)'."""
    return "(" + ", ".join(f"{round(float(v), digits):g}" for v in values) + ")"


def _category_labels(k):
    return [str(i + 1) for i in range(k)]


def _finish_category_bars(fig, ax, k, ylabel, title):
    """Axes of a bar chart over K categories, scaled 0..1 with headroom for a two-column legend."""
    ax.set_xticks(np.arange(k), _category_labels(k))
    ax.set_ylim(0, 1.38)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xlabel("category $k$")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper center", ncols=2)
    fig.subplots_adjust(**_MARGINS)


def gumbel_softmax_bars(fig, tau, *, logits=DEFAULT_LOGITS, rng=0):
    r"""One relaxed sample :math:`\mathrm{softmax}((\ell + G)/\tau)` for fixed noise, as bars.

    Beside each bar stands :math:`\mathrm{softmax}(\ell)_k`, the probability of category
    :math:`k`. The Gumbel noise :math:`G` is the same at every ``tau`` (same ``rng`` seed): as
    :math:`\tau \to 0` the sample becomes the one-hot vector of :math:`\arg\max_k(\ell_k + G_k)`,
    as :math:`\tau \to \infty` it flattens to :math:`(1/K, \dots, 1/K)`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    tau : float
        Temperature, > 0.
    logits : array_like, shape (K,)
        Unnormalised log-probabilities.
    rng : int or numpy.random.Generator
        Seed of the noise; an int gives the same noise at every call.

    Returns
    -------
    str
        Alt text describing the picture.
    """
    tau = check_tau(tau)
    logits = check_logits_1d(logits)
    probs = softmax(logits)
    sample = gumbel_softmax(logits, tau, rng=rng)
    k = len(logits)
    where = np.arange(k)
    ax = fig.add_subplot()
    ax.bar(where - 0.2, probs, width=0.4, color=COLORS["sky"], label=r"softmax($\ell$): probabilities")
    ax.bar(where + 0.2, sample, width=0.4, color=COLORS["vermillion"],
           label=r"sample softmax$((\ell + G)/\tau)$")
    ax.axhline(1.0 / k, color=COLORS["grey"], lw=1, ls=":", label=f"centre 1/K = 1/{k}")
    _finish_category_bars(fig, ax, k, "probability / sample coordinate",
                          f"One Gumbel-softmax sample, fixed noise G, τ = {tau:.3g}")
    return (f"Bar chart of one Gumbel-softmax sample at temperature {tau:.3g}: {_fmt(sample)}, "
            f"beside softmax(logits) = {_fmt(probs)}.")


def _simplex_xy(points):
    """Barycentric coordinates (n, 3) -> Cartesian (n, 2) in the triangle (0,0), (1,0), (1/2, sqrt(3)/2)."""
    x = points[:, 1] + 0.5 * points[:, 2]
    y = (np.sqrt(3) / 2) * points[:, 2]
    return x, y


def gumbel_softmax_simplex(fig, tau, *, logits=DEFAULT_LOGITS, n=3000, rng=0):
    r"""Gumbel-softmax samples with K = 3 in the probability triangle, and their argmax frequencies.

    Left: ``n`` samples :math:`x = \mathrm{softmax}((\ell + G)/\tau)` placed at barycentric
    coordinates (corner :math:`k` is the one-hot vector :math:`e_k`), coloured by
    :math:`\arg\max_k x_k`. As :math:`\tau` falls they crowd into the corners, as it rises they
    collapse onto the centre :math:`(1/3, 1/3, 1/3)`. Right: the frequency of each argmax beside
    :math:`\mathrm{softmax}(\ell)`; the noise is fixed, so the argmax, and these frequencies, are
    the same at every temperature: :math:`P(\arg\max_k x_k = k) = \mathrm{softmax}(\ell)_k`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    tau : float
        Temperature, > 0.
    logits : array_like, shape (3,)
        Unnormalised log-probabilities of the three categories.
    n : int
        Number of samples.
    rng : int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    str
        Alt text describing the picture.
    """
    tau = check_tau(tau)
    logits = check_logits_1d(logits)
    if len(logits) != 3:
        raise ValueError(f"logits must have exactly 3 categories for the triangle, got {len(logits)}")
    n = check_count(n, "n")
    probs = softmax(logits)
    samples = np.ascontiguousarray(gumbel_softmax(logits, tau, size=n, rng=rng))
    winner = samples.argmax(axis=1)
    freq = np.bincount(winner, minlength=3) / n
    x, y = _simplex_xy(samples)
    colors = [COLORS["blue"], COLORS["orange"], COLORS["green"]]

    tri, bars = fig.subplots(1, 2, width_ratios=[1.35, 1])
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2], [0.0, 0.0]])
    tri.plot(corners[:, 0], corners[:, 1], color=COLORS["black"], lw=1)
    alpha = float(np.clip(1500 / n, 0.25, 0.8))
    for k in range(3):
        mine = winner == k
        tri.plot(x[mine], y[mine], "o", ms=2.2, mec="none", color=colors[k], alpha=alpha)
    tri.plot([0.5], [np.sqrt(3) / 6], "+", color=COLORS["black"], ms=9, mew=1.5)
    offsets = [(-0.04, -0.07, "left"), (1.04, -0.07, "right"), (0.5, np.sqrt(3) / 2 + 0.04, "center")]
    for k, (cx, cy, ha) in enumerate(offsets):
        tri.text(cx, cy, f"$e_{k + 1}$", ha=ha, va="center", color=colors[k], fontsize=10)
    tri.set_xlim(-0.08, 1.08)
    tri.set_ylim(-0.12, 0.95)
    tri.set_aspect("equal")
    tri.axis("off")
    tri.set_title(f"{n:,} samples on the simplex, τ = {tau:.3g}")

    where = np.arange(3)
    bars.bar(where - 0.2, freq, width=0.4, color=colors, label="argmax frequency")
    bars.bar(where + 0.2, probs, width=0.4, color="white", edgecolor=colors, hatch="///",
             label=r"softmax($\ell$)")
    bars.set_xticks(where, _category_labels(3))
    bars.set_ylim(0, 1)
    bars.set_xlabel(r"category $k$ (corner $e_k$)")
    bars.set_ylabel("frequency / probability")
    bars.set_title("argmax: the same at every τ")
    bars.legend(loc="upper left")
    fig.subplots_adjust(left=0.0, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    spread = float(np.abs(samples - 1 / 3).sum(axis=1).mean())
    return (f"Triangle with {n} Gumbel-softmax samples at temperature {tau:.3g}; mean L1 distance "
            f"from the centre {spread:.2f} (0 is the centre, 4/3 a corner). Argmax frequencies "
            f"{_fmt(freq, 3)} beside probabilities {_fmt(probs, 3)}.")


def gumbel_max_histogram(fig, n, *, probs=POST_PROBS, n_max=100_000, rng=0):
    r"""Frequencies of the first ``n`` Gumbel-max samples, done right and done wrong.

    Right: logits :math:`\log p`, so :math:`\arg\max_k(\log p_k + G_k) \sim p`. Wrong, as in the
    original post: the probabilities :math:`p` fed in as if they were logits, which samples from
    :math:`\mathrm{softmax}(p)` instead. Both use the same noise; ``n_max`` samples are drawn
    and the first ``n`` counted, so a larger ``n`` adds samples to a smaller one.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    n : int
        Number of samples counted, ``1 <= n <= n_max``.
    probs : array_like, shape (K,)
        Category probabilities (non-negative, summing to 1).
    n_max : int
        Number of samples drawn.
    rng : int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    str
        Alt text describing the picture.
    """
    n_max = check_count(n_max, "n_max")
    n = check_count(n, "n")
    if n > n_max:
        raise ValueError(f"n must be <= n_max = {n_max}, got {n}")
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 1 or len(probs) < 2 or not np.isfinite(probs).all() or (probs < 0).any():
        raise ValueError(f"probs must be a 1-D array of at least 2 finite non-negative numbers, got {probs}")
    if abs(probs.sum() - 1.0) > 1e-9:
        raise ValueError(f"probs must sum to 1, got sum {probs.sum():.6g}")
    k = len(probs)
    with np.errstate(divide="ignore"):
        logits = np.log(probs)
    mistaken = softmax(probs)
    both = gumbel_max(np.stack([logits, probs]), size=n_max, rng=rng)[:n]
    right = np.bincount(both[:, 0], minlength=k) / n
    wrong = np.bincount(both[:, 1], minlength=k) / n

    ax = fig.add_subplot()
    where = np.arange(k)
    ax.bar(where - 0.2, right, width=0.4, color=COLORS["blue"], label=r"frequency, logits $= \log p$ (right)")
    ax.bar(where + 0.2, wrong, width=0.4, color=COLORS["orange"], label=r"frequency, logits $= p$ (mistake)")
    ax.hlines(probs, where - 0.4, where, color=COLORS["black"], lw=2, label="$p$ (target)")
    ax.hlines(mistaken, where, where + 0.4, color=COLORS["vermillion"], lw=2, ls="--",
              label=r"softmax($p$) (what the mistake samples)")
    _finish_category_bars(fig, ax, k, "frequency / probability", f"Gumbel-max: frequencies of N = {n:,} samples")
    return (f"Bar chart of Gumbel-max frequencies from {n} samples: with logits log p {_fmt(right)}, "
            f"target p = {_fmt(probs)}; with p fed as logits {_fmt(wrong)}, which tends to "
            f"softmax(p) = {_fmt(mistaken)}.")


def estimator_spread(fig, k, *, mu=0.0, sigma=1.0, n=10_000, k_max=3.0, rng=0):
    r"""Histograms of score-function and pathwise estimates of :math:`\frac{d}{d\mu}\mathbb{E}[(x-k)^2]`.

    For :math:`x \sim N(\mu, \sigma^2)` the exact gradient is :math:`2(\mu - k)`. The
    score-function estimate :math:`(x-k)^2 (x-\mu)/\sigma^2` and the pathwise estimate
    :math:`2(x - k)` (see :mod:`reparam.estimators`) are both unbiased, but the pathwise spread
    :math:`2\sigma` does not depend on :math:`k`, while the score-function spread grows with
    :math:`|\mu - k|`. The same :math:`\varepsilon` are used at every :math:`k`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    k : float
        The target in :math:`f(x) = (x - k)^2`.
    mu, sigma : float
        Mean and standard deviation of :math:`x`.
    n : int
        Number of samples of each estimator.
    k_max : float
        Largest :math:`|k|` of the slider, fixing the horizontal axis so frames compare.
    rng : int
        Seed of the noise; both estimators use the same samples.

    Returns
    -------
    str
        Alt text describing the picture.
    """
    k = check_real(k, "k")
    k_max = check_real(k_max, "k_max", positive=True)
    n = check_count(n, "n", minimum=2)
    score = score_function_normal(lambda x: (x - k) ** 2, mu, sigma, size=n, rng=rng)[:, 0]
    path = pathwise_normal(lambda x: 2.0 * (x - k), mu, sigma, size=n, rng=rng)[:, 0]
    exact = 2.0 * (mu - k)

    half_width = 2.0 * (abs(mu) + k_max + 3.0 * sigma) ** 2 / sigma
    edges = np.linspace(-half_width, half_width, 121)
    ax = fig.add_subplot()
    for values, color, name in ((score, COLORS["orange"], "score function"),
                                (path, COLORS["blue"], "pathwise")):
        counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
        ax.stairs(counts / n, edges, color=color, fill=True, alpha=0.55,
                  label=f"{name}: mean {values.mean():.2f}, std {values.std():.2f}")
    ax.axvline(exact, color=COLORS["black"], ls="--", lw=1.5, label="exact gradient 2(μ − k)")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_yscale("log")
    ax.set_ylim(0.5 / n, 300.0)
    ax.yaxis.set_major_locator(FixedLocator(10.0 ** np.arange(0, np.floor(np.log10(0.5 / n)), -1)))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(r"estimate of $\partial/\partial\mu\ \mathbb{E}[(x-k)^2]$")
    ax.set_ylabel(f"fraction of {n:,} estimates")
    ax.set_title(f"Gradient estimates, x ~ N({mu:g}, {sigma:g}²), k = {k:.3g}")
    ax.legend(loc="upper left", ncols=2)
    fig.subplots_adjust(**_MARGINS)
    return (f"Histograms of {n} gradient estimates at k = {k:.3g}: score function mean "
            f"{score.mean():.2f}, standard deviation {score.std():.2f}; pathwise mean {path.mean():.2f}, "
            f"standard deviation {path.std():.2f}; exact gradient {exact:.2f}.")
