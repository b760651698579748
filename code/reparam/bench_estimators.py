"""Cost per estimate of chapter 6's gradient estimators: ``python -m reparam.bench_estimators``.

Each estimator is timed on the chapter's problems with ``n`` estimates per call (best of
``repeats`` calls, the contenders interleaved so that a busy machine slows all of them alike), and
the report gives, per estimate, the wall-clock time, the number of evaluations of ``f`` it spends
(:data:`reparam.estimators.EVALUATIONS_PER_ESTIMATE`) and the time against the plain score function
of the same family. The problems' ``f`` are cheap numpy functions, so the times measure the
estimators' own overhead (sampling, weights, bookkeeping); with an expensive ``f`` (a network) the
evaluations column is what counts.

``python -m reparam.bench`` calls :func:`report_text` for the same table.
"""
import argparse
import math
import time

import numpy as np

from . import estimators as E

__all__ = ["main", "measure", "report", "report_text"]

P0 = np.array([0.6, 0.51, 0.48])  # the Bernoulli toy of Kool et al. (2020), d = 3


def _kool(b):
    return np.sum((b - P0) ** 2, axis=1)


def _kool_grad(b):
    return 2.0 * (b - P0)


def _surrogate(z):
    return np.tanh(z).sum(axis=1)


def _surrogate_grad(z):
    return 1.0 / np.cosh(z) ** 2


def _contenders(n):
    """(family, name, evaluations per estimate, zero-argument call returning n estimates)."""
    a3 = np.array([0.0, 0.3, -0.4])
    outcomes = ((np.arange(8)[:, None] >> np.arange(2, -1, -1)) & 1).astype(float)
    values8 = _kool(outcomes)
    logits8 = outcomes @ a3  # the same d = 3 problem as one categorical variable over 8 outcomes

    def f8(onehot):
        return onehot @ values8

    def cos3(x):
        return np.cos(3.0 * x)

    def dcos3(x):
        return -3.0 * np.sin(3.0 * x)

    per = E.EVALUATIONS_PER_ESTIMATE
    rng = np.random.default_rng(0)
    return [
        ("Bernoulli, d = 3", "score function (Bernoulli)", per["score_function_bernoulli"],
         lambda: E.score_function_bernoulli(_kool, a3, size=n, rng=rng)),
        ("Bernoulli, d = 3", "DisARM", per["disarm_bernoulli"], lambda: E.disarm_bernoulli(_kool, a3, size=n, rng=rng)),
        ("Bernoulli, d = 3", "REBAR", per["rebar_bernoulli"],
         lambda: E.rebar_bernoulli(_kool, _kool_grad, a3, tau=0.5, size=n, rng=rng)),
        ("Bernoulli, d = 3", "RELAX (numpy surrogate)", per["relax_bernoulli"],
         lambda: E.relax_bernoulli(_kool, _surrogate, _surrogate_grad, a3, size=n, rng=rng)),
        ("Bernoulli, d = 3", "exact (enumeration, 8 outcomes)", 8, lambda: E.exact_bernoulli(_kool, a3)),
        ("categorical, K = 8", "score function (categorical)", per["score_function_categorical"],
         lambda: E.score_function_categorical(f8, logits8, size=n, rng=rng)),
        ("categorical, K = 8", "RLOO, n = 4", per["rloo_categorical"](4),
         lambda: E.rloo_categorical(f8, logits8, n=4, size=n, rng=rng)),
        ("categorical, K = 8", "unordered set, k = 4", per["unordered_set_categorical"](4),
         lambda: E.unordered_set_categorical(f8, logits8, k=4, size=n, rng=rng)),
        ("categorical, K = 8", "unordered set, k = 8", per["unordered_set_categorical"](8),
         lambda: E.unordered_set_categorical(f8, logits8, k=8, size=n, rng=rng)),
        ("Gaussian", "score function (Gaussian)", per["score_function_normal"],
         lambda: E.score_function_normal(cos3, 1.0, 1.0, size=n, rng=rng)),
        ("Gaussian", "pathwise", per["pathwise_normal"], lambda: E.pathwise_normal(dcos3, 1.0, 1.0, size=n, rng=rng)),
        ("Gaussian", "measure-valued (Gaussian)", per["measure_valued_normal"],
         lambda: E.measure_valued_normal(cos3, 1.0, 1.0, size=n, rng=rng)),
    ]


def measure(n=100_000, repeats=5):
    """One row per estimator: family, name, evaluations, seconds per estimate (best of ``repeats``)."""
    contenders = _contenders(n)
    best = [math.inf] * len(contenders)
    for _ in range(repeats):  # interleaved rounds
        for i, (_, _, _, call) in enumerate(contenders):
            start = time.perf_counter()
            call()
            best[i] = min(best[i], time.perf_counter() - start)
    rows = []
    for (family, name, evaluations, _), seconds in zip(contenders, best):
        estimates = 1 if name.startswith("exact") else n  # the exact gradient is one call
        rows.append({"family": family, "name": name, "evaluations": evaluations,
                     "seconds_per_estimate": seconds / estimates})
    return rows


def report(rows, n):
    lines = [f"cost per estimate of the chapter 6 estimators ({n:,} estimates per call, best of repeated "
             f"calls, interleaved)", "",
             f"  {'family':<20} {'estimator':<34} {'f evals':>7} {'µs per estimate':>16} "
             f"{'µs per eval':>12} {'vs score fn':>11}"]
    reference = {}
    for row in rows:
        if row["name"].startswith("score function"):
            reference[row["family"]] = row["seconds_per_estimate"]
    for row in rows:
        us = row["seconds_per_estimate"] * 1e6
        ratio = row["seconds_per_estimate"] / reference[row["family"]]
        lines.append(f"  {row['family']:<20} {row['name']:<34} {row['evaluations']:>7} {us:>16.3f} "
                     f"{us / row['evaluations']:>12.3f} {ratio:>10.1f}x")
    lines += ["", "  f evals: evaluations of f (or of its gradient, at distinct points) spent on one estimate;",
              "  compare estimators at equal cost by multiplying the variance of one estimate by this count."]
    return "\n".join(lines)


def report_text(n=100_000, repeats=5):
    """The table as text (what ``python -m reparam.bench`` prints for the estimators)."""
    return report(measure(n, repeats), n)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="estimates per call (default 100,000)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(report_text(args.n, args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
