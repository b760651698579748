"""The unbiasedness check shared by the estimator tests."""
import numpy as np

Z = 5.0  # two-sided false-alarm rate per component: 2 * (1 - Phi(5)) = 5.7e-7
N = 100_000


def assert_unbiased(samples, expected, z=Z):
    """Each column mean within z standard errors of expected (exact 0 == 0 passes with se = 0).

    The 1e-9 slack covers the summation rounding of a column mean of 1e5 equal numbers (~1e-11),
    which an exact estimator (se = 0) would otherwise fail on.
    """
    samples = np.asarray(samples)
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    error = np.abs(mean - np.asarray(expected))
    assert np.all(error <= z * se + 1e-9), f"mean {mean}, expected {expected}, |error| {error}, se {se}"
