"""reparam: vectorized samplers and gradient estimators for differentiating through random sampling.

The package behind the book *Differentiating through random sampling*. Randomness enters only
through an ``rng`` argument (None, an int seed or a ``numpy.random.Generator``); ``logits`` are
always unnormalised log-probabilities.
"""
from . import estimators
from .concrete import concrete_log_prob
from .gumbel import gumbel, gumbel_max, gumbel_softmax, gumbel_topk
from .normal import normal_rsample
from .softmax import log_softmax, softmax

__all__ = [
    "concrete_log_prob",
    "estimators",
    "gumbel",
    "gumbel_max",
    "gumbel_softmax",
    "gumbel_topk",
    "log_softmax",
    "normal_rsample",
    "softmax",
]
__version__ = "1.0.0"
