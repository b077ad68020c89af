"""Samplers for any forward SDE ``dx = f(x) dt + g(t) dw`` given a score ``score_fn(x [B, ...], t [B]) -> [B, ...]``.

- :func:`probability_flow_ode`: Song et al. 2021, eq. 13, ``dx/dt = f(x) − ½ g(t)² s(x, t)``, integrated from
  ``t_start`` to ``sde.t_min`` by ``scipy.integrate.solve_ivp(method="RK45")`` on the whole batch as one flat
  vector (as the IGO paper and Song's tutorial do). Deterministic given the start; the adaptive step sets the
  number of function evaluations.
- :func:`reverse_sde`: Euler–Maruyama on the reverse SDE (Song et al. 2021, eq. 6),
  ``dx = [f(x) − g² s] dt + g dw̄``, with a fixed number of steps; the last step returns the mean.

Both keep the sampler contract of :mod:`invdiff.sampling`. Without ``x_init`` they start from
N(0, std(t_start)² I), Song's prior for a variance-exploding SDE; an SDE whose marginal is known better (IGO's
cat-map SDE) passes its own start. ``t_start`` (default 1) lets a score model trained only on t ≤ t_start (IGO's
intermediate generator sees τ = t/2 ≤ 1/2) integrate from there.
"""
from __future__ import annotations

from typing import Callable, Protocol

import numpy as np
import torch
from torch import Tensor

from invdiff.errors import InvdiffError
from invdiff.progress import Progress
from invdiff.sampling import SamplerResult, StepCallback

ScoreFn = Callable[[Tensor, Tensor], Tensor]


class ForwardSDE(Protocol):
    t_min: float

    def drift(self, x: Tensor) -> Tensor:
        """f(x), same shape as x."""
        ...

    def diffusion(self, t: float | Tensor) -> Tensor:
        """g(t), a scalar."""
        ...

    def marginal_std(self, t: Tensor) -> Tensor:
        """The noise level of the time-t marginal, [B] for times [B]."""
        ...


class SamplerError(InvdiffError):
    """The solver failed or diverged (a stage reports it in one line; try tighter tolerances or more steps)."""


def _start(sde: ForwardSDE, x_init: Tensor | None, shape, t_start: float, generator) -> Tensor:
    if x_init is not None:
        return x_init
    if shape is None:
        raise ValueError("give the sampler a start tensor x_init or the shape of the samples")
    std = float(sde.marginal_std(torch.tensor([t_start], dtype=torch.float64))[0])
    return std * torch.randn(shape, generator=generator)


def _batched(score_fn: ScoreFn, x: Tensor, t: Tensor, batch_size: int) -> Tensor:
    return torch.cat([score_fn(xb, tb) for xb, tb in zip(x.split(batch_size), t.split(batch_size))])


def _time_progress(desc: str, t_start: float, t_min: float, enabled: bool) -> Callable[[float, int], None]:
    report = Progress(desc, 100, enabled=enabled)
    return lambda t, calls: report.update_to(round(100 * (t_start - t) / (t_start - t_min), 1), t=f"{t:.4f}",
                                             network_calls=calls)


@torch.no_grad()
def probability_flow_ode(score_fn: ScoreFn, sde: ForwardSDE, x_init: Tensor | None = None, *, shape=None,
                         rtol: float = 1e-5, atol: float = 1e-5, batch_size: int = 1024, t_start: float = 1.0,
                         generator: torch.Generator | None = None, callback: StepCallback | None = None,
                         progress: bool = False, desc: str = "ODE") -> SamplerResult:
    """Integrate the probability-flow ODE from ``t_start`` to ``sde.t_min``. ``callback`` sees every accepted
    RK45 step (after the solve: scipy does not expose them during it)."""
    from scipy.integrate import solve_ivp

    x_init = _start(sde, x_init, shape, t_start, generator)
    shape, num = x_init.shape, x_init.shape[0]
    report = _time_progress(desc, t_start, sde.t_min, progress)
    calls = 0

    def velocity(t: float, y: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        report(t, calls)
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
    report(sde.t_min, calls)
    if callback is not None:
        for t, y in zip(solution.t, solution.y.T):
            callback(float(t), torch.from_numpy(y).reshape(shape).float())
    return SamplerResult(x, int(solution.nfev))


@torch.no_grad()
def reverse_sde(score_fn: ScoreFn, sde: ForwardSDE, x_init: Tensor | None = None, *, steps: int, shape=None,
                generator: torch.Generator | None = None, batch_size: int = 1024, t_start: float = 1.0,
                callback: StepCallback | None = None, progress: bool = False,
                desc: str = "reverse SDE") -> SamplerResult:
    """Euler–Maruyama from ``t_start`` to ``sde.t_min`` in ``steps`` equal steps."""
    x = _start(sde, x_init, shape, t_start, generator).clone()
    times = torch.linspace(t_start, sde.t_min, steps + 1, dtype=torch.float64)
    num = x.shape[0]
    report = _time_progress(desc, t_start, sde.t_min, progress)
    if callback is not None:
        callback(t_start, x)
    for i in range(steps):
        t, dt = float(times[i]), float(times[i] - times[i + 1])
        g2 = float(sde.diffusion(t)) ** 2
        score = _batched(score_fn, x, torch.full((num,), t), batch_size)
        mean = x - (sde.drift(x) - g2 * score) * dt
        if i == steps - 1:
            x = mean  # the last step's noise is below the data's resolution; Song's tutorial returns the mean too
        else:
            x = mean + (g2 * dt) ** 0.5 * torch.randn(x.shape, generator=generator, dtype=x.dtype)
        if callback is not None:
            callback(float(times[i + 1]), x)
        report(float(times[i + 1]), i + 1)
    return SamplerResult(x, steps)
