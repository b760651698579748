"""Speed of the samplers, measured side by side in one run: ``python -m reparam.bench``.

For N samples of K categories it times ``gumbel_softmax`` and ``gumbel_max`` against

(a) the original post's per-sample Python loop (``sample_gumbel`` called once per category),
(b) the obvious vectorized numpy: ``Generator.gumbel`` plus a stable softmax or argmax,
(c) the floor: drawing the N*K uniforms alone,

and prints the ratios with the book's targets. Each timing is the best of several repeats, with
the contenders interleaved so that a busy machine slows all of them alike.

It then times one live update of each of the book's sliders (sampling, drawing and PNG encoding,
what a reader waits for after moving a slider in Jupyter) for N = 10,000 samples, over a sweep of
slider values, and prints the median against the target of 100 ms.
"""
import argparse
import math
import time

import numpy as np

from .gumbel import gumbel_max, gumbel_softmax

#: (numerator, denominator, target): the ratio of their times, and the bound it must meet
SPEEDUPS = [  # slower / faster, at least the target
    ("loop softmax", "gumbel_softmax", 100.0),
    ("numpy softmax", "gumbel_softmax", 2.0),
    ("numpy argmax", "gumbel_max", 2.5),
    ("loop argmax", "gumbel_max", None),
]
COSTS = [  # sampler / floor, at most the target
    ("gumbel_softmax", "uniforms floor", 6.0),
    ("gumbel_max", "uniforms floor", None),
]


def _post_softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum()


def _post_sample_gumbel(eps=1e-20):
    u = np.random.uniform(0, 1)
    return -math.log(-math.log(u + eps) + eps)


def post_loop_gumbel_softmax(logits, tau, n):
    """The original post's sampler, one sample and one category at a time."""
    return np.array([_post_softmax((logits + [_post_sample_gumbel() for _ in range(len(logits))]) / tau)
                     for _ in range(n)])


def post_loop_gumbel_max(logits, n):
    return np.array([np.argmax(logits + [_post_sample_gumbel() for _ in range(len(logits))]) for _ in range(n)])


def numpy_gumbel_softmax(logits, tau, n, rng):
    """What one writes first with numpy: Generator.gumbel and a stable softmax over the last axis."""
    y = (logits + rng.gumbel(size=(n, len(logits)))) / tau
    y = np.exp(y - y.max(axis=-1, keepdims=True))
    return y / y.sum(axis=-1, keepdims=True)


def numpy_gumbel_max(logits, n, rng):
    return np.argmax(logits + rng.gumbel(size=(n, len(logits))), axis=-1)


def best_time(function, repeats):
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def measure(n=100_000, k=10, tau=0.5, repeats=15, seed=0):
    """Best-of-``repeats`` seconds for each contender; the slow loops are timed fewer times."""
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    logits = rng.normal(size=k)
    fast = {
        "gumbel_softmax": lambda: gumbel_softmax(logits, tau, size=n, rng=rng),
        "gumbel_max": lambda: gumbel_max(logits, size=n, rng=rng),
        "numpy softmax": lambda: numpy_gumbel_softmax(logits, tau, n, rng),
        "numpy argmax": lambda: numpy_gumbel_max(logits, n, rng),
        "uniforms floor": lambda: rng.random((n, k)),
    }
    slow = {
        "loop softmax": lambda: post_loop_gumbel_softmax(logits, tau, n),
        "loop argmax": lambda: post_loop_gumbel_max(logits, n),
    }
    times = dict.fromkeys(list(fast) + list(slow), math.inf)
    for _ in range(repeats):  # interleaved rounds
        for name, function in fast.items():
            times[name] = min(times[name], best_time(function, 1))
    for name, function in slow.items():
        times[name] = best_time(function, 2)
    return times


def report(times, n, k):
    lines = [f"N = {n:,} samples of K = {k} categories (best of repeated runs, interleaved)", ""]
    lines += [f"  {name:<16} {seconds * 1e3:10.2f} ms" for name, seconds in times.items()]
    lines += ["", "speed-ups (time of the slower / time of the faster):"]
    all_met = True
    for slower, faster, target in SPEEDUPS:
        ratio = times[slower] / times[faster]
        verdict = "" if target is None else f"target >= {target:g}x  " + ("met" if ratio >= target else "MISSED")
        all_met &= target is None or ratio >= target
        lines.append(f"  {faster:>14} vs {slower:<14} {ratio:9.1f}x   {verdict}")
    lines += ["", "cost against the floor (time of the sampler / time of drawing the uniforms alone):"]
    for sampler, floor, target in COSTS:
        ratio = times[sampler] / times[floor]
        verdict = "" if target is None else f"target <= {target:g}x  " + ("met" if ratio <= target else "MISSED")
        all_met &= target is None or ratio <= target
        lines.append(f"  {sampler:>14} vs {floor:<14} {ratio:9.2f}x   {verdict}")
    return "\n".join(lines), all_met


SLIDER_TARGET_MS = 100.0


def measure_sliders(n=10_000, values_per_slider=12):
    """Milliseconds of each live update, per slider, over values spread across its grid."""
    from . import widgets

    sliders = {
        "gumbel-softmax bars": widgets.gumbel_softmax_bars_slider(),
        "gumbel-softmax simplex": widgets.gumbel_softmax_simplex_slider(n=n),
        "gumbel-max histogram": widgets.gumbel_max_slider(),
        "estimator spread": widgets.estimator_slider(n=n),
    }
    times = {}
    for name, slider in sliders.items():
        grid = slider.live_values
        values = grid[np.linspace(0, len(grid) - 1, values_per_slider).round().astype(int)]
        if name == "gumbel-max histogram":  # its parameter is N itself: time it at N = n too
            values = np.append(values, n)
        slider.render_png(values[0])  # the first draw builds the canvas; a reader pays it once
        samples = []
        for value in values:
            start = time.perf_counter()
            slider.render_png(value)
            samples.append((time.perf_counter() - start) * 1e3)
        times[name] = np.array(samples)
    return times


def report_sliders(times, n):
    lines = [f"one live slider update (sample N = {n:,}, draw, encode PNG), over a sweep of values:"]
    all_met = True
    for name, ms in times.items():
        met = np.median(ms) < SLIDER_TARGET_MS
        all_met &= met
        lines.append(f"  {name:<24} median {np.median(ms):6.1f} ms   max {ms.max():6.1f} ms   "
                     f"target median < {SLIDER_TARGET_MS:g} ms  {'met' if met else 'MISSED'}")
    return "\n".join(lines), all_met


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="samples (default 100,000)")
    parser.add_argument("-k", type=int, default=10, help="categories (default 10)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-sliders", action="store_true", help="skip timing the slider updates")
    args = parser.parse_args(argv)
    text, all_met = report(measure(args.n, args.k, repeats=args.repeats), args.n, args.k)
    print(text)
    if not args.no_sliders:
        text, sliders_met = report_sliders(measure_sliders(), 10_000)
        print("\n" + text)
        all_met &= sliders_met
    return 0 if all_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
