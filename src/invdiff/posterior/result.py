"""What a posterior sampler returns: the sampler contract of :mod:`invdiff.sampling`, plus vector–Jacobian
products (a backward pass through the network costs about as much as a forward one, so both are counted)."""
from __future__ import annotations

from typing import NamedTuple

from torch import Tensor


class PosteriorResult(NamedTuple):
    samples: Tensor
    evaluations: int
    """Network (or score-function) evaluations per sample; one batched forward each."""
    vjps: int = 0
    """Vector–Jacobian products through the network per sample (backward passes)."""
    acceptance: float | None = None
    """Metropolis acceptance rate, for the samplers that have one."""
