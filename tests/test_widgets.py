"""The slider API (reparam.widgets) and the slider drawings (reparam.figures).

No timing here: the speed of one live update is measured by ``python -m reparam.bench_sliders``
through ``Slider.render_png``. The sliders' behaviour in a browser is tested in test_site_browser.py.
"""
import io
import json
import re

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from reparam import bench_sliders, figures, plotting, widgets

NAMES = ["bars", "simplex", "gumbel_max", "estimator"]


def book_sliders():
    """The four sliders of the book, with small sample counts (the pictures' logic is the same)."""
    return {
        "bars": widgets.gumbel_softmax_bars_slider(),
        "simplex": widgets.gumbel_softmax_simplex_slider(n=300),
        "gumbel_max": widgets.gumbel_max_slider(n=(10, 2000)),
        "estimator": widgets.estimator_slider(n=300),
    }


@pytest.fixture(scope="module")
def sliders():
    return book_sliders()


def drawn(cls, value, **params):
    """A drawing of ``cls`` built on a new figure and updated to ``value``: (drawing, alt text)."""
    with plotting.book_style():
        drawing = cls(Figure(), **params)
        return drawing, drawing.update(value)


def png_size(png):
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.size


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


@pytest.mark.parametrize("name", NAMES)
def test_incremental_update_draws_what_a_fresh_full_draw_draws(sliders, name):
    """Only the changing artists are redrawn over a cached background: the picture must not differ
    from a new figure drawn in full at the same value, after any path of moves back and forth."""
    slider = sliders[name]
    grid = slider.live_values
    path = [grid[5], grid[-1], grid[5], grid[0], grid[len(grid) // 2], grid[-1], grid[1], grid[5]]
    for value in path:
        live, fresh = slider.rgb(value), slider.fresh_rgb(value)
        assert live.shape == fresh.shape
        assert widgets.pixel_mismatch(live, fresh, tolerance=8) == 0.0, f"{name} at {value}"


def test_the_comparison_catches_an_artist_left_out_of_changing():
    """A drawing that changes an artist without marking it shows a stale picture: the check above sees it."""
    class Forgetful(figures.Drawing):
        def __init__(self, fig):
            super().__init__(fig)
            ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 1))
            (self.marked,) = self.changing(ax.plot([], [], lw=3))
            (self.unmarked,) = ax.plot([], [], lw=3)

        def update(self, value):
            self.marked.set_data([0, 1], [value, value])
            self.unmarked.set_data([value, value], [0, 1])
            return f"lines at {value}"

    slider = widgets.Slider(Forgetful, [0.2, 0.8])
    slider.rgb(0.2)
    assert widgets.pixel_mismatch(slider.rgb(0.8), slider.fresh_rgb(0.8), tolerance=8) > 0.001


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_picture_whatever_came_before(sliders, name):
    slider = sliders[name]
    value = slider.values[3]
    png, alt = slider.render(value)
    fresh = book_sliders()[name]  # a new slider: shown nothing before
    assert fresh.render(value) == (png, alt)
    assert slider.render_png(value) == fresh.render_png(value)
    assert slider.render(slider.values[20])[0] != png, "another value must draw another picture"


@pytest.mark.parametrize("name", NAMES)
def test_pngs_are_drawn_for_the_pixels_they_occupy(sliders, name):
    slider = sliders[name]
    width, height = slider.css_size
    assert (width, height) == (round(slider.figsize[0] * 100), round(slider.figsize[1] * 100))
    assert png_size(slider.render_png(slider.value)) == (2 * width, 2 * height)  # live: 2 device pixels per CSS pixel
    assert png_size(slider.render(slider.value)[0]) == (round(1.5 * width), round(1.5 * height))  # static frames


@pytest.mark.parametrize("name", NAMES)
def test_png_palette_keeps_the_picture(sliders, name):
    """64 colours, nearest colour, no dithering: the PNG shows what was drawn, up to faint anti-aliasing."""
    slider = sliders[name]
    for value in (slider.values[0], slider.values[11], slider.values[-1]):
        png = slider.render_png(value)
        decoded = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        drawn_rgb = slider.rgb(value)
        assert np.abs(decoded.astype(int) - drawn_rgb).mean() < 1.0
        assert widgets.pixel_mismatch(decoded, drawn_rgb, tolerance=40) < 0.002


def test_different_seed_different_noise():
    a = widgets.gumbel_softmax_bars_slider(rng=0).render(1.0)[1]
    b = widgets.gumbel_softmax_bars_slider(rng=1).render(1.0)[1]
    assert a != b


# --- the pictures --------------------------------------------------------------------------------


def _numbers_after(text, marker):
    """The tuple of numbers that follows ``marker`` in an alt text."""
    found = re.search(re.escape(marker) + r"\s*\(([^)]*)\)", text)
    return tuple(float(v) for v in found.group(1).split(","))


def _pixel_y(ax, y):
    return ax.transData.transform((0.0, y))[1]


def test_bars_show_the_gumbel_softmax_sample_for_fixed_noise():
    import reparam

    logits = np.log([0.2, 0.5, 0.3])
    with plotting.book_style():
        drawing = figures.GumbelSoftmaxBars(Figure(), logits=logits, rng=0)
    ax = drawing.fig.axes[0]
    for tau in (0.1, 1.0, 10.0, 0.1):
        alt = drawing.update(tau)
        sample = reparam.gumbel_softmax(logits, tau, rng=0)
        np.testing.assert_allclose(_numbers_after(alt, f"temperature {tau:.3g}:"), np.round(sample, 3), atol=1e-12)
        np.testing.assert_allclose([bar.get_height() for bar in drawing.bars], sample, rtol=1e-12)
        assert ax.get_title(loc="right") == f"τ = {tau:.3g}"
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title(loc="left")


@pytest.mark.parametrize("cls, params", [
    (figures.GumbelSoftmaxBars, {}),
    (figures.GumbelMaxHistogram, {"n_max": 1000}),
])
def test_bar_chart_legends_sit_above_every_possible_bar(cls, params):
    """Bars are frequencies or probabilities, at most 1: the legend lives in the headroom above 1."""
    drawing, _ = drawn(cls, 10 if cls is figures.GumbelMaxHistogram else 1.0, **params)
    fig = drawing.fig
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_legend().get_window_extent().y0 > _pixel_y(ax, 1.0)


def test_simplex_argmax_frequencies_do_not_depend_on_tau():
    """The noise is drawn once: the argmax, hence its frequencies, never move."""
    with plotting.book_style():
        drawing = figures.GumbelSoftmaxSimplex(Figure(), n=2000, rng=0)
    freqs = {tau: _numbers_after(drawing.update(tau), "Argmax frequencies") for tau in (0.05, 0.5, 10.0)}
    assert len(set(freqs.values())) == 1
    np.testing.assert_allclose(freqs[0.5], [0.2, 0.5, 0.3], atol=0.04)  # n = 2000: > 4 standard errors


def test_simplex_samples_are_the_package_samples():
    import reparam

    with plotting.book_style():
        drawing = figures.GumbelSoftmaxSimplex(Figure(), n=500, rng=7)
    expected = reparam.gumbel_softmax(figures.DEFAULT_LOGITS, 0.3, size=500, rng=7)
    np.testing.assert_allclose(drawing.samples(0.3), expected, rtol=1e-10, atol=1e-15)


def test_simplex_collapses_to_the_centre_as_tau_grows():
    with plotting.book_style():
        drawing = figures.GumbelSoftmaxSimplex(Figure(), n=1000, rng=0)

    def spread(tau):
        return float(re.search(r"centre ([0-9.]+)", drawing.update(tau)).group(1))

    assert spread(0.05) > 1.0 > 0.1 > spread(10.0)


def test_gumbel_max_frequencies_converge_to_normalised_p_not_softmax_p():
    weights = figures.POST_WEIGHTS  # the post's [0, .2, .9, .1], summing to 1.2
    alt = drawn(figures.GumbelMaxHistogram, 100_000, weights=weights, n_max=100_000, rng=0)[1]
    right = _numbers_after(alt, "with logits log(p / sum p)")
    wrong = _numbers_after(alt, "with p fed as logits")
    # 100,000 draws: standard error <= 0.0016, so 0.01 is over 6 standard errors.
    np.testing.assert_allclose(right, weights / weights.sum(), atol=0.01)
    # The mistake samples softmax of the post's raw numbers, as chapter 4's prose and figure say.
    np.testing.assert_allclose(wrong, np.exp(weights) / np.exp(weights).sum(), atol=0.01)
    assert right[0] == 0.0, "a category of probability 0 is never drawn"


def test_gumbel_max_counts_the_first_n_of_one_stream():
    """A larger N adds samples to a smaller N, and moving back shows the smaller N's counts again."""
    import reparam

    with plotting.book_style():
        drawing = figures.GumbelMaxHistogram(Figure(), n_max=1000, rng=0)
    first = drawing.update(100)
    drawing.update(1000)
    assert drawing.update(100) == first
    weights = figures.POST_WEIGHTS
    logits = np.log(weights / weights.sum(), where=weights > 0, out=np.full(4, -np.inf))
    draws = reparam.gumbel_max(np.stack([logits, weights]), size=1000, rng=0)[:100, 0]
    np.testing.assert_allclose([bar.get_height() for bar in drawing.right], np.bincount(draws, minlength=4) / 100)


def test_estimator_spread_matches_the_estimators():
    from reparam import estimators

    k, n = 1.5, 5000
    alt = drawn(figures.EstimatorSpread, k, n=n, rng=3)[1]
    score = estimators.score_function_normal(lambda x: (x - k) ** 2, 0.0, 1.0, size=n, rng=3)[:, 0]
    path = estimators.pathwise_normal(lambda x: 2 * (x - k), 0.0, 1.0, size=n, rng=3)[:, 0]
    assert (f"score function mean {score.mean():.2f} (standard error {score.std() / np.sqrt(n):.2f}), "
            f"standard deviation {score.std():.2f}") in alt
    assert f"pathwise mean {path.mean():.2f}" in alt and f"standard deviation {path.std():.2f}" in alt
    assert "exact gradient -3.00" in alt


def test_estimator_spread_states_what_lies_off_the_axis_instead_of_piling_it_up():
    """At k = 3 some score-function estimates fall beyond the axis: they are counted in no bin
    (no spike in the outermost bin) and their fraction is written in the table."""
    from reparam import estimators

    k, n = 3.0, 10_000
    drawing, alt = drawn(figures.EstimatorSpread, k, n=n, rng=0)
    score = estimators.score_function_normal(lambda x: (x - k) ** 2, 0.0, 1.0, size=n, rng=0)[:, 0]
    edge = drawing.half_width
    outside = np.abs(score) > edge
    assert outside.mean() > 0.002, "this test needs estimates off the axis"
    fractions = drawing.hists[0].get_data().values
    inside, _ = np.histogram(score[~outside], bins=drawing.edges)
    np.testing.assert_allclose(fractions, inside / n)
    stated = f"{100.0 * outside.sum() / n:.1f}%"
    assert drawing.cells[0]["beyond"].get_text() == stated
    assert f"{stated} beyond ±{edge:.3g}" in alt


def test_estimator_spread_keeps_the_exact_line_out_of_the_table():
    """The dashed exact-gradient line stops at fraction 1; the table of numbers sits above that."""
    drawing, _ = drawn(figures.EstimatorSpread, 2.0, n=2000, rng=0)
    fig = drawing.fig
    fig.canvas.draw()
    ax = fig.axes[0]
    assert max(drawing.exact_line.get_ydata()) == 1.0
    top_of_data = _pixel_y(ax, 1.0)
    table = [t for t in ax.texts if t.get_text().strip()]
    assert len(table) >= 10
    assert min(t.get_window_extent().y0 for t in table) > top_of_data
    for hist in drawing.hists:
        assert hist.get_data().values.max() <= 1.0


@pytest.mark.parametrize("call, name", [
    (lambda f: figures.GumbelSoftmaxBars(f).update(0.0), "tau"),
    (lambda f: figures.GumbelSoftmaxBars(f, logits=[[0.0, 1.0]]), "logits"),
    (lambda f: figures.GumbelSoftmaxBars(f, logits=[np.nan, 1.0]), "logits"),
    (lambda f: figures.GumbelSoftmaxSimplex(f, logits=np.zeros(4)), "logits"),
    (lambda f: figures.GumbelSoftmaxSimplex(f, n=0), "n"),
    (lambda f: figures.GumbelSoftmaxSimplex(f).update(-1.0), "tau"),
    (lambda f: figures.GumbelMaxHistogram(f, n_max=1000).update(2000), "n"),
    (lambda f: figures.GumbelMaxHistogram(f, n_max=1000).update(10.5), "n"),
    (lambda f: figures.GumbelMaxHistogram(f, n_max=0), "n_max"),
    (lambda f: figures.GumbelMaxHistogram(f, weights=[0.0, 0.0]), "weights"),
    (lambda f: figures.GumbelMaxHistogram(f, weights=[-0.5, 1.5]), "weights"),
    (lambda f: figures.EstimatorSpread(f, n=100).update(np.nan), "k"),
    (lambda f: figures.EstimatorSpread(f, k_max=0), "k_max"),
    (lambda f: figures.EstimatorSpread(f, n=1), "n"),
    (lambda f: figures.EstimatorSpread(f, sigma=-1.0), "sigma"),
    (lambda f: figures.Drawing(f).changing("a line"), "artists"),
])
def test_drawing_errors_name_the_argument(call, name):
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
    ({"pixel_ratio": 0}, "pixel_ratio"),
    ({"frame_pixel_ratio": np.inf}, "frame_pixel_ratio"),
    ({"frames": "yes"}, "frames"),
    ({"value": "middle"}, "value"),
    ({"live_values": [[1.0, 2.0]]}, "live_values"),
])
def test_slider_errors_name_the_argument(kwargs, name):
    args = {"draw": figures.GumbelSoftmaxBars, "values": widgets.log_grid(0.1, 10, 5), **kwargs}
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        widgets.Slider(args.pop("draw"), args.pop("values"), **args)


def test_render_rejects_a_bad_value(sliders):
    with pytest.raises(ValueError, match="value"):
        sliders["bars"].render_png(np.inf)
    with pytest.raises(ValueError, match="tau"):
        sliders["bars"].render_png(-1.0)


def test_initial_value_snaps_to_the_grid():
    slider = widgets.Slider(figures.GumbelSoftmaxBars, widgets.log_grid(0.1, 10, 5), value=0.9)
    assert slider.value == 1.0 and slider.index == 2
    assert slider.label_of(slider.value) == "value = 1"


def test_figure_is_a_plain_matplotlib_figure_of_the_value(sliders):
    slider = sliders["bars"]
    fig = slider.figure(2.0)
    assert fig.dpi == slider.dpi and fig.axes[0].get_title(loc="right") == "τ = 2"
    assert not any(artist.get_animated() for ax in fig.axes for artist in ax.get_children())


def test_a_plain_drawing_function_still_works():
    """The old form, draw(fig, value) -> alt text, is redrawn in full at every value."""
    def line(fig, value):
        ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 2))
        ax.plot([0, 1], [0, value])
        return f"a line rising to {value}"

    slider = widgets.Slider(line, [0.5, 1.0, 1.5])
    assert slider.render(1.5)[1] == "a line rising to 1.5"
    for value in (0.5, 1.5, 1.0):
        assert widgets.pixel_mismatch(slider.rgb(value), slider.fresh_rgb(value), tolerance=8) == 0.0


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


@pytest.mark.parametrize("frames", [True, False])
def test_static_image_has_its_css_width_and_only_scales_down(frames):
    slider = widgets.estimator_slider(n=300, num=5)
    width, height = slider.css_size
    img = re.search(r"<img [^>]*>", slider.to_html(frames=frames)).group(0)
    assert f'width="{width}" height="{height}"' in img
    style = re.search(r'style="([^"]*)"', img).group(1)
    assert f"width:{width}px" in style and "max-width:100%" in style and "height:auto" in style


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
    assert bundle["text/plain"] == ("<Slider over τ from 0.05 to 20, 31 frames (GumbelSoftmaxBars); "
                                    "run in Jupyter for the live figure>")


def test_mimebundle_in_jupyter_carries_the_widget_and_a_still(monkeypatch):
    monkeypatch.delenv(widgets.FRAMES_ENV, raising=False)
    slider = widgets.gumbel_max_slider(n=(10, 2000))
    bundle = slider._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["version_major"] == 2 and view["model_id"]
    assert bundle["text/html"].count("data:image/png;base64,") == 1
    assert bundle["text/plain"].startswith("<Slider over N from 10 to 2,000")


def test_live_widget_redraws_on_change():
    slider = widgets.gumbel_softmax_bars_slider()
    box = slider.widget()
    control, image = box.children
    first = image.value
    assert first == slider.render_png(slider.value)
    control.index = 0
    assert image.value == slider.render_png(slider.live_values[0]) != first
    assert control.description == "τ =" and control.label == "0.05"


@pytest.mark.parametrize("name", ["bars", "estimator"])
def test_live_picture_slider_and_box_share_the_figure_css_width(sliders, name):
    """The image is shown at the width it was drawn for (never stretched), the slider above it as wide."""
    slider = sliders[name]
    box = slider.widget()
    control, image = box.children
    width = f"{slider.css_size[0]}px"
    for widget in (box, control, image):
        assert widget.layout.width == width and widget.layout.max_width == "100%"
    assert image.layout.height == "auto" and image.layout.margin == "0"  # no margin: its edges line up with the slider's
    assert png_size(image.value) == (2 * slider.css_size[0], 2 * slider.css_size[1])


def test_a_burst_of_moves_ends_on_the_last_value():
    """Dragging sends many values in a row, as the front end does through the widget's state:
    each is drawn in turn, and the picture left standing is the last one's."""
    slider = widgets.estimator_slider(n=300)
    control, image = slider.widget().children
    burst = [3, 40, 41, 42, 90, 7, 8, 9, 60, 61]
    for index in burst:
        control.set_state({"index": index})
    last = slider.live_values[burst[-1]]
    assert control.value == last
    assert image.value == slider.render_png(last)
    decoded = np.asarray(Image.open(io.BytesIO(image.value)).convert("RGB"))
    assert widgets.pixel_mismatch(decoded, slider.fresh_rgb(last), tolerance=40) < 0.002


def test_slider_benchmark_covers_every_book_slider():
    results = bench_sliders.measure(values_per_slider=2)
    assert set(results) == set(bench_sliders.book_sliders())
    for found in results.values():
        assert len(found["ms"]) == len(found["cpu_ms"]) == len(found["scratch_ms"]) == 3
        assert (found["ms"] > 0).all() and (found["scratch_ms"] > 0).all() and (found["bytes"] > 0).all()
    text, _ = bench_sliders.report(results)
    assert text.count("target median") == len(results) == 6  # chapters 2, 4, 5 (two), 6 and 7
