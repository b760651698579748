"""Speed of one live slider update, per slider of the book: ``python -m reparam.bench_sliders``.

A live update is what the kernel does after a reader moves a slider in Jupyter: sample (or reuse
the samples), draw the figure with the Agg canvas and encode the PNG that the ``ipywidgets.Image``
receives. This is :meth:`reparam.widgets.Slider.render_png`. Each slider is built with the
arguments the chapters give it (the book's sample sizes), drawn once at its initial value (the
widget does that when it is displayed), and then timed at values spread over its live grid, swept
forwards and back as a drag does. Beside it, interleaved value by value, the same picture is
drawn from scratch (a new figure, a full draw, the same encoding), which is what a slider cost
before it redrew only what changes; the ratio of the two is printed. The browser's share (sending the bytes, decoding and painting
them) comes on top and is measured in a real JupyterLab by the browser harness, not here.

The target for the Python side is a median under 25 ms wall clock, so that key press to picture
stays under 40 ms in JupyterLab. On a machine busy with other work the wall clock includes
waiting for a CPU, so the CPU time of this process is printed beside it.
"""
import argparse
import io
import os
import time

import numpy as np

#: Median milliseconds of one live update that each slider must stay under.
TARGET_MS = 25.0


def book_sliders(**kwargs):
    """The book's sliders, built as the chapters build them (name -> Slider); ``kwargs`` go to every Slider."""
    from . import figures, widgets

    from . import figures_lab

    sliders = {
        "ch2 estimator spread": widgets.estimator_slider(mu=0.0, sigma=1.0, n=10_000, **kwargs),
        "ch4 gumbel-max histogram": widgets.gumbel_max_slider(weights=figures.POST_WEIGHTS, **kwargs),
        "ch5 gumbel-softmax bars": widgets.gumbel_softmax_bars_slider(logits=np.log([0.2, 0.5, 0.3]), **kwargs),
        "ch5 gumbel-softmax simplex": widgets.gumbel_softmax_simplex_slider(logits=np.log([0.2, 0.5, 0.3]),
                                                                            n=3000, **kwargs),
        "ch6 estimator resolution": figures_lab.estimator_resolution_slider(**kwargs),
    }
    try:  # chapter 7's slider decodes with a VAE's weights; untrained ones cost the same to draw
        from . import jax_models
    except ImportError:  # JAX is only needed by the chapters that train models
        return sliders
    config = jax_models.VAEConfig("categorical", n_latent=8, n_categories=10, hidden=(128,))
    images = np.random.default_rng(0).integers(0, 2, size=(8, config.n_pixels)).astype(np.float64)
    sliders["ch7 decode temperature"] = jax_models.decode_temperature_slider(
        config, jax_models.init_vae(config, rng=0), images, (8, 8), **kwargs)
    return sliders


def sweep(grid, values_per_slider):
    """``values_per_slider`` values spread over ``grid``, then the same values back (a drag there and back)."""
    picks = grid[np.linspace(0, len(grid) - 1, values_per_slider).round().astype(int)]
    return np.concatenate([picks, picks[-2::-1]])


def _from_scratch_png(slider, value):
    """The live PNG at ``value`` drawn from scratch: a new figure and a full draw, then the same encoding."""
    from . import widgets

    rgb = slider.fresh_rgb(value)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    return widgets._encode_png(rgba, slider._picture(slider.pixel_ratio).palette(), small=False)


def measure(sliders=None, values_per_slider=16):
    """Per slider: milliseconds of each live update over the sweep, and the PNG bytes and pixels.

    Returns ``{name: {"ms": array, "cpu_ms": array, "scratch_ms": array, "bytes": array, "pixels":
    (width, height)}}``: wall-clock and CPU milliseconds of each update (on a shared machine, the
    CPU time is the part that is this code's own), wall-clock milliseconds of drawing the same
    picture from scratch, the PNG sizes, and the pixel size of the PNG.
    """
    from PIL import Image

    sliders = book_sliders() if sliders is None else sliders
    results = {}
    for name, slider in sliders.items():
        slider.render_png(slider.value)  # displaying the widget draws the first picture; a reader pays it once
        ms, cpu_ms, scratch_ms, sizes, png = [], [], [], [], b""
        for value in sweep(slider.live_values, values_per_slider):
            start, start_cpu = time.perf_counter(), time.process_time()
            png = slider.render_png(value)
            cpu_ms.append((time.process_time() - start_cpu) * 1e3)
            ms.append((time.perf_counter() - start) * 1e3)
            sizes.append(len(png))
            start = time.perf_counter()
            _from_scratch_png(slider, value)
            scratch_ms.append((time.perf_counter() - start) * 1e3)
        results[name] = {"ms": np.array(ms), "cpu_ms": np.array(cpu_ms), "scratch_ms": np.array(scratch_ms),
                         "bytes": np.array(sizes), "pixels": Image.open(io.BytesIO(png)).size}
    return results


def report(results, target=TARGET_MS):
    """The table of :func:`measure` as text, and whether every median met ``target``."""
    lines = ["one live slider update (sample, draw, encode PNG), Python side, over a sweep of values there and back",
             f"(wall clock, and CPU time of this process; load average {os.getloadavg()[0]:.1f} "
             f"on {os.cpu_count()} CPUs):",
             f"  {'slider':<28} {'median':>8} {'max':>8} {'CPU median':>11} {'from scratch':>13}   {'PNG':>9} "
             f"{'pixels':>10}"]
    all_met = True
    for name, found in results.items():
        median = float(np.median(found["ms"]))
        met = median < target
        all_met &= met
        width, height = found["pixels"]
        cpu, scratch = np.median(found["cpu_ms"]), np.median(found["scratch_ms"])
        lines.append(f"  {name:<28} {median:5.1f} ms {found['ms'].max():5.1f} ms {cpu:8.1f} ms "
                     f"{scratch:6.1f} ms ({scratch / median:4.1f}x)   "
                     f"{np.median(found['bytes']) / 1024:6.1f} kB {width:>4}x{height:<5} "
                     f"target median < {target:g} ms  {'met' if met else 'MISSED'}")
    return "\n".join(lines), all_met


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=16, help="values per slider, swept there and back (default 16)")
    parser.add_argument("--pixel-ratio", type=float, default=None,
                        help="device pixels per CSS pixel of the live picture (default: the sliders' own, 2)")
    args = parser.parse_args(argv)
    options = {} if args.pixel_ratio is None else {"pixel_ratio": args.pixel_ratio}
    text, all_met = report(measure(book_sliders(**options), values_per_slider=args.values))
    print(text)
    return 0 if all_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
