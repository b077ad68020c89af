"""Class-conditional U-Net for 28x28 digits in the style of TeaPearce/Conditional_Diffusion_MNIST ("ContextUnet").

Down path 28 -> 14 -> 7 with residual conv blocks, a 7x7 bottleneck vector, and up-blocks where the class
embedding *multiplies* and the time embedding is *added* to the features. The class enters as a one-hot vector;
the null condition of classifier-free guidance is the all-zero vector (its embedding is the layers' biases).
Signature ``(x_t [B,1,28,28], t [B] long, labels [B] long, drop_mask [B] bool) -> eps``. With ``in_channels`` > 1
and ``out_channels`` = 1 the extra input channels carry an image-shaped condition (the ``inverse`` experiment).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

NORMS = ("group", "batch")


def _norm(kind: str, channels: int) -> nn.Module:
    # GroupNorm normalises each image over space, so a block cannot pass on the image's overall brightness (a
    # grey background stays grey); BatchNorm (TeaPearce's choice) normalises over the batch and keeps it.
    return nn.GroupNorm(8, channels) if kind == "group" else nn.BatchNorm2d(channels)


class ResidualConvBlock(nn.Module):
    """Two 3x3 conv + norm + GELU; a residual connection (scaled by 1/sqrt 2) when ``residual``."""

    def __init__(self, in_ch: int, out_ch: int, residual: bool = False, norm: str = "group"):
        super().__init__()
        self.residual = residual
        self.same_channels = in_ch == out_ch
        self.conv1 = nn.Sequential(nn.Conv2d(in_ch, out_ch, 3, 1, 1), _norm(norm, out_ch), nn.GELU())
        self.conv2 = nn.Sequential(nn.Conv2d(out_ch, out_ch, 3, 1, 1), _norm(norm, out_ch), nn.GELU())

    def forward(self, x: Tensor) -> Tensor:
        h1 = self.conv1(x)
        h2 = self.conv2(h1)
        if not self.residual:
            return h2
        return ((x if self.same_channels else h1) + h2) / 1.414


class Down(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, norm: str):
        super().__init__()
        self.block = nn.Sequential(ResidualConvBlock(in_ch, out_ch, norm=norm), nn.MaxPool2d(2))

    def forward(self, x: Tensor) -> Tensor:
        return self.block(x)


class Up(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, norm: str):
        super().__init__()
        self.block = nn.Sequential(nn.ConvTranspose2d(in_ch, out_ch, 2, 2),
                                   ResidualConvBlock(out_ch, out_ch, norm=norm),
                                   ResidualConvBlock(out_ch, out_ch, norm=norm))

    def forward(self, x: Tensor, skip: Tensor) -> Tensor:
        return self.block(torch.cat([x, skip], dim=1))


def _embed(in_dim: int, out_dim: int) -> nn.Module:
    return nn.Sequential(nn.Linear(in_dim, out_dim), nn.GELU(), nn.Linear(out_dim, out_dim))


class ContextUnet(nn.Module):
    def __init__(self, n_feat: int = 64, n_classes: int = 10, timesteps: int = 400, in_channels: int = 1,
                 norm: str = "group", out_channels: int | None = None):
        super().__init__()
        if n_feat % 8:
            raise ValueError(f"n_feat must be a multiple of 8 (GroupNorm groups), got {n_feat}")
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        self.n_classes, self.timesteps = n_classes, timesteps
        self.init_conv = ResidualConvBlock(in_channels, n_feat, residual=True, norm=norm)
        self.down1 = Down(n_feat, n_feat, norm)
        self.down2 = Down(n_feat, 2 * n_feat, norm)
        self.to_vec = nn.Sequential(nn.AvgPool2d(7), nn.GELU())
        self.time_embed1, self.time_embed2 = _embed(1, 2 * n_feat), _embed(1, n_feat)
        self.class_embed1, self.class_embed2 = _embed(n_classes, 2 * n_feat), _embed(n_classes, n_feat)
        self.up0 = nn.Sequential(nn.ConvTranspose2d(2 * n_feat, 2 * n_feat, 7, 7), _norm(norm, 2 * n_feat),
                                 nn.ReLU())
        self.up1 = Up(4 * n_feat, n_feat, norm)
        self.up2 = Up(2 * n_feat, n_feat, norm)
        self.out = nn.Sequential(nn.Conv2d(2 * n_feat, n_feat, 3, 1, 1), _norm(norm, n_feat), nn.ReLU(),
                                 nn.Conv2d(n_feat, out_channels or in_channels, 3, 1, 1))

    def forward(self, x: Tensor, t: Tensor, labels: Tensor, drop_mask: Tensor) -> Tensor:
        x0 = self.init_conv(x)
        d1 = self.down1(x0)
        d2 = self.down2(d1)
        h = self.to_vec(d2)
        onehot = nn.functional.one_hot(labels.long(), self.n_classes).to(x.dtype)
        onehot = onehot * (~drop_mask).to(x.dtype)[:, None]
        tt = (t.to(x.dtype) / self.timesteps)[:, None]
        c1 = self.class_embed1(onehot)[:, :, None, None]
        c2 = self.class_embed2(onehot)[:, :, None, None]
        t1 = self.time_embed1(tt)[:, :, None, None]
        t2 = self.time_embed2(tt)[:, :, None, None]
        u1 = self.up0(h)
        u2 = self.up1(c1 * u1 + t1, d2)
        u3 = self.up2(c2 * u2 + t2, d1)
        return self.out(torch.cat([u3, x0], dim=1))
