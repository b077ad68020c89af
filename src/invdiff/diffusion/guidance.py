"""Classifier-free guidance (Ho & Salimans 2022): turn a conditional network into an ``eps_fn(x_t, t)``.

eps_bar = (1 + w) eps(x_t, t, y) - w eps(x_t, t, null). ``w = 0`` is plain conditional sampling and costs one
pass; otherwise the conditional and null passes go through the network as *one* batch of 2B. ``missing`` [B, units]
marks units of the condition the network must do without (a network trained with unit dropout); the null pass
has every unit missing.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

EpsFn = Callable[[Tensor, Tensor], Tensor]


def conditional_eps(net, cond: Tensor, missing: Tensor | None = None) -> EpsFn:
    keep = torch.zeros(cond.shape[0], dtype=torch.bool, device=cond.device) if missing is None else missing
    return lambda x, t: net(x, t, cond, keep)


def unconditional_eps(net, cond_like: Tensor) -> EpsFn:
    """The null-condition branch (``cond_like`` only supplies shape/device; its values are ignored)."""
    drop = torch.ones(cond_like.shape[0], dtype=torch.bool, device=cond_like.device)
    return lambda x, t: net(x, t, cond_like, drop)


def guided_eps(net, cond: Tensor, w: float, missing: Tensor | None = None) -> EpsFn:
    if w == 0:
        return conditional_eps(net, cond, missing)
    b = cond.shape[0]
    cond2 = torch.cat([cond, cond])
    keep = torch.zeros(b, dtype=torch.bool, device=cond.device) if missing is None else missing.to(cond.device)
    mask2 = torch.cat([keep, torch.ones_like(keep)])

    def eps_fn(x: Tensor, t: Tensor) -> Tensor:
        eps_c, eps_u = net(torch.cat([x, x]), torch.cat([t, t]), cond2, mask2).chunk(2)
        return (1 + w) * eps_c - w * eps_u

    return eps_fn
