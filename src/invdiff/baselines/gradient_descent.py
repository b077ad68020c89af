"""The classical optimizer: multi-start Adam on a per-start loss, optionally projected onto a box."""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor


def multi_start_descent(loss_fn: Callable[[Tensor], Tensor], x_init: Tensor, steps: int, lr: float,
                        lower: Tensor | None = None, upper: Tensor | None = None) -> tuple[Tensor, int]:
    """Run ``steps`` Adam steps from each row of ``x_init`` [K, ...]; ``loss_fn`` maps [K, ...] -> [K].

    Starts are independent: Adam's update is element-wise and the summed loss separates. Returns the final
    iterates and the number of loss-gradient evaluations per start.
    """
    x = x_init.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(x).sum().backward()
        optimizer.step()
        if lower is not None or upper is not None:
            with torch.no_grad():
                x.clamp_(min=lower, max=upper)
    return x.detach(), steps
