"""The benchmark runs and its contenders compute what they claim (speed itself is not tested)."""
import numpy as np
from scipy import stats

import reparam
from reparam import bench

P_MIN = 1e-4  # false-alarm rate of each goodness-of-fit check below


def test_benchmark_contenders_sample_the_same_distribution():
    logits, n = np.log([0.2, 0.5, 0.3]), 3000
    rng = np.random.default_rng(0)
    np.random.seed(0)
    for sample in (bench.post_loop_gumbel_softmax(logits, 1.0, n), bench.numpy_gumbel_softmax(logits, 1.0, n, rng)):
        np.testing.assert_allclose(sample.sum(-1), 1.0)
        assert np.abs(np.bincount(sample.argmax(-1)) / n - [0.2, 0.5, 0.3]).max() < 0.04  # ~4.4 standard errors
    assert set(np.unique(bench.numpy_gumbel_max(logits, n, rng))) == {0, 1, 2}


def test_inverse_cdf_contenders_sample_softmax():
    logits = np.array([0.4, -np.inf, 1.2, -0.3, -np.inf])
    probs = reparam.softmax(logits)
    draws = bench.inverse_cdf(logits, 100_000, np.random.default_rng(1))
    counts = np.bincount(draws, minlength=5)
    assert counts[probs == 0].sum() == 0
    assert stats.chisquare(counts[probs > 0], 100_000 * probs[probs > 0]).pvalue > P_MIN  # false alarm 1e-4
    batch = np.tile(np.log([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]]), (50_000, 1))  # two distributions, alternating
    draws = bench.inverse_cdf_batch(batch, np.random.default_rng(2)).reshape(50_000, 2)
    for row, probs in enumerate(([0.1, 0.6, 0.3], [0.5, 0.25, 0.25])):  # each: false alarm 1e-4
        assert stats.chisquare(np.bincount(draws[:, row], minlength=3), 50_000 * np.array(probs)).pvalue > P_MIN


def test_benchmark_prints_every_ratio(capsys):
    bench.main(["-n", "2000", "-k", "4", "--repeats", "1", "--ks", "2,5"])
    out = capsys.readouterr().out
    assert "DisARM" in out, "the gradient estimators' cost per estimate is part of the benchmark"
    for name in ("gumbel_softmax vs loop softmax", "gumbel_max vs numpy argmax", "gumbel_softmax vs uniforms floor",
                 "gumbel_max vs uniforms floor", "gumbel_max vs inverse CDF", "one distribution, N = 2,000 samples",
                 "a new distribution for every sample"):
        assert name in out
    sweep = out[out.index("one distribution, N = 2,000"):]
    assert sweep.count("target ratio <= 2x") == 2  # one row per K


def test_sweep_times_every_contender_for_every_k():
    rows = bench.measure_sweep(n=500, ks=(2, 30), repeats=1)
    assert list(rows) == [2, 30] and rows[30]["batch_rows"] == 500
    assert all(t[name] > 0 for t in rows.values() for name in ("gumbel_max", "uniforms floor", "inverse CDF",
                                                              "batch gumbel_max", "batch inverse CDF"))
