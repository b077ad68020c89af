"""Samplers for the cat-map SDE, given a score function ``score_fn(x [B,1,N,N], t [B]) -> [B,1,N,N]``.

- :func:`probability_flow_ode`: Song et al. 2021, eq. 13, ``dx/dt = κ (C x − x) − ½ g(t)² s(x, t)``, integrated
  from t = 1 to t_min by ``scipy.integrate.solve_ivp(method="RK45")`` on the whole batch as one flat vector
  (as the IGO paper and Song's tutorial do). Deterministic given the start; the adaptive step sets the number of
  function evaluations.
- :func:`reverse_sde`: Euler–Maruyama on the reverse SDE (Song et al. 2021, eq. 6),
  ``dx = [κ (C x − x) − g² s] dt + g dw̄``, with a fixed number of steps; the last step returns the mean.
- :func:`prior_sample`: the start, drawn from the Gaussian with the exact first two moments of the marginal at
  the start time (t = 1 unless a sampler starts earlier), ``N(M_t μ, M_t S M_tᵀ + Σ_t)`` for data mean μ and
  covariance S = F Fᵀ.

Both samplers take ``t_start`` (default 1): a score model trained only on t ≤ t_start (IGO's intermediate
generator sees τ = t/2 ≤ 1/2) integrates from there.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

import numpy as np
import torch
from torch import Tensor

from invdiff.errors import InvdiffError
from invdiff.sde.cat_map_sde import CatMapSDE

log = logging.getLogger("invdiff")
ScoreFn = Callable[[Tensor, Tensor], Tensor]


class SamplerError(InvdiffError):
    """The solver failed or diverged (a stage reports it in one line; try tighter tolerances or more steps)."""


def prior_sample(sde: CatMapSDE, data_mean: Tensor, data_factor: Tensor, num: int,
                 generator: torch.Generator | None = None, t: float = 1.0) -> Tensor:
    """[num, 1, N, N] from N(M_t μ, M_t F Fᵀ M_tᵀ + Σ_t); ``data_mean`` [N*N], ``data_factor`` [N*N, k]."""
    n = sde.n
    xi = torch.randn(num, data_factor.shape[1], generator=generator, dtype=torch.float64)
    x0_like = (data_mean.double() + xi @ data_factor.double().T).reshape(num, 1, n, n)
    times = torch.full((num,), t, dtype=torch.float64)
    noise = torch.randn(num, 1, n, n, generator=generator, dtype=torch.float64)
    return (sde.apply_mean(times, x0_like) + sde.apply_variance_power(times, 0.5, noise)).float()


class _TimeProgress:
    """A log line each time the integration gets another ``every`` of the way from t = 1 to t_min."""

    def __init__(self, desc: str, t_start: float, t_min: float, every: float = 0.1):
        self.desc, self.t_start, self.t_min, self.every = desc, t_start, t_min, every
        self.next, self.start = every, time.perf_counter()

    def __call__(self, t: float, calls: int) -> None:
        done = (self.t_start - t) / (self.t_start - self.t_min)
        if done >= self.next:
            log.info("%s: t=%.4f (%d%%), %d network calls, %.1fs", self.desc, t, int(100 * done), calls,
                     time.perf_counter() - self.start)
            self.next = (int(done / self.every) + 1) * self.every


def _batched(score_fn: ScoreFn, x: Tensor, t: Tensor, batch_size: int) -> Tensor:
    return torch.cat([score_fn(xb, tb) for xb, tb in zip(x.split(batch_size), t.split(batch_size))])


@torch.no_grad()
def probability_flow_ode(score_fn: ScoreFn, sde: CatMapSDE, x_init: Tensor, rtol: float = 1e-5,
                         atol: float = 1e-5, batch_size: int = 1024, t_start: float = 1.0,
                         desc: str = "ODE") -> tuple[Tensor, int]:
    """Integrate the probability-flow ODE from ``t_start`` to ``sde.t_min``: (x [B,1,N,N], function evaluations)."""
    from scipy.integrate import solve_ivp

    shape, num = x_init.shape, x_init.shape[0]
    progress = _TimeProgress(desc, t_start, sde.t_min)
    calls = 0

    def velocity(t: float, y: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        progress(t, calls)
        x = torch.from_numpy(y).reshape(shape).float()
        score = _batched(score_fn, x, torch.full((num,), t), batch_size)
        dx = sde.drift(x) - 0.5 * float(sde.diffusion(t)) ** 2 * score
        return dx.reshape(-1).double().numpy()

    solution = solve_ivp(velocity, (t_start, sde.t_min), x_init.reshape(-1).double().numpy(), method="RK45",
                         rtol=rtol, atol=atol)
    if not solution.success:
        raise SamplerError(f"probability-flow ODE failed: {solution.message} (igo.eval.sampler: try smaller "
                           "rtol/atol, or name: euler_maruyama)")
    x = torch.from_numpy(solution.y[:, -1]).reshape(shape).float()
    if not torch.isfinite(x).all():
        raise SamplerError("probability-flow ODE produced non-finite values (igo.eval.sampler: try smaller rtol/atol)")
    return x, int(solution.nfev)


@torch.no_grad()
def reverse_sde(score_fn: ScoreFn, sde: CatMapSDE, x_init: Tensor, steps: int,
                generator: torch.Generator | None = None, batch_size: int = 1024, t_start: float = 1.0,
                desc: str = "reverse SDE") -> tuple[Tensor, int]:
    """Euler–Maruyama from ``t_start`` to ``sde.t_min`` in ``steps`` equal steps: (x, function evaluations)."""
    times = torch.linspace(t_start, sde.t_min, steps + 1, dtype=torch.float64)
    num = x_init.shape[0]
    progress = _TimeProgress(desc, t_start, sde.t_min)
    x = x_init.clone()
    for i in range(steps):
        t, dt = float(times[i]), float(times[i] - times[i + 1])
        progress(t, i)
        g2 = float(sde.diffusion(t)) ** 2
        score = _batched(score_fn, x, torch.full((num,), t), batch_size)
        mean = x - (sde.drift(x) - g2 * score) * dt
        if i == steps - 1:
            x = mean  # the last step's noise is below the data's resolution; Song's tutorial returns the mean too
        else:
            x = mean + (g2 * dt) ** 0.5 * torch.randn(x.shape, generator=generator, dtype=x.dtype)
    return x, steps
