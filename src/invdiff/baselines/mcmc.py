"""Random-walk Metropolis-Hastings, many independent chains at once, with per-chain step-size adaptation."""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor


def random_walk_metropolis(log_prob: Callable[[Tensor], Tensor], x_init: Tensor, steps: int, init_step: float,
                           target_accept: float = 0.3, generator: torch.Generator | None = None,
                           adapt_fraction: float = 0.5) -> tuple[Tensor, float, int]:
    """Gaussian random-walk MH on ``log_prob`` ([K, d] -> [K], -inf outside the support) from ``x_init`` [K, d].

    During the first ``adapt_fraction`` of the steps each chain's proposal scale follows a Robbins-Monro update
    towards ``target_accept``; afterwards it is frozen, so the remaining steps are a valid MH chain.
    Returns (final states, acceptance rate after adaptation, log-density evaluations per chain).
    """
    x = x_init.clone()
    lp = log_prob(x)
    k = x.shape[0]
    log_step = torch.full((k,), math.log(init_step), dtype=x.dtype)
    adapt_steps = int(adapt_fraction * steps)
    accepted_after = 0.0
    for i in range(steps):
        proposal = x + log_step.exp()[:, None] * torch.randn(x.shape, generator=generator, dtype=x.dtype)
        lp_new = log_prob(proposal)
        u = torch.rand(k, generator=generator, dtype=x.dtype)
        accept = torch.log(u) < lp_new - lp
        x = torch.where(accept[:, None], proposal, x)
        lp = torch.where(accept, lp_new, lp)
        if i < adapt_steps:
            log_step = log_step + (accept.to(x.dtype) - target_accept) / math.sqrt(i + 1)
        else:
            accepted_after += accept.to(x.dtype).mean().item()
    rate = accepted_after / max(steps - adapt_steps, 1)
    return x, rate, steps + 1
