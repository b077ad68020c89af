"""Residual MLP denoiser modulated FiLM-style by an embedding of (t, y): ``(x_t, t, cond, drop_mask) -> eps``.

The null condition of classifier-free guidance is a learned vector that replaces the condition embedding where
``drop_mask`` is True, so the conditional and unconditional passes can share one batch. With ``cond_units`` (the
condition is that many units, e.g. keypoints ``[B, 25, 2]``) ``drop_mask`` may also be ``[B, units]``: a unit
marked True is missing -- zeroed, with a present/missing indicator beside the values -- and a condition with every
unit missing is the null condition, so one network answers any subset of its condition.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from invdiff.nets.embeddings import sinusoidal_embedding


def unit_mask(drop_mask: Tensor, units: int) -> Tensor:
    """A whole-condition mask [B] or a per-unit one [B, units] -> [B, units] (True: missing)."""
    return drop_mask[:, None].expand(-1, units) if drop_mask.dim() == 1 else drop_mask


class FiLMResidualBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width, elementwise_affine=False)
        self.film = nn.Linear(width, 2 * width)
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, h: Tensor, emb: Tensor) -> Tensor:
        scale, shift = self.film(emb).chunk(2, dim=-1)
        return h + self.mlp(torch.nn.functional.silu(self.norm(h) * (1 + scale) + shift))


class ConditionalMLP(nn.Module):
    """x [B, x_dim], t [B] long, cond [B, ...] (flattened to cond_dim), drop_mask [B] (or [B, cond_units]) bool ->
    eps [B, x_dim]."""

    def __init__(self, x_dim: int, cond_dim: int, width: int = 128, depth: int = 3, time_embed_dim: int = 64,
                 cond_units: int | None = None):
        super().__init__()
        self.time_embed_dim, self.cond_units = time_embed_dim, cond_units
        self.input = nn.Linear(x_dim, width)
        self.time_mlp = nn.Sequential(nn.Linear(time_embed_dim, width), nn.SiLU(), nn.Linear(width, width))
        self.cond_mlp = nn.Sequential(nn.Linear(cond_dim + (cond_units or 0), width), nn.SiLU(),
                                      nn.Linear(width, width))
        self.null_cond = nn.Parameter(torch.zeros(width))
        self.blocks = nn.ModuleList(FiLMResidualBlock(width) for _ in range(depth))
        self.output = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, x_dim))
        nn.init.zeros_(self.output[-1].weight)
        nn.init.zeros_(self.output[-1].bias)

    @property
    def masks_units(self) -> bool:
        return self.cond_units is not None

    def forward(self, x: Tensor, t: Tensor, cond: Tensor, drop_mask: Tensor) -> Tensor:
        if self.cond_units is None:
            c = self.cond_mlp(cond.flatten(1))
        else:
            missing = unit_mask(drop_mask, self.cond_units)
            present = (~missing).to(cond.dtype)
            values = cond.reshape(len(cond), self.cond_units, -1) * present[..., None]
            c = self.cond_mlp(torch.cat([values.flatten(1), present], 1))
            drop_mask = missing.all(1)
        c = torch.where(drop_mask[:, None], self.null_cond.expand_as(c), c)
        emb = self.time_mlp(sinusoidal_embedding(t, self.time_embed_dim)) + c
        h = self.input(x)
        for block in self.blocks:
            h = block(h, emb)
        return self.output(h)
