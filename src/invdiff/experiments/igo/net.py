"""Time-dependent score U-Net in the style of Song's MNIST tutorial, with IGO's intermediate generator.

Full path (28×28 → 26 → 12 → 5 → 2 and back, skip connections, GroupNorm, swish, Gaussian random Fourier
features of t added at every level)::

    x ─conv1─ h1 ─conv2─┐                                   ┌─tconv2(·, h2)─ ─tconv1(·, h1)─ out
                        └─ inner(12×12 level: conv3, conv4, tconv4, tconv3) ─┘

Intermediate generator (Mishra et al.'s E_τ ∘ s_τ ∘ D_τ): ``E_τ`` = conv k5 s2 (28 → 12) enters at the 12×12
level, the inner layers s_τ are shared with the full path, ``D_τ`` = deconv k6 s2 (12 → 28) leaves there.
The network returns the raw output; the caller divides by the marginal std (see :mod:`.task`).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class GaussianFourierFeatures(nn.Module):
    """[B] times → [B, dim]: sin/cos of 2π t W with fixed W ~ N(0, scale²) (Tancik et al. 2020)."""

    def __init__(self, dim: int, scale: float):
        super().__init__()
        self.register_buffer("weight", torch.randn(dim // 2) * scale)

    def forward(self, t: Tensor) -> Tensor:
        angles = 2 * math.pi * t[:, None].float() * self.weight[None]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


def _groups(channels: int, preferred: int) -> int:
    return math.gcd(channels, preferred)


class Level(nn.Module):
    """conv → + dense(time) → GroupNorm → swish."""

    def __init__(self, conv: nn.Module, channels: int, embed_dim: int, groups: int):
        super().__init__()
        self.conv = conv
        self.time = nn.Linear(embed_dim, channels)
        self.norm = nn.GroupNorm(_groups(channels, groups), channels)

    def forward(self, x: Tensor, embed: Tensor, after_conv: Tensor | None = None) -> Tensor:
        h = self.conv(x) if after_conv is None else after_conv
        return F.silu(self.norm(h + self.time(embed)[:, :, None, None]))


class ScoreUNet(nn.Module):
    def __init__(self, channels: list[int] | tuple[int, ...] = (32, 64, 128, 256), embed_dim: int = 256,
                 fourier_scale: float = 30.0):
        super().__init__()
        if len(channels) != 4:
            raise ValueError(f"the score U-Net has 4 levels; got channels={list(channels)}")
        c1, c2, c3, c4 = channels
        self.embed = nn.Sequential(GaussianFourierFeatures(embed_dim, fourier_scale), nn.Linear(embed_dim, embed_dim))
        self.down1 = Level(nn.Conv2d(1, c1, 3, stride=1, bias=False), c1, embed_dim, 4)
        self.down2 = Level(nn.Conv2d(c1, c2, 3, stride=2, bias=False), c2, embed_dim, 32)
        self.down3 = Level(nn.Conv2d(c2, c3, 3, stride=2, bias=False), c3, embed_dim, 32)
        self.down4 = Level(nn.Conv2d(c3, c4, 3, stride=2, bias=False), c4, embed_dim, 32)
        self.up4 = Level(nn.ConvTranspose2d(c4, c3, 3, stride=2, bias=False), c3, embed_dim, 32)
        self.up3 = Level(nn.ConvTranspose2d(2 * c3, c2, 3, stride=2, bias=False, output_padding=1), c2, embed_dim, 32)
        self.up2 = Level(nn.ConvTranspose2d(2 * c2, c1, 3, stride=2, bias=False, output_padding=1), c1, embed_dim, 32)
        self.out = nn.ConvTranspose2d(2 * c1, 1, 3, stride=1)
        # the intermediate generator's own layers
        self.encoder_tau = nn.Conv2d(1, c2, 5, stride=2, bias=False)  # 28 → 12
        self.decoder_tau = nn.ConvTranspose2d(2 * c2, 1, 6, stride=2)  # 12 → 28

    def _inner(self, h2_conv: Tensor, embed: Tensor) -> tuple[Tensor, Tensor]:
        """The shared layers s_τ from the 12×12 level down and back: (decoder features, skip) at 12×12."""
        h2 = self.down2(None, embed, after_conv=h2_conv)
        h3 = self.down3(h2, embed)
        h4 = self.down4(h3, embed)
        h = self.up4(h4, embed)
        return self.up3(torch.cat([h, h3], 1), embed), h2

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        """Full path: x [B, 1, 28, 28], t [B] → [B, 1, 28, 28]."""
        embed = F.silu(self.embed(t))
        h1 = self.down1(x, embed)
        h, h2 = self._inner(self.down2.conv(h1), embed)
        h = self.up2(torch.cat([h, h2], 1), embed)
        return self.out(torch.cat([h, h1], 1))

    def intermediate(self, x: Tensor, t: Tensor) -> Tensor:
        """Intermediate generator E_τ → s_τ → D_τ: x_τ [B, 1, 28, 28], τ [B] → [B, 1, 28, 28]."""
        embed = F.silu(self.embed(t))
        h, h2 = self._inner(self.encoder_tau(x), embed)
        return self.decoder_tau(torch.cat([h, h2], 1))
