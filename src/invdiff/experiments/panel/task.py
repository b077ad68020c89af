"""Training the latent ODEs: one task per (data set, model), ``PanelTask("rotmnist", "igo")`` named
``panel_rotmnist_igo``; further training seeds live in ``models/panel/<data set>/<model>/seed<s>/``.

Every model is trained on whole train sequences: the encoder reads the first ``interp_steps`` observations, the
decoded trajectory is scored on all of them (so the steps after the window are learned as a forecast), and

    L = mean squared error of the decoded trajectory,                     (pixels in [0, 1] / standardised state)
    R = mean squared error of x(t_k / 2) decoded from z_τ = z(t_k / 2) through D_τ, over the targets t_k whose
        half-time is an observation time (k even),
    loss = α L + (1 − α) R + β KL(q(w) || N(0, I))                        (R for igo only; KL for meode and igo)

so with α = 1 the igo loss is the meode loss of the same network.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch

from invdiff.config import Params
from invdiff.data.tensors import tensor_loader
from invdiff.errors import require_file
from invdiff.experiments.panel import data as panel_data
from invdiff.experiments.panel.config import HopperDataConfig, LatentOdeConfig, PanelTrainConfig, RotMnistDataConfig
from invdiff.experiments.panel.latent_ode import KINDS, LatentOde
from invdiff.optim import TrainableModule, igo_loss
from invdiff.paths import models_dir
from invdiff.sections import Section

EXPERIMENT = "igo_panel"


def observations(dataset: str, split: str) -> torch.Tensor:
    """The split as the models see it: rotmnist frames in [0, 1] [N, T, 1, 28, 28]; hopper states standardised by
    the train split's mean and std [N, T, 14]."""
    arrays = panel_data.load_split(dataset, split)
    if dataset == "rotmnist":
        return torch.from_numpy(arrays["frames"].astype(np.float32) / 255.0).unsqueeze(2)
    if dataset == "hopper":
        stats = panel_data.load_stats()["hopper"]
        mean, std = (np.asarray(stats[k], dtype=np.float32) for k in ("state_mean", "state_std"))
        return torch.from_numpy((arrays["states"] - mean) / std)
    raise ValueError(f"unknown panel data set {dataset!r}; choose from {panel_data.DATASETS}")


def models_folder(dataset: str, kind: str) -> Path:
    return models_dir() / "panel" / dataset / kind


def seed_folder(folder: Path, params: Params, seed: int) -> Path:
    """The first training seed trains into ``folder``, the others into ``folder/seed<s>``."""
    return folder if seed == params.seed else folder / f"seed{seed}"


def training_seeds(params: Params) -> list[int]:
    return [params.seed + k for k in range(params.panel.training.seeds)]


class PanelTrainingView(Section):
    """What determines one (data set, model)'s trained weights."""

    dataset: str
    kind: str
    alpha: float
    interp_steps: int
    model: LatentOdeConfig
    train: PanelTrainConfig
    data: RotMnistDataConfig | HopperDataConfig


def combined_loss(full: torch.Tensor, intermediate: torch.Tensor | None, kl: torch.Tensor | None, alpha: float,
                  kl_weight: float) -> torch.Tensor:
    """α L + (1 − α) R + β KL; R absent (None) or α = 1 give L + β KL exactly."""
    loss = igo_loss(full, intermediate, alpha)
    return loss if kl is None else loss + kl_weight * kl


class PanelModel(TrainableModule):
    def __init__(self, kind: str, observation_shape: list[int], model: dict, optim: dict, interp_steps: int,
                 alpha: float):
        super().__init__()
        self.save_hyperparameters()
        self.net = LatentOde(kind, tuple(observation_shape), **model)

    def horizon(self, step: int, steps: int) -> int:
        """Observation times scored at optimizer step ``step``: from the first alone up to all ``steps``,
        linearly over the first ``horizon_warmup`` share of training (then all)."""
        warmup = self.hparams.optim["horizon_warmup"] * self.hparams.optim["max_steps"]
        start = 1
        if warmup <= 0 or step >= warmup:
            return steps
        return start + int((steps - start) * step / warmup)

    def losses(self, x: torch.Tensor, horizon: int | None = None) -> dict[str, torch.Tensor]:
        """L, R (igo) and the KL (meode, igo) on a batch of sequences [B, T, *shape], scored on the first
        ``horizon`` observation times (all by default)."""
        net = self.net
        x = x[:, :horizon]
        steps = x.shape[1]
        z0, mu, logvar = net.encode(x[:, :self.hparams.interp_steps])
        out: dict[str, torch.Tensor] = {}
        w = None
        if mu is not None:
            w = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            out["kl"] = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean()
        z = net.latents(z0, w, steps)
        out["full"] = (net.decode(z) - x).pow(2).mean()
        if net.kind == "igo" and self.hparams.alpha < 1:
            half = (steps + 1) // 2  # z(t_k / 2) for the even k < T: the first ceil(T / 2) observation times
            out["intermediate"] = (net.decode(z[:, :half], intermediate=True) - x[:, :half]).pow(2).mean()
        return out

    def training_step(self, batch, batch_idx):
        parts = self.losses(batch[0], self.horizon(self.global_step, batch[0].shape[1]))
        loss = combined_loss(parts["full"], parts.get("intermediate"), parts.get("kl"), self.hparams.alpha,
                             self.hparams.optim["kl_weight"])
        return self.log_losses(loss, parts)

    def optimized_parameters(self):
        return self.parameters()

    @torch.no_grad()
    def predict(self, observed: torch.Tensor, steps: int, batch_size: int = 256) -> torch.Tensor:
        return torch.cat([self.net.predict(observed[i:i + batch_size], steps)
                          for i in range(0, len(observed), batch_size)])


class PanelTask:
    experiment = EXPERIMENT

    def __init__(self, dataset: str, kind: str):
        if dataset not in panel_data.DATASETS:
            raise ValueError(f"unknown panel data set {dataset!r}; choose from {panel_data.DATASETS}")
        if kind not in KINDS:
            raise ValueError(f"unknown panel model {kind!r}; choose from {KINDS}")
        self.dataset, self.kind = dataset, kind
        self.name = f"panel_{dataset}_{kind}"
        self.depends_on = ("mnist",) if dataset == "rotmnist" else ()

    def section(self, params: Params) -> PanelTrainingView:
        p = params.panel
        cfg = getattr(p, self.dataset)
        return PanelTrainingView(dataset=self.dataset, kind=self.kind,
                                 alpha=p.training.alpha if self.kind == "igo" else 1.0,
                                 interp_steps=cfg.interp_steps, model=cfg.model, train=cfg.train,
                                 data=getattr(p.data, self.dataset))

    def data_source(self, params: Params) -> str:
        return "real"  # real digits rotated here; MuJoCo physics

    def averaging(self, params: Params):
        return None

    def build(self, params: Params) -> tuple[pl.LightningModule, torch.utils.data.DataLoader]:
        view = self.section(params)
        x = observations(self.dataset, "train")
        module = PanelModel(self.kind, list(x.shape[2:]), view.model.model_dump(), view.train.model_dump(),
                            view.interp_steps, view.alpha)
        return module, tensor_loader(x, batch_size=view.train.batch_size, seed=params.seed)

    def load(self, path: str | Path) -> PanelModel:
        path = require_file(path, "run `dvc repro train_panel` first")
        return PanelModel.load_from_checkpoint(path, map_location="cpu", weights_only=False).eval()
