r"""Sliders over a drawing function: live in Jupyter, and frame by frame on the static website.

A :class:`Slider` wraps a drawing function from :mod:`reparam.figures` (``draw(fig, value,
**params) -> alt text``) and a grid of parameter values. Displayed as a cell's result it carries
two renderings in one output:

- ``application/vnd.jupyter.widget-view+json``: an ``ipywidgets`` slider and an
  ``ipywidgets.Image``; every move redraws the figure with the Agg canvas and sends the PNG
  bytes (no flicker, no extension beyond ipywidgets). Jupyter, VS Code and Colab show this one.
- ``text/html``: the frames, rendered over the grid by the same function, with a small
  ``<input type="range">`` and an inline script that swaps them and shows the current value.
  No external script, font or stylesheet; it works from ``file://`` without a kernel.

Frames weigh tens of kilobytes each, so they are only embedded when the book is built: the
website build sets the environment variable ``REPARAM_SLIDER_FRAMES=all`` (see ``_ext/``),
and then the output carries only the frames and no widget. Otherwise (in Jupyter, under nbval,
in the stored notebook) the ``text/html`` part is a single still frame, which keeps notebooks
lean. Pass ``frames=True`` or ``frames=False`` to choose explicitly.

Examples
--------
>>> import numpy as np
>>> from reparam import widgets
>>> s = widgets.gumbel_softmax_simplex_slider(n=500)
>>> len(s.values), float(s.values[0]), float(s.values[-1])
(31, 0.05, 20.0)
>>> s.render_png(1.0)[:8] == b"\x89PNG\r\n\x1a\n"
True
"""
import base64
import html
import io
import json
import numbers
import os

import numpy as np

from . import figures
from ._checks import check_count, check_real
from .plotting import book_style

__all__ = [
    "FRAMES_ENV",
    "Slider",
    "estimator_slider",
    "gumbel_max_slider",
    "gumbel_softmax_bars_slider",
    "gumbel_softmax_simplex_slider",
    "linear_grid",
    "log_grid",
]

#: Environment variable that makes every slider embed all its frames (set by the book build).
FRAMES_ENV = "REPARAM_SLIDER_FRAMES"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def log_grid(start, stop, num=31, *, integer=False):
    r"""``num`` log-spaced values from ``start`` to ``stop``: :math:`v_i = a\,(b/a)^{i/(n-1)}`.

    With ``integer=True`` the values are rounded to integers and duplicates dropped (so there
    may be fewer than ``num``).

    Examples
    --------
    >>> from reparam.widgets import log_grid
    >>> log_grid(0.1, 10, 5).round(3)
    array([ 0.1  ,  0.316,  1.   ,  3.162, 10.   ])
    >>> log_grid(1, 1000, 4, integer=True)
    array([   1,   10,  100, 1000])
    """
    start = check_real(start, "start", positive=True)
    stop = check_real(stop, "stop", positive=True)
    if not stop > start:
        raise ValueError(f"stop must be > start, got start={start!r}, stop={stop!r}")
    num = check_count(num, "num", minimum=2)
    grid = np.geomspace(start, stop, num)
    grid[0], grid[-1] = start, stop
    if integer:
        grid = np.unique(np.rint(grid).astype(np.int64))
    return grid


def linear_grid(start, stop, num=31):
    """``num`` evenly spaced values from ``start`` to ``stop`` (``numpy.linspace``, checked).

    Examples
    --------
    >>> from reparam.widgets import linear_grid
    >>> linear_grid(-1, 1, 5)
    array([-1. , -0.5,  0. ,  0.5,  1. ])
    """
    start = check_real(start, "start")
    stop = check_real(stop, "stop")
    if not stop > start:
        raise ValueError(f"stop must be > start, got start={start!r}, stop={stop!r}")
    return np.linspace(start, stop, check_count(num, "num", minimum=2))


def _as_grid(values, name):
    grid = np.asarray(values)
    if grid.ndim != 1 or len(grid) < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least 2 numbers, got shape {grid.shape}")
    if not np.issubdtype(grid.dtype, np.number) or np.iscomplexobj(grid) or not np.isfinite(grid).all():
        raise ValueError(f"{name} must hold finite real numbers, got {values!r}")
    if not (np.diff(grid) > 0).all():
        raise ValueError(f"{name} must be strictly increasing")
    return grid


def _python_number(value):
    return int(value) if isinstance(value, (numbers.Integral, np.integer)) else float(value)


class Slider:
    r"""A figure that follows one parameter: live ipywidgets in Jupyter, swapped frames on the site.

    Parameters
    ----------
    draw : callable
        ``draw(fig, value, **params) -> str`` draws onto an empty matplotlib figure and returns
        alt text (the functions of :mod:`reparam.figures`). It must use a fixed seed, so that
        every value sees the same random numbers.
    values : array_like
        The grid of the static frames, strictly increasing, at least 2 values (the book uses at
        least 25, log-spaced for a temperature).
    value : number, optional
        Initial value, snapped to the nearest grid value; default the middle of the grid.
    label : str
        Name of the parameter shown next to the slider, e.g. ``"τ"``.
    fmt : str
        Format of the displayed value, e.g. ``"{:.3g}"``.
    live_values : array_like, optional
        Grid of the live slider (may be finer); default ``values``.
    figsize : (float, float)
        Figure size in inches; frames are ``figsize * dpi`` pixels.
    dpi : float
    frames : bool, optional
        Embed every static frame in the ``text/html`` output (``True``), only the initial one
        (``False``), or decide from the environment variable ``REPARAM_SLIDER_FRAMES`` (``None``).
    **params
        Passed to ``draw`` (logits, number of samples, seed, ...).
    """

    def __init__(self, draw, values, *, value=None, label="value", fmt="{:.3g}", live_values=None,
                 figsize=(6.4, 3.6), dpi=100, frames=None, **params):
        if not callable(draw):
            raise ValueError(f"draw must be a callable draw(fig, value, **params), got {draw!r}")
        self.draw = draw
        self.values = _as_grid(values, "values")
        self.live_values = self.values if live_values is None else _as_grid(live_values, "live_values")
        if not isinstance(label, str) or not label:
            raise ValueError(f"label must be a non-empty string, got {label!r}")
        self.label = label
        try:
            fmt.format(self.values[0])
        except (AttributeError, ValueError, IndexError, KeyError, TypeError) as err:
            raise ValueError(f"fmt must be a format string for one number, like '{{:.3g}}', got {fmt!r}") from err
        self.fmt = fmt
        if (not isinstance(figsize, (tuple, list)) or len(figsize) != 2
                or not all(isinstance(v, numbers.Real) and v > 0 for v in figsize)):
            raise ValueError(f"figsize must be (width, height) in inches, both > 0, got {figsize!r}")
        self.figsize = (float(figsize[0]), float(figsize[1]))
        self.dpi = check_real(dpi, "dpi", positive=True)
        if frames not in (None, True, False):
            raise ValueError(f"frames must be None, True or False, got {frames!r}")
        self.frames = frames
        self.params = params
        if value is None:
            self.index = len(self.values) // 2
        else:
            value = check_real(value, "value")
            self.index = int(np.abs(self.values - value).argmin())
        self.value = _python_number(self.values[self.index])
        self._figure = None

    # --- drawing -------------------------------------------------------------------------------

    def _canvas(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if self._figure is None:
            with book_style():
                self._figure = Figure(figsize=self.figsize, dpi=self.dpi)
            FigureCanvasAgg(self._figure)
        return self._figure

    def _draw_rgb(self, value):
        """Draw the frame for ``value``; return (RGB array, alt text)."""
        check_real(value, "value")
        fig = self._canvas()
        fig.clear()
        with book_style():
            alt = self.draw(fig, _python_number(value), **self.params)
            fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())
        return rgba[..., :3], str(alt)

    def figure(self, value=None):
        """A new matplotlib Figure showing the frame at ``value`` (default: the initial value)."""
        from matplotlib.figure import Figure

        value = self.value if value is None else value
        with book_style():
            fig = Figure(figsize=self.figsize, dpi=self.dpi)
            self.draw(fig, value, **self.params)
        return fig

    def render(self, value, *, small=True):
        """``(png_bytes, alt_text)`` of the frame at ``value``.

        The image is quantized to a 64-colour palette (fast octree, no dithering): about a third
        of the bytes of full RGB for these flat-colour figures, and faster to encode.
        ``small=True`` (static frames) also lets zlib search for the smallest encoding;
        ``small=False`` (live updates) uses the fastest zlib level.
        """
        from PIL import Image

        rgb, alt = self._draw_rgb(value)
        image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
        image = image.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        out = io.BytesIO()
        if small:
            image.save(out, format="PNG", optimize=True)
        else:
            image.save(out, format="PNG", compress_level=1)
        return out.getvalue(), alt

    def render_png(self, value):
        """PNG bytes of one live update at ``value``: sampling, drawing and encoding, as the widget does."""
        return self.render(value, small=False)[0]

    def label_of(self, value):
        """The displayed value, e.g. ``'τ = 0.5'``."""
        return f"{self.label} = {self.fmt.format(_python_number(value))}"

    # --- the live widget -----------------------------------------------------------------------

    def widget(self):
        """An ``ipywidgets.VBox``: a slider over ``live_values`` above the image it redraws."""
        import ipywidgets

        start = int(np.abs(self.live_values - self.value).argmin())
        options = [(self.fmt.format(_python_number(v)), _python_number(v)) for v in self.live_values]
        slider = ipywidgets.SelectionSlider(
            options=options, index=start, description=f"{self.label} =", continuous_update=True,
            layout=ipywidgets.Layout(width=f"{int(self.figsize[0] * self.dpi)}px"),
        )
        png, alt = self.render(options[start][1], small=False)
        image = ipywidgets.Image(value=png, format="png", layout=ipywidgets.Layout(max_width="100%"))

        def update(change):
            image.value = self.render(change["new"], small=False)[0]

        slider.observe(update, names="value")
        return ipywidgets.VBox([slider, image])

    # --- the static HTML -----------------------------------------------------------------------

    def _embed_all(self):
        if self.frames is not None:
            return self.frames
        return os.environ.get(FRAMES_ENV, "").strip().lower() in ("1", "all", "true", "yes")

    def to_html(self, frames=True):
        """Self-contained HTML: every frame with a range input (``frames=True``), or one still frame.

        No external resource and no element id: the inline script finds its own container.
        """
        width, height = (int(round(v * self.dpi)) for v in self.figsize)
        style = ("max-width:100%;height:auto;display:block;margin:0;background:#fff;"
                 "border:1px solid #ccc;border-radius:4px")
        if not frames:
            png, alt = self.render(self.value)
            return (
                f'<div class="reparam-slider-still">'
                f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
                f'alt="{html.escape(alt)}" width="{width}" height="{height}" style="{style}">'
                f'<p style="font-size:90%;margin:.3em 0">{html.escape(self.label_of(self.value))}. '
                f"Run this notebook in Jupyter to move the slider; the book's website shows every frame.</p>"
                f"</div>"
            )
        pngs, alts = zip(*(self.render(v) for v in self.values))
        payload = {
            "frames": [f"data:image/png;base64,{base64.b64encode(p).decode()}" for p in pngs],
            "alts": list(alts),
            "labels": [self.label_of(v) for v in self.values],
        }
        data = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
        i = self.index
        return (
            f'<div class="reparam-slider" style="max-width:{width + 2}px;margin:.5em 0">'
            f'<img src="{payload["frames"][i]}" alt="{html.escape(alts[i])}" width="{width}" '
            f'height="{height}" style="{style}">'
            f'<label style="display:flex;align-items:center;gap:.75em;margin:.4em 0;font-size:95%">'
            f'<output style="min-width:9em;font-variant-numeric:tabular-nums">{html.escape(payload["labels"][i])}'
            f"</output>"
            f'<input type="range" min="0" max="{len(self.values) - 1}" step="1" value="{i}" '
            f'aria-label="{html.escape(self.label)}: move to redraw the figure (arrow keys step, Home/End jump)" '
            f'aria-valuetext="{html.escape(payload["labels"][i])}" style="flex:1;min-width:8em;touch-action:pan-y">'
            f"</label>"
            f'<script type="application/json" class="reparam-slider-data">{data}</script>'
            "<script>(function(box){"
            "var d=JSON.parse(box.querySelector('script.reparam-slider-data').textContent);"
            "var img=box.querySelector('img'),out=box.querySelector('output'),"
            "r=box.querySelector('input[type=range]');"
            "function show(){var i=+r.value;img.src=d.frames[i];img.alt=d.alts[i];"
            "out.textContent=d.labels[i];r.setAttribute('aria-valuetext',d.labels[i]);}"
            "r.addEventListener('input',show);r.addEventListener('change',show);"
            "})(document.currentScript.parentElement);</script>"
            "</div>"
        )

    def _text(self):
        lo, hi = (self.fmt.format(_python_number(v)) for v in (self.values[0], self.values[-1]))
        return (f"<Slider over {self.label} from {lo} to {hi}, {len(self.values)} frames "
                f"({self.draw.__name__}); run in Jupyter for the live figure>")

    def __repr__(self):
        return self._text()

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Both renderings in one output: the live widget (unless building the site) and HTML."""
        if self._embed_all():
            return {"text/plain": self._text(), "text/html": self.to_html(frames=True)}
        bundle = dict(self.widget()._repr_mimebundle_())
        bundle["text/plain"] = self._text()
        bundle["text/html"] = self.to_html(frames=False)
        return bundle


# --- the book's sliders ----------------------------------------------------------------------


def gumbel_softmax_bars_slider(logits=figures.DEFAULT_LOGITS, *, tau=(0.05, 20.0), num=31, rng=0, **kwargs):
    """One Gumbel-softmax sample for fixed noise as the temperature moves (log-spaced grid).

    See :func:`reparam.figures.gumbel_softmax_bars`.
    """
    lo, hi = tau
    return Slider(figures.gumbel_softmax_bars, log_grid(lo, hi, num), value=kwargs.pop("value", 1.0),
                  label="τ", fmt="{:.3g}", live_values=log_grid(lo, hi, 4 * num - 3),
                  logits=logits, rng=rng, **kwargs)


def gumbel_softmax_simplex_slider(logits=figures.DEFAULT_LOGITS, *, tau=(0.05, 20.0), n=3000, num=31,
                                  rng=0, **kwargs):
    """Gumbel-softmax samples in the K = 3 triangle as the temperature moves (log-spaced grid).

    See :func:`reparam.figures.gumbel_softmax_simplex`.
    """
    lo, hi = tau
    return Slider(figures.gumbel_softmax_simplex, log_grid(lo, hi, num), value=kwargs.pop("value", 1.0),
                  label="τ", fmt="{:.3g}", live_values=log_grid(lo, hi, 4 * num - 3),
                  figsize=kwargs.pop("figsize", (7.2, 3.6)), logits=logits, n=n, rng=rng, **kwargs)


def gumbel_max_slider(probs=figures.POST_PROBS, *, n=(10, 100_000), num=31, rng=0, **kwargs):
    """Gumbel-max frequencies as the number of samples N grows (log-spaced integers).

    See :func:`reparam.figures.gumbel_max_histogram`.
    """
    lo, hi = n
    grid = log_grid(lo, hi, num, integer=True)
    return Slider(figures.gumbel_max_histogram, grid, value=kwargs.pop("value", 1000), label="N",
                  fmt="{:,}", live_values=log_grid(lo, hi, 4 * num - 3, integer=True),
                  probs=probs, n_max=int(grid[-1]), rng=rng, **kwargs)


def estimator_slider(*, k=(-3.0, 3.0), num=31, mu=0.0, sigma=1.0, n=10_000, rng=0, **kwargs):
    """Score-function versus pathwise gradient estimates as the target k of (x - k)^2 moves.

    See :func:`reparam.figures.estimator_spread`.
    """
    lo, hi = k
    return Slider(figures.estimator_spread, linear_grid(lo, hi, num), value=kwargs.pop("value", 0.0),
                  label="k", fmt="{:.2f}", live_values=linear_grid(lo, hi, 4 * num - 3),
                  mu=mu, sigma=sigma, n=n, k_max=max(abs(lo), abs(hi)), rng=rng, **kwargs)
