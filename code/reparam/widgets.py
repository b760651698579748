r"""Sliders over a drawing: live in Jupyter, and frame by frame on the static website.

A :class:`Slider` wraps a :class:`~reparam.figures.Drawing` (built once on a figure; its
``update(value)`` changes only what depends on the value and returns the alt text) and a grid of
parameter values. Displayed as a cell's result it carries two renderings in one output:

- ``application/vnd.jupyter.widget-view+json``: an ``ipywidgets`` slider and an
  ``ipywidgets.Image`` of the same width; every move updates the drawing, redraws only its
  changing artists over a cached image of the rest (Agg blitting) and sends the PNG bytes (no
  flicker, no extension beyond ipywidgets). Jupyter, VS Code and Colab show this one.
- ``text/html``: the frames, rendered over the grid by the same function, with a small
  ``<input type="range">`` and an inline script that swaps them and shows the current value.
  No external script, font or stylesheet; it works from ``file://`` without a kernel.

Both show the picture at the figure's CSS size, ``figsize * dpi`` (640 x 360 by default), never
stretched: the live picture drawn at twice that many device pixels (sharp on high-density
screens), the static frames at 1.5 times (lighter pages).

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
import zlib

import numpy as np

from . import figures
from ._checks import check_count, check_real
from .figures import Drawing
from .plotting import slider_style

__all__ = [
    "FRAMES_ENV",
    "Drawing",
    "Slider",
    "estimator_slider",
    "gumbel_max_slider",
    "gumbel_softmax_bars_slider",
    "gumbel_softmax_simplex_slider",
    "linear_grid",
    "log_grid",
    "pixel_mismatch",
]

#: Environment variable that makes every slider embed all its frames (set by the book build).
FRAMES_ENV = "REPARAM_SLIDER_FRAMES"

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


class _Redraw(Drawing):
    """A plain ``draw(fig, value, **params) -> alt text`` function as a Drawing: a full redraw per value."""

    def __init__(self, fig, draw, params):
        super().__init__(fig)
        self._draw, self._params = draw, params

    def update(self, value):
        self.fig.clear()
        return self._draw(self.fig, value, **self._params)


def _palette(rgb_frames, colors=64):
    """A ``colors``-colour palette (a PIL image of mode P) for a few frames of one figure.

    The fast octree picks ``colors - 2`` colours, averages of similar ones: the white canvas
    would come out as (254, 254, 254). Colours that close to white or black are made exactly
    white or black (what the canvas and the text are), and both are added in any case.
    """
    from PIL import Image

    mosaic = Image.fromarray(np.concatenate(rgb_frames, axis=0), "RGB")
    quantized = mosaic.quantize(colors=colors - 2, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    chosen = np.array(quantized.getpalette()[: 3 * (colors - 2)], dtype=np.uint8).reshape(-1, 3)
    chosen[(chosen >= 248).all(axis=1)] = 255
    chosen[(chosen <= 7).all(axis=1)] = 0
    palette = Image.new("P", (1, 1))
    palette.putpalette(chosen.ravel().tolist() + [255, 255, 255, 0, 0, 0])
    return palette


def _encode_png(rgba, palette, *, small):
    """PNG bytes of an RGBA canvas, mapped to ``palette`` (nearest colour, no dithering).

    A fixed palette of 64 colours takes less than half the bytes of full RGB for these
    flat-colour figures, maps a 1280 x 720 frame in about 2 ms (PIL caches the nearest colours;
    finding a palette for each frame would take 10 ms), and gives every frame the same colours.
    ``small=True`` (static frames) lets zlib search for the smallest encoding; ``small=False``
    (live updates) uses the fastest zlib level with run-length matching (``Z_RLE``), which is
    faster still on these long runs of one colour, and smaller.
    """
    from PIL import Image

    height, width = rgba.shape[:2]
    # Read as RGB with the alpha byte skipped (raw mode RGBX): 0.14 ms for 1280 x 720 here, against
    # 1 ms to convert an RGBA image; the same pixels, as the canvas is opaque.
    image = Image.frombytes("RGB", (width, height), rgba, "raw", "RGBX")
    image = image.quantize(palette=palette, dither=Image.Dither.NONE)
    out = io.BytesIO()
    if small:
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return out.getvalue()


def pixel_mismatch(a, b, tolerance=24):
    """Fraction of pixels whose colours differ by more than ``tolerance`` (of 255) in some channel.

    For comparing two renderings of one picture (e.g. :meth:`Slider.rgb` and
    :meth:`Slider.fresh_rgb`): anti-aliasing may differ by a few levels, a missing or stale
    artist by far more.

    Examples
    --------
    >>> import numpy as np
    >>> from reparam.widgets import pixel_mismatch
    >>> a = np.zeros((2, 2, 3), np.uint8); b = a.copy(); b[0, 0] = 255
    >>> pixel_mismatch(a, b)
    0.25
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    difference = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float((difference.reshape(-1, difference.shape[-1]).max(axis=1) > tolerance).mean())


class _Picture:
    """A slider's figure at one pixel density, redrawn incrementally, and its PNG palette.

    The figure and its drawing are made once. The first picture draws everything except the
    drawing's changing artists and keeps those pixels; every picture after restores them and
    draws only the changing artists on top (Agg blitting). A drawing that marks no artist is
    redrawn in full. The palette comes from pictures at fixed values, so that the PNG of a
    value never depends on what was shown before.
    """

    def __init__(self, slider, pixel_ratio):
        self.slider = slider
        self.fig, self.drawing = slider._new_drawing(slider.dpi * pixel_ratio)
        self.changing = sorted(self.drawing.changing_artists, key=lambda artist: artist.get_zorder())
        self.background = None
        self._palette = None

    def _draw_background(self):
        """Draw the figure without the changing artists; keep a copy of its pixels.

        Axes and figures leave out their animated children when they draw, and still lay them
        out (a title keeps its place above the axes). Artists nested deeper, such as a legend's
        texts, are drawn by their parent whether animated or not, so they are hidden for this draw.
        """
        fig = self.fig
        children = {id(child) for parent in (fig, *fig.axes) for child in parent.get_children()}
        nested = [artist for artist in self.changing if id(artist) not in children]
        visible = [artist.get_visible() for artist in nested]
        for artist in self.changing:
            artist.set_animated(True)
        for artist in nested:
            artist.set_visible(False)
        fig.canvas.draw()
        for artist, shown in zip(nested, visible):
            artist.set_visible(shown)
        self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def rgba(self, value):
        """``(RGBA view of the canvas, alt text)`` at ``value``; the view is overwritten by the next call."""
        check_real(value, "value")
        fig = self.fig
        with slider_style():
            alt = str(self.drawing.update(_python_number(value)))
            if not self.changing:
                fig.canvas.draw()
            else:
                if self.background is None:
                    self._draw_background()
                else:
                    fig.canvas.restore_region(self.background)
                for artist in self.changing:
                    fig.draw_artist(artist)
        return np.asarray(fig.canvas.buffer_rgba()), alt

    def palette(self):
        if self._palette is None:
            values = self.slider.values
            frames = [self.rgba(v)[0][..., :3].copy() for v in (values[0], values[-1], self.slider.value)]
            self._palette = _palette(frames)
        return self._palette

    def render(self, value, *, small):
        palette = self.palette()
        rgba, alt = self.rgba(value)
        return _encode_png(rgba, palette, small=small), alt


class Slider:
    r"""A figure that follows one parameter: live ipywidgets in Jupyter, swapped frames on the site.

    The figure is made once. Everything a :class:`~reparam.figures.Drawing` draws in its
    constructor is rendered once and kept as an image; each new value calls the drawing's
    ``update`` and draws only the artists it marked as changing, on top of that image (Agg
    blitting). Live updates and static frames go through the same code, so they look the same
    (the static frames at a lower pixel density, to keep pages light).

    Pictures are rendered at ``pixel_ratio`` (live) or ``frame_pixel_ratio`` (static frames)
    device pixels per CSS pixel, and shown at the figure's CSS size, ``figsize * dpi`` (never
    stretched; narrower screens scale them down).

    Parameters
    ----------
    draw : Drawing subclass or callable
        A :class:`reparam.figures.Drawing` subclass, built as ``draw(fig, **params)``, whose
        ``update(value)`` returns the alt text; or a plain function ``draw(fig, value, **params)
        -> str`` that draws the whole figure onto a cleared figure at every value (slower).
        Either must use fixed noise, so that every value sees the same random numbers.
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
        Figure size in inches.
    dpi : float
        CSS pixels per inch: the picture is shown ``figsize * dpi`` CSS pixels wide and high.
    pixel_ratio : float
        Device pixels per CSS pixel of the live picture: 2 is sharp on high-density screens,
        and its updates still take well under 25 ms (``python -m reparam.bench_sliders``).
    frame_pixel_ratio : float
        Device pixels per CSS pixel of the static frames: at 1.5 the 31 frames of chapter 5's
        two sliders weigh 1.5 MB in the page, at 2 they would weigh 2.2 MB, close to the book's
        3 MB page budget with the chapter's other figures.
    frames : bool, optional
        Embed every static frame in the ``text/html`` output (``True``), only the initial one
        (``False``), or decide from the environment variable ``REPARAM_SLIDER_FRAMES`` (``None``).
    **params
        Passed to ``draw`` (logits, number of samples, seed, ...).
    """

    def __init__(self, draw, values, *, value=None, label="value", fmt="{:.3g}", live_values=None,
                 figsize=(6.4, 3.6), dpi=100, pixel_ratio=2, frame_pixel_ratio=1.5, frames=None, **params):
        if not callable(draw):
            raise ValueError(f"draw must be a Drawing subclass or a function draw(fig, value, **params), got {draw!r}")
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
        self.pixel_ratio = check_real(pixel_ratio, "pixel_ratio", positive=True)
        self.frame_pixel_ratio = check_real(frame_pixel_ratio, "frame_pixel_ratio", positive=True)
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
        self._pictures = {}  # pixel ratio -> _Picture, made at the first render

    @property
    def css_size(self):
        """``(width, height)`` of the picture in CSS pixels, ``figsize * dpi``."""
        return tuple(int(round(v * self.dpi)) for v in self.figsize)

    # --- drawing -------------------------------------------------------------------------------

    def _new_drawing(self, dpi):
        """A new figure at ``dpi`` with an Agg canvas, and the drawing built on it."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        with slider_style():
            fig = Figure(figsize=self.figsize, dpi=dpi)
            FigureCanvasAgg(fig)
            if isinstance(self.draw, type) and issubclass(self.draw, Drawing):
                drawing = self.draw(fig, **self.params)
            else:
                drawing = _Redraw(fig, self.draw, self.params)
        return fig, drawing

    def _picture(self, pixel_ratio):
        if pixel_ratio not in self._pictures:
            self._pictures[pixel_ratio] = _Picture(self, pixel_ratio)
        return self._pictures[pixel_ratio]

    def rgb(self, value):
        """The live picture at ``value``, drawn incrementally, as an ``(H, W, 3)`` uint8 array."""
        return self._picture(self.pixel_ratio).rgba(value)[0][..., :3].copy()

    def fresh_rgb(self, value):
        """The picture at ``value`` drawn from scratch: a new figure, a full draw, nothing cached.

        The same pixels as :meth:`rgb` (up to anti-aliasing) if the drawing marks everything
        it changes and no static artist covers a changing one; tests compare the two.
        """
        check_real(value, "value")
        fig, drawing = self._new_drawing(self.dpi * self.pixel_ratio)
        with slider_style():
            drawing.update(_python_number(value))
            fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()

    def figure(self, value=None):
        """A new matplotlib Figure showing the picture at ``value`` (default: the initial value)."""
        value = self.value if value is None else value
        check_real(value, "value")
        fig, drawing = self._new_drawing(self.dpi)
        with slider_style():
            drawing.update(_python_number(value))
        return fig

    def render(self, value, *, live=False):
        """``(png_bytes, alt_text)`` of the picture at ``value``.

        ``live=True``: as the widget sends it, at ``pixel_ratio`` with the fastest zlib level.
        ``live=False``: a static frame, at ``frame_pixel_ratio``, compressed harder.
        The PNG uses a 64-colour palette made once per slider (see :func:`_encode_png`).
        """
        if live:
            return self._picture(self.pixel_ratio).render(value, small=False)
        return self._picture(self.frame_pixel_ratio).render(value, small=True)

    def render_png(self, value):
        """PNG bytes of one live update at ``value``: update, draw and encode, as the widget does."""
        return self.render(value, live=True)[0]

    def label_of(self, value):
        """The displayed value, e.g. ``'τ = 0.5'``."""
        return f"{self.label} = {self.fmt.format(_python_number(value))}"

    # --- the live widget -----------------------------------------------------------------------

    def widget(self):
        """An ``ipywidgets.VBox`` as wide as the picture: a slider over ``live_values`` above the image.

        The image is shown at the figure's CSS width (``max-width: 100%`` on narrow screens),
        never stretched; the slider spans the same width. Every change of the slider's value
        redraws the image, so a burst of changes ends on the picture of the last value.
        """
        import ipywidgets

        width = f"{self.css_size[0]}px"
        start = int(np.abs(self.live_values - self.value).argmin())
        options = [(self.fmt.format(_python_number(v)), _python_number(v)) for v in self.live_values]
        slider = ipywidgets.SelectionSlider(
            options=options, index=start, description=f"{self.label} =", continuous_update=True,
            layout=ipywidgets.Layout(width=width, max_width="100%"),
        )
        image = ipywidgets.Image(value=self.render_png(options[start][1]), format="png",
                                 layout=ipywidgets.Layout(width=width, max_width="100%", height="auto", margin="0"))

        def update(change):
            image.value = self.render_png(change["new"])

        slider.observe(update, names="value")
        return ipywidgets.VBox([slider, image], layout=ipywidgets.Layout(width=width, max_width="100%"))

    # --- the static HTML -----------------------------------------------------------------------

    def _embed_all(self):
        if self.frames is not None:
            return self.frames
        return os.environ.get(FRAMES_ENV, "").strip().lower() in ("1", "all", "true", "yes")

    def to_html(self, frames=True):
        """Self-contained HTML: every frame with a range input (``frames=True``), or one still frame.

        No external resource and no element id: the inline script finds its own container. The
        image has the figure's CSS size and ``max-width: 100%``: it shrinks on a phone and is
        never scaled up.
        """
        width, height = self.css_size
        style = (f"width:{width}px;max-width:100%;height:auto;display:block;margin:0;background:#fff;"
                 "border:1px solid #ccc;border-radius:4px;box-sizing:border-box")
        if not frames:
            png, alt = self.render(self.value)
            return (
                f'<div class="reparam-slider-still" style="max-width:{width}px">'
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
            f'<div class="reparam-slider" style="max-width:{width}px;margin:.5em 0">'
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

    See :class:`reparam.figures.GumbelSoftmaxBars`.
    """
    lo, hi = tau
    return Slider(figures.GumbelSoftmaxBars, log_grid(lo, hi, num), value=kwargs.pop("value", 1.0),
                  label="τ", fmt="{:.3g}", live_values=log_grid(lo, hi, 4 * num - 3),
                  logits=logits, rng=rng, **kwargs)


def gumbel_softmax_simplex_slider(logits=figures.DEFAULT_LOGITS, *, tau=(0.05, 20.0), n=3000, num=31,
                                  rng=0, **kwargs):
    """Gumbel-softmax samples in the K = 3 triangle as the temperature moves (log-spaced grid).

    See :class:`reparam.figures.GumbelSoftmaxSimplex`.
    """
    lo, hi = tau
    return Slider(figures.GumbelSoftmaxSimplex, log_grid(lo, hi, num), value=kwargs.pop("value", 1.0),
                  label="τ", fmt="{:.3g}", live_values=log_grid(lo, hi, 4 * num - 3),
                  figsize=kwargs.pop("figsize", (7.2, 3.6)), logits=logits, n=n, rng=rng, **kwargs)


def gumbel_max_slider(weights=figures.POST_WEIGHTS, *, n=(10, 100_000), num=31, rng=0, **kwargs):
    """Gumbel-max frequencies as the number of samples N grows (log-spaced integers).

    See :class:`reparam.figures.GumbelMaxHistogram`.
    """
    lo, hi = n
    grid = log_grid(lo, hi, num, integer=True)
    return Slider(figures.GumbelMaxHistogram, grid, value=kwargs.pop("value", 1000), label="N",
                  fmt="{:,}", live_values=log_grid(lo, hi, 4 * num - 3, integer=True),
                  weights=weights, n_max=int(grid[-1]), rng=rng, **kwargs)


def estimator_slider(*, k=(-3.0, 3.0), num=31, mu=0.0, sigma=1.0, n=10_000, rng=0, **kwargs):
    """Score-function versus pathwise gradient estimates as the target k of (x - k)^2 moves.

    See :class:`reparam.figures.EstimatorSpread`.
    """
    lo, hi = k
    return Slider(figures.EstimatorSpread, linear_grid(lo, hi, num), value=kwargs.pop("value", 0.0),
                  label="k", fmt="{:.2f}", live_values=linear_grid(lo, hi, 4 * num - 3),
                  mu=mu, sigma=sigma, n=n, k_max=max(abs(lo), abs(hi)), rng=rng, **kwargs)
