r"""The book's slider figures: drawings that redraw only what the slider changes.

A slider figure is a :class:`Drawing`: built once on a matplotlib figure, it draws everything
that does not depend on the slider's value (axes, labels, legend, reference lines, the random
numbers, which are drawn once from a fixed ``rng`` seed) and keeps the artists that do.
:meth:`Drawing.update` then changes only their data for a new value and returns a one-sentence
description of the picture (the alt text). The same noise is used at every value, so moving the
slider morphs the picture instead of re-rolling it, and a value always gives the same picture,
whatever was shown before. :mod:`reparam.widgets` turns a Drawing into a slider; it redraws only
the artists passed through :meth:`Drawing.changing`, on top of a cached image of the rest.

Nothing here calls ``pyplot``. Build drawings inside :func:`reparam.plotting.book_style` for the
book's colours and white canvas (the sliders use :func:`reparam.plotting.slider_style`, the same
with faster, unhinted text).

Examples
--------
>>> from matplotlib.figure import Figure
>>> import numpy as np
>>> from reparam import figures, plotting
>>> with plotting.book_style():
...     drawing = figures.GumbelSoftmaxBars(Figure(), logits=np.log([0.2, 0.5, 0.3]), rng=0)
...     alt = drawing.update(0.5)
>>> alt.startswith("Bar chart of one Gumbel-softmax sample at temperature 0.5: (")
True
>>> alt.endswith("beside softmax(logits) = (0.2, 0.5, 0.3).")
True
>>> drawing.fig.axes[0].get_title(loc="right")
'τ = 0.5'
"""
import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, NullLocator

from ._checks import check_count, check_logits_1d, check_real, check_tau
from .estimators import pathwise_normal, score_function_normal
from .gumbel import gumbel, gumbel_max
from .plotting import COLORS
from .softmax import softmax

__all__ = [
    "Drawing",
    "EstimatorSpread",
    "GumbelMaxHistogram",
    "GumbelSoftmaxBars",
    "GumbelSoftmaxSimplex",
]

#: Default logits of the K = 3 examples: probabilities (0.2, 0.5, 0.3).
DEFAULT_LOGITS = np.log([0.2, 0.5, 0.3])

#: The original post's "probabilities" [0, .2, .9, .1]: they sum to 1.2, and its code feeds them as logits.
POST_WEIGHTS = np.array([0.0, 0.2, 0.9, 0.1])

#: Fixed margins (figure fractions): the same layout in every frame, and no layout engine to run.
_MARGINS = {"left": 0.1, "right": 0.98, "bottom": 0.14, "top": 0.9}

#: Drawing order: data above the axis spines (zorder 2.5), reference lines above the data, text above both.
_DATA_Z, _REFERENCE_Z = 2.6, 2.7


class Drawing:
    r"""A slider's picture: the parts that do not depend on the value are drawn once.

    A subclass draws, in ``__init__(self, fig, **params)``, everything that does not depend on
    the slider's value, with fixed axis limits, and creates the artists that do, passing each
    through :meth:`changing`. Its ``update(self, value)`` changes only those artists' data
    (``set_data``, ``set_height``, ``set_text``, ...) and returns the alt text. The slider draws
    the changing artists, in order of ``zorder``, over a cached image of the rest, so no
    static artist may be drawn over them.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from reparam.figures import Drawing
    >>> class Line(Drawing):
    ...     def __init__(self, fig):
    ...         super().__init__(fig)
    ...         ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 2))
    ...         (self.line,) = self.changing(ax.plot([], []))
    ...     def update(self, value):
    ...         self.line.set_data([0, 1], [0, value])
    ...         return f"A line rising to {value:g}."
    >>> line = Line(Figure())
    >>> line.update(1.5), len(line.changing_artists)
    ('A line rising to 1.5.', 1)
    """

    def __init__(self, fig):
        self.fig = fig
        self._changing = []

    def changing(self, artists):
        """Mark an artist, or a list or container of artists, as changed by :meth:`update`; return it."""
        stack = [artists]
        while stack:
            item = stack.pop()
            if isinstance(item, Artist):
                self._changing.append(item)
            elif isinstance(item, (list, tuple)):
                stack.extend(reversed(item))
            else:
                raise ValueError(f"artists must be a matplotlib Artist or a list of them, got {item!r}")
        return artists

    @property
    def changing_artists(self):
        """The artists :meth:`update` changes, in the order they were marked."""
        return tuple(self._changing)

    def update(self, value):
        """Show the picture for ``value``; return its alt text."""
        raise NotImplementedError("a Drawing subclass must define update(value) -> alt text")


def _fmt(values, digits=3):
    """A tuple of numbers rounded for reading, as text: '(0.2, 0.5, 0.3)'."""
    return "(" + ", ".join(f"{round(float(v), digits):g}" for v in values) + ")"


def _minus(text):
    """Text with typographic minus signs, as on the axes' tick labels."""
    return text.replace("-", "\N{MINUS SIGN}")


def _category_labels(k):
    return [str(i + 1) for i in range(k)]


def _category_bar_axes(fig, k, ylabel):
    """Axes of a bar chart over K categories, scaled 0..1 with headroom for a two-column legend."""
    ax = fig.add_subplot()
    ax.set_axisbelow(True)
    ax.set_xticks(np.arange(k), _category_labels(k))
    ax.set_xlim(-0.6, k - 0.4)
    ax.set_ylim(0, 1.38)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xlabel("category $k$")
    ax.set_ylabel(ylabel)
    fig.subplots_adjust(**_MARGINS)
    return ax


def _value_title(drawing, ax, text):
    """A static title on the left of ``ax``, and on its right a changing one for the value (returned).

    Only the few glyphs of the value are drawn again at each update: text is the slowest thing
    matplotlib draws (about 0.1 ms a glyph at twice the pixels).
    """
    ax.set_title(text, loc="left")
    return drawing.changing(ax.set_title(" ", loc="right"))


def _set_heights(bars, heights):
    for bar, height in zip(bars, heights):
        bar.set_height(height)


def _fixed_noise(rng):
    """A generator for noise drawn once: an int seed gives the same noise in every drawing."""
    return np.random.default_rng(rng)


class GumbelSoftmaxBars(Drawing):
    r"""One relaxed sample :math:`\mathrm{softmax}((\ell + G)/\tau)` for fixed noise, as bars.

    Beside each bar stands :math:`\mathrm{softmax}(\ell)_k`, the probability of category
    :math:`k`. The Gumbel noise :math:`G` is drawn once: as :math:`\tau \to 0` the sample
    becomes the one-hot vector of :math:`\arg\max_k(\ell_k + G_k)`, as :math:`\tau \to \infty`
    it flattens to :math:`(1/K, \dots, 1/K)`. For the same ``rng`` the sample equals
    ``reparam.gumbel_softmax(logits, tau, rng=rng)``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    logits : array_like, shape (K,)
        Unnormalised log-probabilities.
    rng : None, int or numpy.random.Generator
        Source of the noise, drawn once.

    Examples
    --------
    >>> import numpy as np, reparam
    >>> from matplotlib.figure import Figure
    >>> bars = GumbelSoftmaxBars(Figure(), logits=np.log([0.2, 0.5, 0.3]), rng=0)
    >>> np.allclose(bars.sample(0.5), reparam.gumbel_softmax(np.log([0.2, 0.5, 0.3]), 0.5, rng=0))
    True
    """

    def __init__(self, fig, *, logits=DEFAULT_LOGITS, rng=0):
        super().__init__(fig)
        self.logits = check_logits_1d(logits)
        self.probs = softmax(self.logits)
        k = len(self.logits)
        self.noise = gumbel(k, rng=_fixed_noise(rng))
        where = np.arange(k)
        ax = _category_bar_axes(fig, k, "probability / sample coordinate")
        probs = ax.bar(where - 0.2, self.probs, width=0.4, color=COLORS["sky"], zorder=_DATA_Z,
                       label=r"softmax($\ell$): probabilities")
        self.bars = self.changing(ax.bar(where + 0.2, np.zeros(k), width=0.4, color=COLORS["vermillion"],
                                         zorder=_DATA_Z, label=r"sample softmax$((\ell + G)/\tau)$"))
        self.centre = self.changing(ax.axhline(1.0 / k, color=COLORS["grey"], lw=1, ls=":", zorder=_REFERENCE_Z,
                                               label=f"centre 1/K = 1/{k}"))
        ax.legend(handles=[probs, self.bars, self.centre], loc="upper center", ncols=2)
        self.value_title = _value_title(self, ax, "One Gumbel-softmax sample, fixed noise G")

    def sample(self, tau):
        """The relaxed sample :math:`\\mathrm{softmax}((\\ell + G)/\\tau)` for the fixed noise."""
        return softmax(self.logits + self.noise, tau=check_tau(tau))

    def update(self, tau):
        sample = self.sample(tau)
        _set_heights(self.bars, sample)
        self.value_title.set_text(f"τ = {tau:.3g}")
        return (f"Bar chart of one Gumbel-softmax sample at temperature {tau:.3g}: {_fmt(sample)}, "
                f"beside softmax(logits) = {_fmt(self.probs)}.")


def _simplex_xy(points):
    """Barycentric coordinates (n, 3) -> Cartesian (x, y) in the triangle (0,0), (1,0), (1/2, sqrt(3)/2)."""
    x = points[:, 1] + 0.5 * points[:, 2]
    y = (np.sqrt(3) / 2) * points[:, 2]
    return x, y


class GumbelSoftmaxSimplex(Drawing):
    r"""Gumbel-softmax samples with K = 3 in the probability triangle, and their argmax frequencies.

    Left: ``n`` samples :math:`x = \mathrm{softmax}((\ell + G)/\tau)` placed at barycentric
    coordinates (corner :math:`k` is the one-hot vector :math:`e_k`), coloured by
    :math:`\arg\max_k x_k`. As :math:`\tau` falls they crowd into the corners, as it rises they
    collapse onto the centre :math:`(1/3, 1/3, 1/3)`. Right: the frequency of each argmax beside
    :math:`\mathrm{softmax}(\ell)`; the noise is drawn once, so the argmax, and these
    frequencies, are the same at every temperature:
    :math:`P(\arg\max_k x_k = k) = \mathrm{softmax}(\ell)_k`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    logits : array_like, shape (3,)
        Unnormalised log-probabilities of the three categories.
    n : int
        Number of samples.
    rng : None, int or numpy.random.Generator
        Source of the noise, drawn once.
    """

    def __init__(self, fig, *, logits=DEFAULT_LOGITS, n=3000, rng=0):
        super().__init__(fig)
        self.logits = check_logits_1d(logits)
        if len(self.logits) != 3:
            raise ValueError(f"logits must have exactly 3 categories for the triangle, got {len(self.logits)}")
        self.n = check_count(n, "n")
        self.probs = softmax(self.logits)
        # Drawn categories first, as reparam.gumbel_softmax does: the same samples for the same seed.
        self.noise = np.ascontiguousarray(gumbel((3, self.n), rng=_fixed_noise(rng)).T)
        self.shifted = self.logits + self.noise
        winner = self.shifted.argmax(axis=1)  # the same at every temperature
        self.groups = [np.flatnonzero(winner == k) for k in range(3)]
        self.freq = np.bincount(winner, minlength=3) / self.n
        colors = [COLORS["blue"], COLORS["orange"], COLORS["green"]]

        tri, bars = fig.subplots(1, 2, width_ratios=[1.35, 1])
        corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2], [0.0, 0.0]])
        tri.plot(corners[:, 0], corners[:, 1], color=COLORS["black"], lw=1)
        alpha = float(np.clip(1500 / self.n, 0.25, 0.8))
        self.clouds = [self.changing(tri.plot([], [], "o", ms=2.2, mec="none", color=colors[k], alpha=alpha)[0])
                       for k in range(3)]
        self.changing(tri.plot([0.5], [np.sqrt(3) / 6], "+", color=COLORS["black"], ms=9, mew=1.5))
        offsets = [(-0.04, -0.07, "left"), (1.04, -0.07, "right"), (0.5, np.sqrt(3) / 2 + 0.04, "center")]
        for k, (cx, cy, ha) in enumerate(offsets):
            tri.text(cx, cy, f"$e_{k + 1}$", ha=ha, va="center", color=colors[k], fontsize=10)
        tri.set_xlim(-0.08, 1.08)
        tri.set_ylim(-0.12, 0.95)
        tri.set_aspect("equal")
        tri.axis("off")
        tri.set_title(f"{self.n:,} samples on the simplex", loc="left")
        self.value_title = self.changing(tri.text(-0.06, 0.86, " ", ha="left", va="center"))

        where = np.arange(3)
        bars.set_axisbelow(True)
        bars.bar(where - 0.2, self.freq, width=0.4, color=colors, label="argmax frequency")
        bars.bar(where + 0.2, self.probs, width=0.4, color="white", edgecolor=colors, hatch="///",
                 label=r"softmax($\ell$)")
        bars.set_xticks(where, _category_labels(3))
        bars.set_ylim(0, 1)
        bars.set_xlabel(r"category $k$ (corner $e_k$)")
        bars.set_ylabel("frequency / probability")
        bars.set_title("argmax: the same at every τ")
        bars.legend(loc="upper left")
        fig.subplots_adjust(left=0.0, right=0.98, bottom=0.14, top=0.9, wspace=0.25)

    def samples(self, tau):
        """The ``(n, 3)`` relaxed samples :math:`\\mathrm{softmax}((\\ell + G)/\\tau)` for the fixed noise."""
        return softmax(self.shifted, tau=check_tau(tau))

    def update(self, tau):
        samples = self.samples(tau)
        x, y = _simplex_xy(samples)
        for cloud, group in zip(self.clouds, self.groups):
            cloud.set_data(x[group], y[group])
        self.value_title.set_text(f"τ = {tau:.3g}")
        spread = float(np.abs(samples - 1 / 3).sum(axis=1).mean())
        return (f"Triangle with {self.n} Gumbel-softmax samples at temperature {tau:.3g}; mean L1 distance "
                f"from the centre {spread:.2f} (0 is the centre, 4/3 a corner). Argmax frequencies "
                f"{_fmt(self.freq, 3)} beside probabilities {_fmt(self.probs, 3)}.")


class GumbelMaxHistogram(Drawing):
    r"""Frequencies of the first ``n`` Gumbel-max samples, done right and done wrong.

    The post's numbers :math:`p` (``weights``, non-negative, summing to 1.2 in the post) describe
    the target :math:`q = p / \sum_j p_j`. Right: logits :math:`\log q`, so
    :math:`\arg\max_k(\log q_k + G_k) \sim q`. Wrong, as in the original post's code: :math:`p`
    fed in as if it were logits, which samples from :math:`\mathrm{softmax}(p)` instead. Both use the same noise; ``n_max`` samples are drawn
    once and the first ``n`` counted, so a larger ``n`` adds samples to a smaller one.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    weights : array_like, shape (K,)
        Non-negative numbers, at least one positive: the target is ``weights / weights.sum()``, and
        the mistake feeds ``weights`` as logits.
    n_max : int
        Number of samples drawn; the slider's value ``n`` counts the first ``1 <= n <= n_max``.
    rng : None, int or numpy.random.Generator
        Source of the noise, drawn once.
    """

    def __init__(self, fig, *, weights=POST_WEIGHTS, n_max=100_000, rng=0):
        super().__init__(fig)
        self.n_max = check_count(n_max, "n_max")
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1 or len(weights) < 2 or not np.isfinite(weights).all() or (weights < 0).any() \
                or not weights.sum() > 0:
            raise ValueError("weights must be a 1-D array of at least 2 finite non-negative numbers, "
                             f"not all zero, got {weights}")
        probs = weights / weights.sum()
        self.probs = probs
        k = len(probs)
        with np.errstate(divide="ignore"):
            logits = np.log(probs)
        self.mistaken = softmax(weights)
        self.draws = np.ascontiguousarray(gumbel_max(np.stack([logits, weights]), size=self.n_max,
                                                     rng=_fixed_noise(rng)).T)
        self.k = k

        where = np.arange(k)
        ax = _category_bar_axes(fig, k, "frequency / probability")
        self.right = self.changing(ax.bar(where - 0.2, np.zeros(k), width=0.4, color=COLORS["blue"], zorder=_DATA_Z,
                                          label=r"frequency, logits $= \log(p/\Sigma p)$ (right)"))
        self.wrong = self.changing(ax.bar(where + 0.2, np.zeros(k), width=0.4, color=COLORS["orange"], zorder=_DATA_Z,
                                          label=r"frequency, logits $= p$ (mistake)"))
        target = self.changing(ax.hlines(probs, where - 0.4, where, color=COLORS["black"], lw=2,
                                         zorder=_REFERENCE_Z, label=r"$p/\Sigma p$ (target)"))
        tends_to = self.changing(ax.hlines(self.mistaken, where, where + 0.4, color=COLORS["vermillion"], lw=2, ls="--",
                                           zorder=_REFERENCE_Z, label=r"softmax($p$) (what the mistake samples)"))
        ax.legend(handles=[self.right, self.wrong, target, tends_to], loc="upper center", ncols=2)
        self.value_title = _value_title(self, ax, "Gumbel-max: frequencies of the first N samples")

    def frequencies(self, n):
        """Frequencies of the first ``n`` draws: ``(right, wrong)``, each of shape (K,)."""
        n = check_count(n, "n")
        if n > self.n_max:
            raise ValueError(f"n must be <= n_max = {self.n_max}, got {n}")
        return (np.bincount(self.draws[0, :n], minlength=self.k) / n,
                np.bincount(self.draws[1, :n], minlength=self.k) / n)

    def update(self, n):
        right, wrong = self.frequencies(n)
        _set_heights(self.right, right)
        _set_heights(self.wrong, wrong)
        self.value_title.set_text(f"N = {n:,}")
        return (f"Bar chart of Gumbel-max frequencies from {n} samples: with logits log(p / sum p) {_fmt(right)}, "
                f"target p / sum p = {_fmt(self.probs)}; with p fed as logits {_fmt(wrong)}, which tends to "
                f"softmax(p) = {_fmt(self.mistaken)}.")


class EstimatorSpread(Drawing):
    r"""Histograms of score-function and pathwise estimates of :math:`\frac{d}{d\mu}\mathbb{E}[(x-k)^2]`.

    For :math:`x \sim N(\mu, \sigma^2)` the exact gradient is :math:`2(\mu - k)`. The
    score-function estimate :math:`(x-k)^2 (x-\mu)/\sigma^2` and the pathwise estimate
    :math:`2(x - k)` (:func:`reparam.estimators.score_function_normal` and
    :func:`~reparam.estimators.pathwise_normal`) are both unbiased, but the pathwise spread
    :math:`2\sigma` does not depend on :math:`k`, while the score-function spread grows with
    :math:`|\mu - k|`. The same :math:`\varepsilon` are used at every :math:`k`.

    The horizontal axis is fixed by ``k_max`` so that frames compare. Estimates beyond it are
    left out of the histograms (not piled into the outermost bins), and a table above the
    histograms states which fraction lies beyond, beside each estimator's mean ± the standard
    error of that mean, and its standard deviation. The exact gradient's line stops below it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on.
    mu, sigma : float
        Mean and standard deviation of :math:`x`.
    n : int
        Number of samples of each estimator.
    k_max : float
        Largest :math:`|k|` of the slider, fixing the horizontal axis.
    rng : None, int or numpy.random.Generator
        Source of :math:`\varepsilon`, drawn once; both estimators use the same samples.
    """

    #: The table above the histograms: tops of its rows, left edge of the names, right edges
    #: of the columns of numbers (axes fractions). Each number is a text of its own, so that an
    #: update redraws only the few characters that change (text is slow to draw).
    _ROWS = (0.985, 0.92, 0.855, 0.79)
    _NAMES_X = 0.075
    _COLUMNS = {"mean ± s.e.": 0.52, "std": 0.67, "beyond": 0.87}

    def __init__(self, fig, *, mu=0.0, sigma=1.0, n=10_000, k_max=3.0, rng=0):
        super().__init__(fig)
        self.mu = check_real(mu, "mu")
        self.sigma = check_real(sigma, "sigma", positive=True)
        self.k_max = check_real(k_max, "k_max", positive=True)
        self.n = check_count(n, "n", minimum=2)
        # The estimators draw epsilon from this generator state: the same epsilon at every k.
        self._noise_state = _fixed_noise(rng).bit_generator.state

        self.half_width = 2.0 * (abs(self.mu) + self.k_max + 3.0 * self.sigma) ** 2 / self.sigma
        self.edges = np.linspace(-self.half_width, self.half_width, 121)
        ax = fig.add_subplot()
        ax.set_axisbelow(True)
        colors = (COLORS["orange"], COLORS["blue"])
        self.hists = [self.changing(ax.stairs(np.zeros(120), self.edges, color=color, fill=True, alpha=0.55,
                                              zorder=_DATA_Z))
                      for color in colors]
        # The data never reach a fraction above 1: the table sits in the headroom above it, and
        # the exact gradient's line stops at 1.
        (self.exact_line,) = self.changing(ax.plot([0, 0], [0.5 / self.n, 1.0], color=COLORS["black"], ls="--",
                                                   lw=1.5, zorder=_REFERENCE_Z))
        ax.set_xlim(self.edges[0], self.edges[-1])
        ax.set_yscale("log")
        ax.set_ylim(0.5 / self.n, 300.0)
        ax.yaxis.set_major_locator(FixedLocator(10.0 ** np.arange(0, np.floor(np.log10(0.5 / self.n)), -1)))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlabel(r"estimate of $\partial/\partial\mu\ \mathbb{E}[(x-k)^2]$")
        ax.set_ylabel(f"fraction of {self.n:,} estimates")
        self.value_title = _value_title(self, ax, f"Gradient estimates, x ~ N({self.mu:g}, {self.sigma:g}²)")

        size = mpl.rcParams["legend.fontsize"]
        head, *rows = self._ROWS

        def cell(x, y, text, ha="right"):
            return ax.text(x, y, text, transform=ax.transAxes, ha=ha, va="top", fontsize=size)

        for column, x in self._COLUMNS.items():
            cell(x, head, _minus(f"beyond ±{self.half_width:.3g}") if column == "beyond" else column)
        for y, name in zip(rows, ("score function", "pathwise", "exact 2(μ − k)")):
            cell(self._NAMES_X, y, name, ha="left")
        key = dict(transform=ax.transAxes, clip_on=False)
        for y, color in zip(rows, colors):
            ax.add_patch(Rectangle((0.015, y - 0.045), 0.045, 0.035, facecolor=color, alpha=0.55, lw=0, **key))
        ax.plot([0.015, 0.06], [rows[2] - 0.028] * 2, color=COLORS["black"], ls="--", lw=1.5, **key)
        self.cells = [{column: self.changing(cell(x, y, " ")) for column, x in self._COLUMNS.items()}
                      for y in rows[:2]]
        self.exact_cell = self.changing(cell(self._COLUMNS["mean ± s.e."], rows[2], " "))
        fig.subplots_adjust(**_MARGINS)

    def estimates(self, k):
        """Per-sample ``(score_function, pathwise)`` estimates of the gradient in :math:`\\mu` at ``k``."""
        k = check_real(k, "k")
        rng = np.random.default_rng()
        rng.bit_generator.state = self._noise_state
        score = score_function_normal(lambda x: (x - k) ** 2, self.mu, self.sigma, size=self.n, rng=rng)[:, 0]
        rng.bit_generator.state = self._noise_state
        path = pathwise_normal(lambda x: 2.0 * (x - k), self.mu, self.sigma, size=self.n, rng=rng)[:, 0]
        return score, path

    def update(self, k):
        score, path = self.estimates(k)
        exact = 2.0 * (self.mu - k)
        summaries = []
        for values, hist, cells, name in zip((score, path), self.hists, self.cells, ("score function", "pathwise")):
            counts, _ = np.histogram(values, bins=self.edges)
            hist.set_data(counts / self.n, self.edges)
            beyond = 100.0 * (self.n - counts.sum()) / self.n
            mean, std = values.mean(), values.std()
            standard_error = std / np.sqrt(self.n)
            cells["mean ± s.e."].set_text(_minus(f"{mean:.2f} ± {standard_error:.2f}"))
            cells["std"].set_text(f"{std:.2f}")
            cells["beyond"].set_text(f"{beyond:.1f}%")
            summaries.append(f"{name} mean {mean:.2f} (standard error {standard_error:.2f}), standard deviation "
                             f"{std:.2f}, {beyond:.1f}% beyond ±{self.half_width:.3g}")
        self.exact_line.set_xdata([exact, exact])
        self.exact_cell.set_text(_minus(f"{exact:.2f}"))
        self.value_title.set_text(_minus(f"k = {k:.2f}"))
        return (f"Histograms of {self.n} gradient estimates at k = {k:.3g}: {summaries[0]}; {summaries[1]}; "
                f"exact gradient {exact:.2f}.")
