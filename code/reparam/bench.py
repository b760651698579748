"""Speed of the samplers, measured side by side in one run: ``python -m reparam.bench``.

For N samples of K categories it times ``gumbel_softmax`` and ``gumbel_max`` against

(a) the original post's per-sample Python loop (``sample_gumbel`` called once per category),
(b) the obvious vectorized numpy: ``Generator.gumbel`` plus a stable softmax or argmax,
(c) the floor: drawing the N*K uniforms alone,
(d) inverse-CDF sampling: cumulative probabilities once, then one uniform and a binary search
    (``np.searchsorted``) per sample,

and prints the ratios with the book's targets. Each timing is the best of several repeats, with
the contenders interleaved so that a busy machine slows all of them alike. The samplers are timed
in CPU time of this process (``time.process_time``; every contender runs on one core), which
other programs on the machine barely disturb; ``--clock wall`` times them by the wall clock.

A sweep over K (2, 10, 100, 1000 by default) then shows when each categorical sampler wins:
for one distribution sampled N times inverse CDF does O(log K) work per sample against
Gumbel-max's O(K); when every sample has logits of its own (a batch of distributions, as a
network outputs), both are O(K) per sample. Gumbel-max's own target is to cost at most twice
drawing its N*K uniforms, at every K.

The sliders' live updates are timed by ``python -m reparam.bench_sliders``.
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
    ("gumbel_max", "uniforms floor", 2.0),
    ("gumbel_max", "inverse CDF", None),
]
#: gumbel_max may take at most this multiple of the time of drawing its own N*K uniforms, at every K
GUMBEL_MAX_FLOOR_TARGET = 2.0
#: categories of the sweep, and the size of the batch case (rows * K numbers of logits)
SWEEP_KS = (2, 10, 100, 1000)
BATCH_NUMBERS = 2_000_000


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


def inverse_cdf(logits, n, rng):
    """Categorical samples by inverse CDF: cumulative probabilities once (O(K)), then per sample
    one uniform and a binary search (O(log K)). The last category also takes u == total."""
    cdf = np.cumsum(np.exp(logits - logits.max()))
    u = rng.random(n) * cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def inverse_cdf_batch(logits, rng):
    """Inverse CDF with logits of its own for every row: cumulative sums per row (O(K) each), then
    the number of cumulative probabilities at or below the row's uniform."""
    cdf = np.cumsum(np.exp(logits - logits.max(axis=-1, keepdims=True)), axis=-1)
    u = rng.random(logits.shape[:-1] + (1,)) * cdf[..., -1:]
    return np.minimum((cdf <= u).sum(axis=-1), logits.shape[-1] - 1)


#: clocks for the sampler timings: CPU time of this process, or the wall clock
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def best_time(function, repeats, clock=time.process_time):
    best = math.inf
    for _ in range(repeats):
        start = clock()
        function()
        best = min(best, clock() - start)
    return best


def measure(n=100_000, k=10, tau=0.5, repeats=15, seed=0, clock=time.process_time):
    """Best-of-``repeats`` seconds for each contender; the slow loops are timed fewer times."""
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    logits = rng.normal(size=k)
    fast = {
        "gumbel_softmax": lambda: gumbel_softmax(logits, tau, size=n, rng=rng),
        "gumbel_max": lambda: gumbel_max(logits, size=n, rng=rng),
        "numpy softmax": lambda: numpy_gumbel_softmax(logits, tau, n, rng),
        "numpy argmax": lambda: numpy_gumbel_max(logits, n, rng),
        "inverse CDF": lambda: inverse_cdf(logits, n, rng),
        "uniforms floor": lambda: rng.random((n, k)),
    }
    slow = {
        "loop softmax": lambda: post_loop_gumbel_softmax(logits, tau, n),
        "loop argmax": lambda: post_loop_gumbel_max(logits, n),
    }
    times = dict.fromkeys(list(fast) + list(slow), math.inf)
    for _ in range(repeats):  # interleaved rounds
        for name, function in fast.items():
            times[name] = min(times[name], best_time(function, 1, clock))
    for name, function in slow.items():
        times[name] = best_time(function, 2, clock)
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
    lines += ["", "cost against a reference (time of the sampler / time of the reference: drawing the N*K uniforms"
              " alone, or inverse-CDF sampling of the same categorical):"]
    for sampler, floor, target in COSTS:
        ratio = times[sampler] / times[floor]
        verdict = "" if target is None else f"target <= {target:g}x  " + ("met" if ratio <= target else "MISSED")
        all_met &= target is None or ratio <= target
        lines.append(f"  {sampler:>14} vs {floor:<14} {ratio:9.2f}x   {verdict}")
    return "\n".join(lines), all_met


def measure_sweep(n=100_000, ks=SWEEP_KS, repeats=5, seed=0, clock=time.process_time):
    """Best-of-``repeats`` seconds of gumbel_max, its uniforms and inverse CDF, for each K.

    Two cases per K: one distribution sampled ``n`` times, and a batch of ``min(n,
    BATCH_NUMBERS // K)`` distributions with one sample each.
    """
    rng = np.random.default_rng(seed)
    rows = {}
    for k in ks:
        logits = rng.normal(size=k)
        batch = rng.normal(size=(max(1, min(n, BATCH_NUMBERS // k)), k))
        one_distribution = {
            "gumbel_max": lambda: gumbel_max(logits, size=n, rng=rng),
            "uniforms floor": lambda: rng.random((n, k)),
            "inverse CDF": lambda: inverse_cdf(logits, n, rng),
        }
        many_distributions = {
            "batch gumbel_max": lambda: gumbel_max(batch, rng=rng),
            "batch inverse CDF": lambda: inverse_cdf_batch(batch, rng),
        }
        times = {}
        for contenders in (one_distribution, many_distributions):  # each case in interleaved rounds of its own
            times.update(dict.fromkeys(contenders, math.inf))
            for _ in range(repeats):
                for name, function in contenders.items():
                    times[name] = min(times[name], best_time(function, 1, clock))
        rows[k] = dict(times, batch_rows=len(batch))
    return rows


def report_sweep(rows, n):
    target = GUMBEL_MAX_FLOOR_TARGET
    lines = [f"Gumbel-max against inverse CDF, by number of categories K (best of repeated runs, interleaved)",
             "", f"one distribution, N = {n:,} samples:",
             f"  {'K':>5} {'gumbel_max':>12} {'uniforms floor':>15} {'ratio':>7}   {'inverse CDF':>12} "
             f"{'gumbel_max / inverse CDF':>25}"]
    all_met = True
    for k, t in rows.items():
        ratio = t["gumbel_max"] / t["uniforms floor"]
        met = ratio <= target
        all_met &= met
        lines.append(f"  {k:>5} {t['gumbel_max'] * 1e3:9.2f} ms {t['uniforms floor'] * 1e3:12.2f} ms {ratio:6.2f}x"
                     f"   {t['inverse CDF'] * 1e3:9.2f} ms {t['gumbel_max'] / t['inverse CDF']:24.1f}x"
                     f"   target ratio <= {target:g}x  {'met' if met else 'MISSED'}")
    lines += ["", f"a new distribution for every sample (min(N, {BATCH_NUMBERS:,} / K) of them, one sample each):",
              f"  {'K':>5} {'rows':>8} {'gumbel_max':>12} {'inverse CDF':>12} {'gumbel_max / inverse CDF':>25}"]
    for k, t in rows.items():
        lines.append(f"  {k:>5} {t['batch_rows']:>8,} {t['batch gumbel_max'] * 1e3:9.2f} ms "
                     f"{t['batch inverse CDF'] * 1e3:9.2f} ms {t['batch gumbel_max'] / t['batch inverse CDF']:24.1f}x")
    lines += ["", "Below 1 Gumbel-max is faster. For one fixed distribution inverse CDF wins, by more as K grows"
              " (O(log K) against O(K) per sample);",
              "with new logits for every sample both are O(K) per sample and the two stay within a small factor."]
    return "\n".join(lines), all_met


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="samples (default 100,000)")
    parser.add_argument("-k", type=int, default=10, help="categories (default 10)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--ks", default=",".join(map(str, SWEEP_KS)),
                        help="categories of the Gumbel-max / inverse-CDF sweep, comma-separated (empty: skip it)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="time the samplers in CPU time of this process (default) or by the wall clock")
    parser.add_argument("--no-estimators", action="store_true",
                        help="skip the cost per estimate of the gradient estimators (reparam.bench_estimators)")
    args = parser.parse_args(argv)
    clock = CLOCKS[args.clock]
    print(f"sampler timings: {'CPU time of this process' if args.clock == 'cpu' else 'wall clock'}\n")
    text, all_met = report(measure(args.n, args.k, repeats=args.repeats, clock=clock), args.n, args.k)
    print(text)
    ks = [int(k) for k in args.ks.split(",") if k.strip()]
    if ks:
        sweep = measure_sweep(args.n, ks, repeats=max(1, min(args.repeats, 5)), clock=clock)
        text, sweep_met = report_sweep(sweep, args.n)
        print("\n" + text)
        all_met &= sweep_met
    if not args.no_estimators:
        from . import bench_estimators

        print("\n" + bench_estimators.report_text(args.n, repeats=max(1, min(args.repeats, 5))))
    return 0 if all_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
