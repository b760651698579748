"""The benchmark runs and its contenders compute what they claim (speed itself is not tested)."""
import numpy as np

from reparam import bench


def test_benchmark_contenders_sample_the_same_distribution():
    logits, n = np.log([0.2, 0.5, 0.3]), 3000
    rng = np.random.default_rng(0)
    np.random.seed(0)
    for sample in (bench.post_loop_gumbel_softmax(logits, 1.0, n), bench.numpy_gumbel_softmax(logits, 1.0, n, rng)):
        np.testing.assert_allclose(sample.sum(-1), 1.0)
        assert np.abs(np.bincount(sample.argmax(-1)) / n - [0.2, 0.5, 0.3]).max() < 0.04  # ~4.4 standard errors
    assert set(np.unique(bench.numpy_gumbel_max(logits, n, rng))) == {0, 1, 2}


def test_benchmark_prints_every_ratio(capsys):
    bench.main(["-n", "2000", "-k", "4", "--repeats", "1", "--no-sliders"])
    out = capsys.readouterr().out
    for name in ("gumbel_softmax vs loop softmax", "gumbel_max vs numpy argmax", "gumbel_softmax vs uniforms floor"):
        assert name in out


def test_slider_timing_covers_every_slider():
    times = bench.measure_sliders(n=500, values_per_slider=2)
    assert len(times) == 4 and all(len(ms) >= 2 and (ms > 0).all() for ms in times.values())
    text, _ = bench.report_sliders(times, 500)
    assert text.count("target median") == 4
