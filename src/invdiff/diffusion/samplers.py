"""Stateless samplers: ``sample(eps_fn, schedule, shape, ...)``; any network works through an ``eps_fn(x_t, t)``.

``ddpm_sample``: ancestral sampling, Ho et al. 2020 Algorithm 2 (the papers' sampler).
``ddim_sample``: Song et al. 2021 eq. 12 on a sub-sequence of timesteps; ``eta = 0`` is deterministic and
``eta = 1`` with every timestep is the same Markov chain as ``ddpm_sample(variance="posterior")``.
``dpm_solver_sample``: DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2), a second-order multistep
solver of the probability-flow ODE in data prediction, on its own timestep grid (one call per step).
All keep the sampler contract of :mod:`invdiff.sampling` (start tensor, step callback, progress, result).
"""
from __future__ import annotations

from typing import Callable, Literal

import torch
from torch import Tensor

from invdiff.diffusion.forward import predict_x0
from invdiff.diffusion.schedules import NoiseSchedule
from invdiff.progress import Progress
from invdiff.sampling import SamplerResult, StepCallback

EpsFn = Callable[[Tensor, Tensor], Tensor]
Clip = float | tuple[Tensor, Tensor] | None
"""Where the predicted x_0 is clipped: [-c, c], a per-dimension box (low, high) (e.g. a box of data units in a
standardised space, :meth:`invdiff.diffusion.standardize.Standardizer.bounds`), or nowhere."""


def clip(x0: Tensor, bounds: Clip) -> Tensor:
    if bounds is None:
        return x0
    if isinstance(bounds, tuple):
        low, high = bounds
        return torch.maximum(torch.minimum(x0, high.to(x0)), low.to(x0))
    return x0.clamp(-bounds, bounds)


def _noise(shape, device, dtype, generator):
    return torch.randn(shape, device=device, dtype=dtype, generator=generator)


def start_noise(shape, x_init: Tensor | None, device, dtype, generator) -> Tensor:
    """``x_init`` (moved to device/dtype) or a fresh N(0, I) draw of ``shape``."""
    if x_init is None:
        return _noise(shape, device, dtype, generator)
    if tuple(x_init.shape) != tuple(shape):
        raise ValueError(f"x_init has shape {tuple(x_init.shape)}, the sampler was asked for {tuple(shape)}")
    return x_init.to(device=device, dtype=dtype)


@torch.no_grad()
def ddpm_sample(eps_fn: EpsFn, schedule: NoiseSchedule, shape: tuple[int, ...], *,
                generator: torch.Generator | None = None, device: torch.device | str = "cpu",
                dtype: torch.dtype = torch.float32, variance: Literal["posterior", "beta"] = "posterior",
                clip_x0: Clip = None, x_init: Tensor | None = None, callback: StepCallback | None = None,
                progress: bool = False) -> SamplerResult:
    """Ancestral sampling x_T ~ N(0, I) -> x_0 (Ho et al. 2020, Algorithm 2).

    ``variance``: sigma_t^2 = beta~_t (posterior, exact for a point-mass x_0) or beta_t (exact for N(0, I) data).
    ``clip_x0``: clip the implied x_0 (see :data:`Clip`) before forming the posterior mean (off by default).
    """
    sched = schedule.to(device)
    sigma2 = sched.posterior_variance if variance == "posterior" else sched.betas
    coef_x0, coef_xt = sched.posterior_mean_coef_x0, sched.posterior_mean_coef_xt
    x = start_noise(shape, x_init, device, dtype, generator)
    total = sched.num_timesteps
    report = Progress("ddpm sampling", total, enabled=progress)
    if callback is not None:
        callback(total, x)
    for done, i in enumerate(range(total - 1, -1, -1), start=1):
        t = torch.full((shape[0],), i, device=device, dtype=torch.long)
        x0 = predict_x0(sched, x, t, eps_fn(x, t))
        x0 = clip(x0, clip_x0)
        mean = coef_x0[i].to(dtype) * x0 + coef_xt[i].to(dtype) * x
        x = mean + sigma2[i].sqrt().to(dtype) * _noise(shape, device, dtype, generator) if i > 0 else mean
        if callback is not None:
            callback(i, x)
        report.update_to(done)
    return SamplerResult(x, total)


def ddim_timesteps(num_timesteps: int, steps: int) -> list[int]:
    """``steps`` timesteps evenly spread over [0, T-1], descending (always ending at 0)."""
    if not 1 <= steps <= num_timesteps:
        raise ValueError(f"DDIM steps must be in [1, {num_timesteps}], got {steps}")
    grid = torch.linspace(0, num_timesteps - 1, steps, dtype=torch.float64).round().long().unique()
    return grid.flip(0).tolist()


def ddim_grid(schedule: NoiseSchedule, steps: int) -> list[tuple[int, Tensor, Tensor, int]]:
    """The DDIM walk: per step (timestep i, ᾱ_i, ᾱ of the next state, that state's 1-based DDPM time), where the
    last step goes to the data (ᾱ = 1, time 0)."""
    return _walk(schedule, ddim_timesteps(schedule.num_timesteps, steps))


def _walk(schedule: NoiseSchedule, ts: list[int]) -> list[tuple[int, Tensor, Tensor, int]]:
    abar = schedule.alpha_bars
    after = ts[1:] + [None]
    return [(i, abar[i], abar.new_tensor(1.0) if j is None else abar[j], 0 if j is None else j + 1)
            for i, j in zip(ts, after)]


def start_ddim_walk(schedule: NoiseSchedule, steps: int, shape, x_init: Tensor | None, device, dtype, generator,
                    callback: StepCallback | None, desc: str, progress: bool, grid_fn=None):
    """What every walk over a timestep grid (``grid_fn``, default :func:`ddim_grid`) starts with: (schedule on the
    device, grid, x_T, progress reporter); the callback has seen x_T."""
    sched = schedule.to(device)
    grid = (grid_fn or ddim_grid)(sched, steps)
    x = start_noise(shape, x_init, device, dtype, generator)
    if callback is not None:
        callback(grid[0][0] + 1, x)
    return sched, grid, x, Progress(desc, len(grid), enabled=progress)


@torch.no_grad()
def ddim_sample(eps_fn: EpsFn, schedule: NoiseSchedule, shape: tuple[int, ...], *, steps: int, eta: float = 0.0,
                generator: torch.Generator | None = None, device: torch.device | str = "cpu",
                dtype: torch.dtype = torch.float32, clip_x0: Clip = None, x_init: Tensor | None = None,
                callback: StepCallback | None = None, progress: bool = False) -> SamplerResult:
    """DDIM (Song, Meng & Ermon 2021, eq. 12 with sigma from eq. 16) over ``steps`` timesteps."""
    sched, grid, x, report = start_ddim_walk(schedule, steps, shape, x_init, device, dtype, generator, callback,
                                             "ddim sampling", progress)
    for k, (i, a_t, a_prev, time_after) in enumerate(grid):
        t = torch.full((shape[0],), i, device=device, dtype=torch.long)
        x0, eps = denoise(sched, x, t, eps_fn(x, t), clip_x0)
        x = ddim_update(x0, eps, a_t, a_prev, eta,
                        None if time_after == 0 or eta <= 0 else _noise(shape, device, dtype, generator))
        if callback is not None:
            callback(time_after, x)
        report.update_to(k + 1)
    return SamplerResult(x, len(grid))


def denoise(schedule: NoiseSchedule, x: Tensor, t: Tensor, eps: Tensor,
            clip_x0: Clip = None) -> tuple[Tensor, Tensor]:
    """(x̂_0, ε) from x_t and the predicted noise; with ``clip_x0`` the noise is re-derived from the clipped x̂_0."""
    x0 = predict_x0(schedule, x, t, eps)
    if clip_x0 is not None:
        x0 = clip(x0, clip_x0)
        a_t = schedule.alpha_bars[t].reshape(-1, *([1] * (x.dim() - 1))).to(x.dtype)
        eps = (x - a_t.sqrt() * x0) / (1 - a_t).sqrt()
    return x0, eps


def ddim_update(x0: Tensor, eps: Tensor, a_t: Tensor, a_prev: Tensor, eta: float, noise: Tensor | None) -> Tensor:
    """One DDIM step (Song et al. 2021, eq. 12; σ from eq. 16) from ᾱ_t to ᾱ_prev; ``noise`` None = no noise term."""
    dtype = x0.dtype
    sigma = eta * ((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)).sqrt()
    x = a_prev.sqrt().to(dtype) * x0 + (1 - a_prev - sigma**2).clamp(min=0).sqrt().to(dtype) * eps
    return x + sigma.to(dtype) * noise if noise is not None else x


def dpm_solver_grid(schedule: NoiseSchedule, steps: int) -> list[tuple[int, Tensor, Tensor, int]]:
    """DPM-Solver's walk, as :func:`ddim_grid` lays it out: ``steps`` timesteps from ``linspace(0, T−1, steps+1)``
    without its 0, so the last step jumps from the smallest one straight to the data (diffusers' "linspace"
    spacing with a zero final σ). Evaluating at t = 0 instead (DDIM's grid) puts a tiny, badly conditioned
    step h = λ_0 − λ_{t_min} last; on the exact Gaussian test that made the second-order solver worse than DDIM."""
    if not 1 <= steps < schedule.num_timesteps:
        raise ValueError(f"DPM-Solver steps must be in [1, {schedule.num_timesteps - 1}], got {steps}")
    grid = torch.linspace(0, schedule.num_timesteps - 1, steps + 1, dtype=torch.float64).round().long()
    return _walk(schedule, grid.flip(0)[:-1].tolist())


@torch.no_grad()
def dpm_solver_sample(eps_fn: EpsFn, schedule: NoiseSchedule, shape: tuple[int, ...], *, steps: int,
                      generator: torch.Generator | None = None, device: torch.device | str = "cpu",
                      dtype: torch.dtype = torch.float32, clip_x0: Clip = None, x_init: Tensor | None = None,
                      callback: StepCallback | None = None, progress: bool = False) -> SamplerResult:
    """DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2) with x̂_0 from the ε-network (clipped by ``clip_x0``).

    With α = √ᾱ, σ = √(1 − ᾱ), λ = log(α/σ) and h_k = λ_k − λ_{k−1}, each step is
    x_k = (σ_k/σ_{k−1}) x_{k−1} − α_k (e^{−h_k} − 1) D_k, where D_k is x̂_0 at the first step and
    (1 + 1/(2r)) x̂_0^{(k−1)} − 1/(2r) x̂_0^{(k−2)} (r = h_{k−1}/h_k) after it. The last step goes to the data
    (σ = 0, λ = ∞) and is first order, x = x̂_0: the paper's "lower order at the final step". The walk is
    :func:`dpm_solver_grid`'s. Deterministic: x_T is the only randomness.
    """
    sched, grid, x, report = start_ddim_walk(schedule, steps, shape, x_init, device, dtype, generator, callback,
                                             "dpm-solver++ sampling", progress, grid_fn=dpm_solver_grid)
    prev_x0, prev_h = None, None
    for k, (i, a_t, a_next, time_after) in enumerate(grid):
        t = torch.full((shape[0],), i, device=device, dtype=torch.long)
        x0, _ = denoise(sched, x, t, eps_fn(x, t), clip_x0)
        if time_after == 0:
            x = x0
        else:
            h = _log_snr(a_next) - _log_snr(a_t)
            data = x0 if prev_x0 is None else _second_order_x0(x0, prev_x0, h, prev_h)
            x = ((1 - a_next) / (1 - a_t)).sqrt().to(dtype) * x - (a_next.sqrt() * torch.expm1(-h)).to(dtype) * data
            prev_x0, prev_h = x0, h
        if callback is not None:
            callback(time_after, x)
        report.update_to(k + 1)
    return SamplerResult(x, len(grid))


def _second_order_x0(x0: Tensor, prev_x0: Tensor, h: Tensor, prev_h: Tensor) -> Tensor:
    """D = (1 + 1/(2r)) x̂_0 − 1/(2r) x̂_0^prev with r = h_prev / h (DPM-Solver++ Algorithm 2)."""
    return x0 + (x0 - prev_x0) * (0.5 * h / prev_h).to(x0.dtype)


def _log_snr(abar: Tensor) -> Tensor:
    """λ = log(α/σ) = ½ log(ᾱ / (1 − ᾱ))."""
    return 0.5 * (torch.log(abar) - torch.log1p(-abar))


def sample(eps_fn: EpsFn, schedule: NoiseSchedule, shape: tuple[int, ...], sampler_cfg, **kwargs) -> SamplerResult:
    """Dispatch on a ``SamplerConfig`` (params ``<task>.eval.sampler``)."""
    kwargs.setdefault("clip_x0", sampler_cfg.clip_x0)
    if sampler_cfg.name == "ddpm":
        return ddpm_sample(eps_fn, schedule, shape, **kwargs)
    if sampler_cfg.name == "ddim":
        return ddim_sample(eps_fn, schedule, shape, steps=sampler_cfg.steps, eta=sampler_cfg.eta, **kwargs)
    if sampler_cfg.name == "dpm_solver":
        return dpm_solver_sample(eps_fn, schedule, shape, steps=sampler_cfg.steps, **kwargs)
    raise ValueError(f"unknown sampler {sampler_cfg.name!r}")


def network_evaluations(sampler_cfg, num_timesteps: int) -> int:
    """Denoiser calls per sample (each a single batched forward, guidance included)."""
    if sampler_cfg.name == "ddpm":
        return num_timesteps
    if sampler_cfg.name == "dpm_solver":
        return sampler_cfg.steps
    return len(ddim_timesteps(num_timesteps, sampler_cfg.steps))
