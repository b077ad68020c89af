"""The authors' pose MLP (``PoseModelMLP`` in github chaitanya100100/DiffOpt, ``model/pose_model.py``), rebuilt
from its description so the paper's MLP-vs-transformer comparison is measured against the MLP it used.

What distinguishes it from ours (:class:`invdiff.nets.ConditionalMLP`: LayerNorm, sinusoidal time, FiLM of
time + condition in every block): BatchNorm after every linear layer, GELU, time as ``Linear(1 → H)`` of t/T,
the keypoints as ``Linear(50 → H)`` zeroed for the null condition, both concatenated and passed through a
one-block residual MLP; every residual block scales and shifts its first activation by that embedding.
Signature ``(x_t [B, 144], t [B] long, cond [B, 25, 2], drop_mask [B] bool) -> eps``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


class ResidualBlock(nn.Module):
    """fc → BN → (scale, shift by the embedding) → GELU → fc → BN → GELU(· + x)."""

    def __init__(self, width: int):
        super().__init__()
        self.fc1, self.bn1 = nn.Linear(width, width), nn.BatchNorm1d(width)
        self.fc2, self.bn2 = nn.Linear(width, width), nn.BatchNorm1d(width)
        self.film = nn.Sequential(nn.GELU(), nn.Linear(width, 2 * width))
        self.act = nn.GELU()

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        scale, shift = self.film(emb).chunk(2, dim=-1)
        out = self.act(self.bn1(self.fc1(x)) * (1 + scale) + shift)
        return self.act(self.bn2(self.fc2(out)) + x)


class ResidualMLP(nn.Module):
    """Linear → BN → GELU, ``blocks`` residual blocks modulated by an embedding, Linear."""

    def __init__(self, in_dim: int, out_dim: int, width: int, blocks: int):
        super().__init__()
        self.inp = nn.Sequential(nn.Linear(in_dim, width), nn.BatchNorm1d(width), nn.GELU())
        self.blocks = nn.ModuleList(ResidualBlock(width) for _ in range(blocks))
        self.out = nn.Linear(width, out_dim)

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        h = self.inp(x)
        for block in self.blocks:
            h = block(h, emb)
        return self.out(h)


class AuthorsPoseMLP(nn.Module):
    def __init__(self, x_dim: int, cond_dim: int, timesteps: int, width: int = 1024, depth: int = 6):
        super().__init__()
        self.timesteps = timesteps
        self.time_in = nn.Linear(1, width)
        self.cond_in = nn.Linear(cond_dim, width)
        self.embed = ResidualMLP(2 * width, width, width, blocks=1)
        self.denoise = ResidualMLP(x_dim, x_dim, width, blocks=depth - 1)

    def forward(self, x: Tensor, t: Tensor, cond: Tensor, drop_mask: Tensor) -> Tensor:
        # the authors' t runs over 1..T; ours over 0..T-1
        time = self.time_in(((t.float() + 1) / self.timesteps)[:, None])
        condition = self.cond_in(cond.flatten(1)) * (~drop_mask).float()[:, None]
        emb = self.embed(torch.cat([time, condition], dim=-1), time)
        return self.denoise(x, emb)

