"""Latent ODEs for panel data: an encoder reads the observed window, an ODE moves the latent, a decoder renders it.

Three dynamics (docs/igo_panel.md has the equations and the choices the paper leaves open):

    node:   dz/dt = F(z, t)                      a plain latent ODE (Chen et al. 2018, Rubanova et al. 2019)
    meode:  dz/dt = D(z, t) w                    mixed effect: D a [d_z, d_w] matrix field, w per trajectory
    igo:    dz/dt = D(z(t), z(t/2), t) w         the intermediate latent z_τ, τ = t/2, enters D through its own
                                                 shallow encoder E_τ (a pantograph delay equation)

``igo`` is solved by the method of steps on the solver's grid: over each solver step [s, s + h] the delayed
argument is held at z(s/2), linearly interpolated between grid points already computed (s/2 <= s). Every solve is
``torchdiffeq.odeint`` with a fixed-step method.
"""
from __future__ import annotations

import torch
from torch import nn
from torchdiffeq import odeint

KINDS = ("node", "meode", "igo")


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class Dynamics(nn.Module):
    """The vector field of one variant. ``forward(t, z, w, z_tau)``: z [B, d_z], w [B, d_w] (meode, igo), z_tau
    [B, d_z] (igo) -> dz/dt [B, d_z]."""

    def __init__(self, kind: str, latent_dim: int, effect_dim: int, hidden: int, depth: int):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown latent ODE {kind!r}; choose from {KINDS}")
        self.kind, self.latent_dim, self.effect_dim = kind, latent_dim, effect_dim
        out = latent_dim if kind == "node" else latent_dim * effect_dim
        self.encode_t = nn.Linear(latent_dim + 1, hidden)  # E_t: the current latent and the time
        self.core = mlp([hidden] * depth + [out])
        with torch.no_grad():  # the ODE starts as the identity flow: a drift shared by every sequence would
            self.core[-1].weight.zero_()  # otherwise swamp the encoder's code and the decoder learn the mean
            self.core[-1].bias.zero_()
        if kind == "igo":
            # E_τ: the intermediate latent's own shallow encoder, initialised at half of E_t's latent weights
            # (the paper's half-weight rule, Section 4.3)
            self.encode_tau = nn.Linear(latent_dim, hidden, bias=False)
            with torch.no_grad():
                self.encode_tau.weight.copy_(0.5 * self.encode_t.weight[:, :latent_dim])

    def forward(self, t: torch.Tensor, z: torch.Tensor, w: torch.Tensor | None = None,
                z_tau: torch.Tensor | None = None) -> torch.Tensor:
        h = self.encode_t(torch.cat([z, t.expand(len(z), 1)], dim=1))
        if self.kind == "igo":
            h = h + self.encode_tau(z_tau)
        out = self.core(torch.tanh(h))
        if self.kind == "node":
            return out
        return torch.einsum("bij,bj->bi", out.view(len(z), self.latent_dim, self.effect_dim), w)


def solve(dynamics: Dynamics, z0: torch.Tensor, times: torch.Tensor, w: torch.Tensor | None, *, substeps: int,
          method: str = "rk4") -> torch.Tensor:
    """z at ``times`` (equally spaced, times[0] the start) [T, B, d_z], ``substeps`` solver steps per interval."""
    if len(times) < 2:
        return z0[None]
    step = float(times[1] - times[0]) / substeps
    if dynamics.kind != "igo":
        return odeint(lambda t, z: dynamics(t, z, w), z0, times, method=method, options={"step_size": step})
    grid = times[0] + step * torch.arange((len(times) - 1) * substeps + 1, dtype=times.dtype)
    path = [z0]
    for j in range(len(grid) - 1):
        # grid point j sits at s = t0 + j h; the delayed time (s - t0) / 2 is grid point j / 2
        z_tau = path[j // 2] if j % 2 == 0 else 0.5 * (path[j // 2] + path[j // 2 + 1])
        path.append(odeint(lambda t, z: dynamics(t, z, w, z_tau), path[-1], grid[j:j + 2], method=method,
                           options={"step_size": step})[-1])
    return torch.stack(path[::substeps])


class FrameEncoder(nn.Module):
    """One 28 x 28 frame -> features (two stride-2 convolutions). The layer norm matters: mostly-black frames give
    features ~100x smaller than the ODE's drift at default init, and the decoder then settles on the mean frame."""

    def __init__(self, channels: int, features: int):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, channels, 4, 2, 1), nn.ReLU(), nn.Conv2d(channels, 2 * channels, 4, 2, 1),
                                 nn.ReLU(), nn.Flatten(), nn.Linear(2 * channels * 49, features),
                                 nn.LayerNorm(features), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class FrameDecoder(nn.Module):
    """latent -> 28 x 28 frame in [0, 1]. ``first`` is the layer the intermediate decoder D_τ replicates."""

    def __init__(self, latent_dim: int, channels: int):
        super().__init__()
        self.channels = channels
        self.first = nn.Linear(latent_dim, 2 * channels * 49)
        self.trunk = nn.Sequential(nn.ReLU(), nn.Unflatten(1, (2 * channels, 7, 7)),
                                   nn.ConvTranspose2d(2 * channels, channels, 4, 2, 1), nn.ReLU(),
                                   nn.ConvTranspose2d(channels, 1, 4, 2, 1), nn.Sigmoid())

    def forward(self, z: torch.Tensor, first: nn.Module | None = None) -> torch.Tensor:
        return self.trunk((first or self.first)(z))


class StateEncoder(nn.Module):
    def __init__(self, dim: int, features: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, features), nn.LayerNorm(features), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class StateDecoder(nn.Module):
    def __init__(self, latent_dim: int, hidden: int, dim: int):
        super().__init__()
        self.first = nn.Linear(latent_dim, hidden)
        self.trunk = nn.Sequential(nn.ReLU(), nn.Linear(hidden, dim))

    def forward(self, z: torch.Tensor, first: nn.Module | None = None) -> torch.Tensor:
        return self.trunk((first or self.first)(z))


class LatentOde(nn.Module):
    """Encoder (per-observation features, a GRU read from the last observed step back to the first) -> z0 and the
    random effect's posterior q(w) = N(mu, diag exp(logvar)); ODE; decoder per time step.

    ``observation_shape`` (1, 28, 28) builds the image encoder/decoder, (d,) the state ones.
    """

    def __init__(self, kind: str, observation_shape: tuple[int, ...], latent_dim: int, effect_dim: int, hidden: int,
                 dynamics_depth: int, features: int, channels: int, solver: str, solver_substeps: int,
                 time_step: float):
        super().__init__()
        self.kind, self.observation_shape = kind, tuple(observation_shape)
        self.latent_dim, self.effect_dim = latent_dim, effect_dim
        self.solver, self.substeps, self.time_step = solver, solver_substeps, time_step
        if self.observation_shape == (1, 28, 28):
            self.frame_encoder = FrameEncoder(channels, features)
            self.decoder = FrameDecoder(latent_dim, channels)
        elif len(self.observation_shape) == 1:
            self.frame_encoder = StateEncoder(self.observation_shape[0], features)
            self.decoder = StateDecoder(latent_dim, hidden, self.observation_shape[0])
        else:
            raise ValueError(f"no encoder for observations of shape {observation_shape}")
        self.gru = nn.GRU(features, hidden, batch_first=True)
        self.norm = nn.LayerNorm(hidden)
        self.head = nn.Linear(hidden + features, latent_dim + (0 if kind == "node" else 2 * effect_dim))
        self.dynamics = Dynamics(kind, latent_dim, effect_dim, hidden, dynamics_depth)
        if kind == "igo":  # D_τ: the intermediate decoder replicates the decoder's first layer
            self.decoder_tau = nn.Linear(latent_dim, self.decoder.first.out_features)
            with torch.no_grad():
                self.decoder_tau.weight.copy_(self.decoder.first.weight)
                self.decoder_tau.bias.copy_(self.decoder.first.bias)

    def encode(self, observed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """observed [B, K, *shape] -> z0 [B, d_z], mu_w, logvar_w [B, d_w] (None for node)."""
        b, k = observed.shape[:2]
        features = self.frame_encoder(observed.reshape(b * k, *self.observation_shape)).view(b, k, -1)
        _, last = self.gru(features.flip(1))
        # the first observation's own features beside the GRU's summary: z0 is the state at t_0, and a direct
        # path from x_0 is what a frame autoencoder learns fast; the GRU adds what motion the window shows
        out = self.head(torch.cat([self.norm(last[-1]), features[:, 0]], dim=1))
        if self.kind == "node":
            return out, None, None
        d = self.latent_dim
        return out[:, :d], out[:, d:d + self.effect_dim], out[:, d + self.effect_dim:].clamp(-10, 5)

    def times(self, steps: int, device=None) -> torch.Tensor:
        return self.time_step * torch.arange(steps, dtype=torch.float32, device=device)

    def latents(self, z0: torch.Tensor, w: torch.Tensor | None, steps: int) -> torch.Tensor:
        """z at the ``steps`` observation times [B, T, d_z]."""
        return solve(self.dynamics, z0, self.times(steps, z0.device), w, substeps=self.substeps,
                     method=self.solver).transpose(0, 1)

    def decode(self, z: torch.Tensor, intermediate: bool = False) -> torch.Tensor:
        """z [B, T, d_z] -> observations [B, T, *shape]; ``intermediate`` decodes through D_τ."""
        b, t = z.shape[:2]
        out = self.decoder(z.reshape(b * t, -1), self.decoder_tau if intermediate else None)
        return out.view(b, t, *self.observation_shape)

    @torch.no_grad()
    def predict(self, observed: torch.Tensor, steps: int) -> torch.Tensor:
        """The posterior-mean trajectory (w = mu) for ``steps`` observation times from the observed window."""
        z0, mu, _ = self.encode(observed)
        return self.decode(self.latents(z0, mu, steps))
