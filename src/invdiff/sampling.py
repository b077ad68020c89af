"""The contract every sampler keeps, discrete (:mod:`invdiff.diffusion`) or continuous (:mod:`invdiff.sde`).

A sampler takes an optional start tensor ``x_init`` (drawn from its prior when None), an optional
``callback(t, x)`` called with the start and after every step, and ``progress`` (a bar on a terminal, a log line
every 10 % otherwise); it returns a :class:`SamplerResult`.

``t`` in the callback is the time of ``x``: the continuous time for the SDE samplers (``t_start`` … ``t_min``);
for the discrete samplers the DDPM index in Ho et al.'s 1-based notation (T for the start noise, 0 for the
sample), so a trajectory figure reads the same whichever sampler made it.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from torch import Tensor

StepCallback = Callable[[float, Tensor], None]


class SamplerResult(NamedTuple):
    samples: Tensor
    evaluations: int
    """Network evaluations per sample; each is one batched forward (guidance's two branches included)."""
