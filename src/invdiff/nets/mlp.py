"""Residual MLP denoiser modulated FiLM-style by an embedding of (t, y): ``(x_t, t, cond, drop_mask) -> eps``.

The null condition of classifier-free guidance is a learned vector that replaces the condition embedding where
``drop_mask`` is True, so the conditional and unconditional passes can share one batch.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from invdiff.nets.embeddings import sinusoidal_embedding


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
    """x [B, x_dim], t [B] long, cond [B, ...] (flattened to cond_dim), drop_mask [B] bool -> eps [B, x_dim]."""

    def __init__(self, x_dim: int, cond_dim: int, width: int = 128, depth: int = 3, time_embed_dim: int = 64):
        super().__init__()
        self.time_embed_dim = time_embed_dim
        self.input = nn.Linear(x_dim, width)
        self.time_mlp = nn.Sequential(nn.Linear(time_embed_dim, width), nn.SiLU(), nn.Linear(width, width))
        self.cond_mlp = nn.Sequential(nn.Linear(cond_dim, width), nn.SiLU(), nn.Linear(width, width))
        self.null_cond = nn.Parameter(torch.zeros(width))
        self.blocks = nn.ModuleList(FiLMResidualBlock(width) for _ in range(depth))
        self.output = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, x_dim))
        nn.init.zeros_(self.output[-1].weight)
        nn.init.zeros_(self.output[-1].bias)

    def forward(self, x: Tensor, t: Tensor, cond: Tensor, drop_mask: Tensor) -> Tensor:
        c = self.cond_mlp(cond.flatten(1))
        c = torch.where(drop_mask[:, None], self.null_cond.expand_as(c), c)
        emb = self.time_mlp(sinusoidal_embedding(t, self.time_embed_dim)) + c
        h = self.input(x)
        for block in self.blocks:
            h = block(h, emb)
        return self.output(h)
