"""One look for every figure in the book: colours, sizes and a white canvas.

The Okabe-Ito palette stays distinguishable for colour-blind readers. Figures are drawn on an
opaque white background, so they read the same in the site's light and dark themes (the dark
theme shows them as a white card instead of dark text on a dark page).
"""
from contextlib import contextmanager

import matplotlib as mpl

#: Okabe-Ito colours, by role.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#7F7F7F",
}

#: Default colour cycle, most distinguishable first.
CYCLE = [COLORS[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]

STYLE = {
    "axes.prop_cycle": mpl.cycler(color=CYCLE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "svg.hashsalt": "reparam",  # deterministic ids in SVG output
}


def use_book_style():
    """Apply the book's style globally (call once at the top of a chapter)."""
    mpl.rcParams.update(STYLE)


@contextmanager
def book_style():
    """The book's style for the duration of a ``with`` block, leaving global settings alone."""
    with mpl.rc_context(STYLE):
        yield


#: The sliders' figures: the book's style with unhinted text. A slider redraws its changing text
#: at every move, and FreeType's hinting takes about 40% of that time; at the 1.5 to 2 device
#: pixels per CSS pixel the sliders are drawn at, unhinted glyphs look the same.
SLIDER_STYLE = {**STYLE, "text.hinting": "no_hinting"}


@contextmanager
def slider_style():
    """The sliders' style (:data:`SLIDER_STYLE`) for the duration of a ``with`` block."""
    with mpl.rc_context(SLIDER_STYLE):
        yield
