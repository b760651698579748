"""The slider API (reparam.widgets) and the slider figures (reparam.figures).

No timing here: the speed of one live update is measured by ``python -m reparam.bench`` through
``Slider.render_png``. The sliders' behaviour in a browser is tested in test_site_browser.py.
"""
import io
import json
import re

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from reparam import figures, plotting, widgets

SMALL = {"n": 300}  # few samples keep the tests quick; the pictures' logic is the same


def book_sliders():
    """The four sliders of the book, with small sample counts."""
    return {
        "bars": widgets.gumbel_softmax_bars_slider(),
        "simplex": widgets.gumbel_softmax_simplex_slider(n=300),
        "gumbel_max": widgets.gumbel_max_slider(n=(10, 2000)),
        "estimator": widgets.estimator_slider(n=300),
    }


@pytest.fixture(scope="module")
def sliders():
    return book_sliders()


def draw(fn, value, **kwargs):
    with plotting.book_style():
        fig = Figure()
        alt = fn(fig, value, **kwargs)
    return fig, alt


# --- grids ---------------------------------------------------------------------------------------


def test_log_grid_is_log_spaced_with_exact_ends():
    grid = widgets.log_grid(0.05, 10.0, 31)
    assert len(grid) == 31 and grid[0] == 0.05 and grid[-1] == 10.0
    ratios = grid[1:] / grid[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)


def test_integer_log_grid_is_increasing_integers():
    grid = widgets.log_grid(10, 100_000, 31, integer=True)
    assert grid.dtype.kind == "i" and grid[0] == 10 and grid[-1] == 100_000
    assert (np.diff(grid) > 0).all() and len(grid) == 31


def test_linear_grid():
    np.testing.assert_array_equal(widgets.linear_grid(-3, 3, 7), np.arange(-3.0, 4.0))


@pytest.mark.parametrize("call, name", [
    (lambda: widgets.log_grid(0, 1), "start"),
    (lambda: widgets.log_grid(1, np.inf), "stop"),
    (lambda: widgets.log_grid(2, 1), "stop"),
    (lambda: widgets.log_grid(1, 2, 1), "num"),
    (lambda: widgets.log_grid(1, 2, 2.5), "num"),
    (lambda: widgets.linear_grid(0, 0), "stop"),
    (lambda: widgets.linear_grid("a", 1), "start"),
])
def test_grid_errors_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --- the book's sliders --------------------------------------------------------------------------


def test_book_sliders_have_enough_frames(sliders):
    for name, slider in sliders.items():
        assert len(slider.values) >= 25, name
        assert (np.diff(slider.values) > 0).all(), name
        assert slider.values[0] <= slider.value <= slider.values[-1], name


@pytest.mark.parametrize("name", ["bars", "simplex"])
def test_temperature_grids_are_log_spaced(sliders, name):
    values = sliders[name].values
    ratios = values[1:] / values[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert values[0] <= 0.1 and values[-1] >= 5, "the grid must reach near one-hot and near the centre"


def test_sample_count_grid_is_integers(sliders):
    values = sliders["gumbel_max"].values
    assert values.dtype.kind == "i" and values[-1] / values[0] >= 100


@pytest.mark.parametrize("name", ["bars", "simplex", "gumbel_max", "estimator"])
def test_same_seed_same_picture(sliders, name):
    slider = sliders[name]
    value = slider.values[3]
    png, alt = slider.render(value)
    again = book_sliders()[name].render(value)  # a fresh slider, the same value
    assert (png, alt) == again
    assert slider.render_png(value) == slider.render_png(value)
    assert slider.render(slider.values[20])[0] != png, "another value must draw another picture"


@pytest.mark.parametrize("name", ["bars", "simplex", "gumbel_max", "estimator"])
def test_frames_are_png_of_the_figure_size(sliders, name):
    slider = sliders[name]
    for png in (slider.render_png(slider.value), slider.render(slider.value)[0]):
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        assert image.size == (round(slider.figsize[0] * slider.dpi), round(slider.figsize[1] * slider.dpi))


def test_different_seed_different_noise():
    a = widgets.gumbel_softmax_bars_slider(rng=0).render(1.0)[1]
    b = widgets.gumbel_softmax_bars_slider(rng=1).render(1.0)[1]
    assert a != b


# --- the pictures --------------------------------------------------------------------------------


def _numbers_after(text, marker):
    """The tuple of numbers that follows ``marker`` in an alt text."""
    found = re.search(re.escape(marker) + r"\s*\(([^)]*)\)", text)
    return tuple(float(v) for v in found.group(1).split(","))


def test_bars_show_the_sample_for_fixed_noise():
    logits = np.log([0.2, 0.5, 0.3])
    for tau in (0.1, 1.0, 10.0):
        fig, alt = draw(figures.gumbel_softmax_bars, tau, logits=logits, rng=0)
        expected = np.round(reparam_gumbel_softmax(logits, tau), 3)
        np.testing.assert_allclose(_numbers_after(alt, f"temperature {tau:.3g}:"), expected, atol=1e-12)
        ax = fig.axes[0]
        assert f"τ = {tau:.3g}" in ax.get_title()
        assert ax.get_xlabel() and ax.get_ylabel()


def reparam_gumbel_softmax(logits, tau):
    import reparam

    return reparam.gumbel_softmax(logits, tau, rng=0)


def test_simplex_argmax_frequencies_do_not_depend_on_tau():
    """Same noise at every temperature: the argmax, hence its frequencies, never move."""
    freqs = {tau: _numbers_after(draw(figures.gumbel_softmax_simplex, tau, n=2000, rng=0)[1],
                                 "Argmax frequencies")
             for tau in (0.05, 0.5, 10.0)}
    assert len(set(freqs.values())) == 1
    np.testing.assert_allclose(freqs[0.5], [0.2, 0.5, 0.3], atol=0.04)  # n = 2000: > 4 standard errors


def test_simplex_collapses_to_the_centre_as_tau_grows():
    def spread(tau):
        alt = draw(figures.gumbel_softmax_simplex, tau, n=1000, rng=0)[1]
        return float(re.search(r"centre ([0-9.]+)", alt).group(1))

    assert spread(0.05) > 1.0 > 0.1 > spread(10.0)


def test_gumbel_max_frequencies_converge_to_p_not_softmax_p():
    probs = figures.POST_PROBS
    alt = draw(figures.gumbel_max_histogram, 100_000, probs=probs, n_max=100_000, rng=0)[1]
    right = _numbers_after(alt, "with logits log p")
    wrong = _numbers_after(alt, "with p fed as logits")
    # 100,000 draws: standard error <= 0.0016, so 0.01 is over 6 standard errors.
    np.testing.assert_allclose(right, probs, atol=0.01)
    np.testing.assert_allclose(wrong, np.exp(probs) / np.exp(probs).sum(), atol=0.01)
    assert right[0] == 0.0, "a category of probability 0 is never drawn"


def test_gumbel_max_counts_are_nested():
    """A larger N adds samples to a smaller N (the first n of one fixed stream)."""
    small = _numbers_after(draw(figures.gumbel_max_histogram, 100, n_max=1000, rng=0)[1], "with logits log p")
    same = _numbers_after(draw(figures.gumbel_max_histogram, 100, n_max=1000, rng=0)[1], "with logits log p")
    assert small == same


def test_estimator_spread_matches_the_estimators():
    from reparam import estimators

    k = 1.5
    alt = draw(figures.estimator_spread, k, n=5000, rng=3)[1]
    score = estimators.score_function_normal(lambda x: (x - k) ** 2, 0.0, 1.0, size=5000, rng=3)[:, 0]
    path = estimators.pathwise_normal(lambda x: 2 * (x - k), 0.0, 1.0, size=5000, rng=3)[:, 0]
    assert f"score function mean {score.mean():.2f}, standard deviation {score.std():.2f}" in alt
    assert f"pathwise mean {path.mean():.2f}, standard deviation {path.std():.2f}" in alt
    assert "exact gradient -3.00" in alt


@pytest.mark.parametrize("call, name", [
    (lambda f: figures.gumbel_softmax_bars(f, 0.0), "tau"),
    (lambda f: figures.gumbel_softmax_bars(f, 1.0, logits=[[0.0, 1.0]]), "logits"),
    (lambda f: figures.gumbel_softmax_bars(f, 1.0, logits=[np.nan, 1.0]), "logits"),
    (lambda f: figures.gumbel_softmax_simplex(f, 1.0, logits=np.zeros(4)), "logits"),
    (lambda f: figures.gumbel_softmax_simplex(f, 1.0, n=0), "n"),
    (lambda f: figures.gumbel_softmax_simplex(f, -1.0), "tau"),
    (lambda f: figures.gumbel_max_histogram(f, 2000, n_max=1000), "n"),
    (lambda f: figures.gumbel_max_histogram(f, 10.5), "n"),
    (lambda f: figures.gumbel_max_histogram(f, 10, probs=[0.0, 0.2, 0.9, 0.1]), "probs"),
    (lambda f: figures.gumbel_max_histogram(f, 10, probs=[-0.5, 1.5]), "probs"),
    (lambda f: figures.estimator_spread(f, np.nan), "k"),
    (lambda f: figures.estimator_spread(f, 0.0, k_max=0), "k_max"),
    (lambda f: figures.estimator_spread(f, 0.0, n=1), "n"),
])
def test_figure_errors_name_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call(Figure())


# --- the Slider API ------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, name", [
    ({"draw": 3}, "draw"),
    ({"values": [1.0]}, "values"),
    ({"values": [1.0, 0.5, 2.0]}, "values"),
    ({"values": [1.0, np.nan]}, "values"),
    ({"label": ""}, "label"),
    ({"fmt": "{:.3q}"}, "fmt"),
    ({"figsize": (0, 3)}, "figsize"),
    ({"dpi": -1}, "dpi"),
    ({"frames": "yes"}, "frames"),
    ({"value": "middle"}, "value"),
    ({"live_values": [[1.0, 2.0]]}, "live_values"),
])
def test_slider_errors_name_the_argument(kwargs, name):
    args = {"draw": figures.gumbel_softmax_bars, "values": widgets.log_grid(0.1, 10, 5), **kwargs}
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        widgets.Slider(args.pop("draw"), args.pop("values"), **args)


def test_render_rejects_a_bad_value(sliders):
    with pytest.raises(ValueError, match="value"):
        sliders["bars"].render_png(np.inf)


def test_initial_value_snaps_to_the_grid():
    slider = widgets.Slider(figures.gumbel_softmax_bars, widgets.log_grid(0.1, 10, 5), value=0.9)
    assert slider.value == 1.0 and slider.index == 2
    assert slider.label_of(slider.value) == "value = 1"


def _static_payload(html_text):
    data = re.search(r'<script type="application/json" class="reparam-slider-data">(.*?)</script>',
                     html_text, re.S).group(1)
    return json.loads(data.replace("<\\/", "</"))


def test_static_html_is_self_contained(sliders):
    slider = sliders["simplex"]
    page = slider.to_html(frames=True)
    payload = _static_payload(page)
    n = len(slider.values)
    assert len(payload["frames"]) == len(payload["alts"]) == len(payload["labels"]) == n
    assert all(f.startswith("data:image/png;base64,") for f in payload["frames"])
    assert len(set(payload["frames"])) == n, "every value has its own frame"
    assert payload["labels"][0] == "τ = 0.05" and payload["labels"][-1] == "τ = 20"
    # Nothing is fetched: no external URL anywhere, no <link>, no script with src, no element id.
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"https?:|//|url\(|@import", text)
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"\bid=", page)
    assert f'type="range" min="0" max="{n - 1}" step="1" value="{slider.index}"' in page
    assert 'aria-label="' in page and 'aria-valuetext="τ = 1"' in page
    img_alt = re.search(r'<img [^>]*alt="([^"]*)"', page).group(1)
    assert img_alt.startswith("Triangle with 300 Gumbel-softmax samples at temperature 1")


def test_static_html_does_not_close_its_script_early():
    """Alt text with '</script>' in it must not end the inline JSON."""
    def sly(fig, value):
        fig.add_subplot().plot([0, value])
        return f"</script><b>{value}</b>"

    page = widgets.Slider(sly, [1.0, 2.0], frames=True).to_html()
    assert page.count("</script>") == 2
    assert _static_payload(page)["alts"] == ["</script><b>1.0</b>", "</script><b>2.0</b>"]


def test_still_html_has_one_frame(sliders):
    page = sliders["bars"].to_html(frames=False)
    assert page.count("data:image/png;base64,") == 1 and "<script" not in page


def test_mimebundle_for_the_site_carries_every_frame_and_no_widget(monkeypatch):
    monkeypatch.setenv(widgets.FRAMES_ENV, "all")
    slider = widgets.gumbel_softmax_bars_slider()
    bundle = slider._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/html"].count("data:image/png;base64,") == len(slider.values) + 1  # + the initial <img>
    assert bundle["text/plain"] == ("<Slider over τ from 0.05 to 20, 31 frames (gumbel_softmax_bars); "
                                    "run in Jupyter for the live figure>")


def test_mimebundle_in_jupyter_carries_the_widget_and_a_still(monkeypatch):
    monkeypatch.delenv(widgets.FRAMES_ENV, raising=False)
    slider = widgets.gumbel_max_slider(n=(10, 2000))
    bundle = slider._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["version_major"] == 2 and view["model_id"]
    assert bundle["text/html"].count("data:image/png;base64,") == 1
    assert bundle["text/plain"].startswith("<Slider over N from 10 to 2,000")


def test_live_widget_redraws_on_change(monkeypatch):
    slider = widgets.gumbel_softmax_bars_slider()
    box = slider.widget()
    control, image = box.children
    first = image.value
    assert first == slider.render_png(slider.value)
    control.index = 0
    assert image.value == slider.render_png(slider.live_values[0]) != first
    assert control.description == "τ =" and control.label == "0.05"
