"""IGO on MNIST: a score U-Net trained on the cat-map SDE, with the intermediate generator E_τ ∘ s_τ ∘ D_τ fed the
intermediate Euler–Maruyama iterate x_τ (τ = t/2 of the same trajectory).

Loss = α · L(s, x_t, t) + (1 − α) · L(E_τ∘s_τ∘D_τ, x_τ, τ) (Mishra et al., eqs. 5–6), each L the weighted score
matching loss against the exact conditional score. One task per α (``IgoTask(0.9)``, named ``igo_alpha0.9``) so that
each α is its own DVC stage with the same seed and budget. Images live in model space [-1, 1].

Score parameterisations (both paths; ``igo.model.preconditioning``; docs/igo.md). With F the U-Net, μ and σ_d
the training images' mean image and pixel std, K_t = σ_d² M_t M_tᵀ + Σ_t, and g(x) = −K_t⁻¹ (x − M_t μ) the exact
score of the marginal of N(μ, σ_d² I) data (a function of C, applied spectrally):

    wiener:         s = g(x) + Σ_t⁻¹ M_t · e(t) F(c(t) (x̃₀ − μ), t),   x̃₀ = μ + σ_d² M_tᵀ K_t⁻¹ (x − M_t μ)
    gaussian_skip:  s = g(x) + F(c_in x, t) / std(t),                  c_in = 1 / sqrt(std(t)² + σ_d²)
    none:           s = F(c_in x, t) / std(t)                          (Song's tutorial; the paper's E∘s∘D)

``wiener`` writes the score through a denoiser, s = −Σ_t⁻¹ (x − M_t D), D = x̃₀ + e F: x̃₀ is the linear MMSE
estimate of x₀ (an image: M_tᵀ undoes the cat map's mixing), e(t) its error std and c(t) 1 / its signal std, so
the convolutions correct an image locally instead of learning a global pixel permutation; F ≡ 0 is the exact
Gaussian score. ``gaussian_skip`` feeds the mixed x to the U-Net and adds g for the −x/var growth, mode by mode,
that a GroupNorm U-Net cannot represent (blind to its input's global scale). std(t) is the SDE's scalar
marginal std (Song's output scaling).
"""
from __future__ import annotations

from pathlib import Path

import torch

from invdiff.config import Params
from invdiff.data.tensors import tensor_loader
from invdiff.errors import require_file
from invdiff.experiments.igo.cat_map_sde import CatMapSDE
from invdiff.experiments.igo.config import IgoSdeConfig, ScoreUnetConfig, TimeSamplingConfig
from invdiff.experiments.igo.net import ScoreUNet
from invdiff.experiments.mnist import data as mnist
from invdiff.optim import TrainableModule, igo_loss
from invdiff.paths import models_dir
from invdiff.sde.score_matching import LogNormalTimes, score_matching_loss, training_times
from invdiff.sections import EmaConfig, OptimConfig, Section

EXPERIMENT = "igo"
IMAGE_SIZE = 28


def models_folder() -> Path:
    """``models/igo``: one ``alpha<α>/model.ckpt`` per trained α."""
    return models_dir() / "igo"


def alpha_label(alpha: float) -> str:
    """The one spelling of an α in names, paths and metric keys: ``0.9`` → ``"0.9"``, ``1`` → ``"1.0"``."""
    return repr(float(alpha))


def extra_training_seeds(params: Params, alpha: float) -> list[int]:
    """The further training seeds of ``alpha`` (``igo.training_seeds``): seed + 1, ... when it is listed, else []."""
    seeds = params.igo.training_seeds
    if float(alpha) not in [float(a) for a in seeds.alphas]:
        return []
    return [params.seed + k for k in range(1, seeds.count)]


def seed_folder(alpha_folder: Path, seed: int) -> Path:
    """Where the α's model of a further training seed lives: ``models/igo/alpha<α>/seed<s>/``."""
    return alpha_folder / f"seed{seed}"


class IgoTrainingView(Section):
    """What determines one α's trained weights (its training fingerprint and MLflow params)."""

    alpha: float
    sde: IgoSdeConfig
    model: ScoreUnetConfig
    train: OptimConfig
    time_sampling: TimeSamplingConfig
    ema: EmaConfig


PRECONDITIONINGS = ("wiener", "gaussian_skip", "none")


class IgoScoreModel(TrainableModule):
    def __init__(self, net_config: dict, sde_config: dict, alpha: float, optim: dict, data_std: float = 1.0,
                 time_sampling: dict | None = None):
        super().__init__()
        self.save_hyperparameters()
        net_config = dict(net_config)
        # checkpoints from before the choice existed were trained with the Gaussian skip term
        self.preconditioning = net_config.pop("preconditioning", "gaussian_skip")
        if self.preconditioning not in PRECONDITIONINGS:
            raise ValueError(f"unknown preconditioning {self.preconditioning!r}; choose from {PRECONDITIONINGS}")
        self.net = ScoreUNet(**net_config)
        self.sde = CatMapSDE(n=IMAGE_SIZE, **sde_config)
        self.register_buffer("data_mean", torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE))
        times = TimeSamplingConfig(**(time_sampling or {}))
        self.log_normal_times = (LogNormalTimes(self.sde.marginal_std, self.sde.t_min, times.mean, times.sd)
                                 if times.name == "log_normal" else None)

    def training_times(self, batch: int, device) -> torch.Tensor:
        if self.log_normal_times is not None:
            return self.log_normal_times(batch, device=device)
        return training_times(batch, self.sde.t_min, device=device)

    def _std(self, t: torch.Tensor) -> torch.Tensor:
        return self.sde.marginal_std(t.detach().cpu()).to(t.device)

    def _score(self, network, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        data_var = self.hparams.data_std ** 2
        if self.preconditioning == "wiener":
            post = self.sde.gaussian_posterior(x, t, self.data_mean, data_var)
            correction = network((post.estimate - self.data_mean) / post.signal_std.view(-1, 1, 1, 1), t)
            gain = post.mean_spectrum * (post.error_std.double().cpu()[:, None] / post.variance_spectrum)
            return post.score + self.sde.apply(gain.to(x.device), correction)
        std = self._std(t).view(-1, 1, 1, 1)
        c_in = (std ** 2 + data_var).rsqrt()
        out = network(c_in * x, t) / std
        if self.preconditioning == "none":
            return out
        return out + self.sde.gaussian_score(x, t, self.data_mean, data_var)

    def score(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The full model's score s(x, t): x [B, 1, 28, 28], t [B]."""
        return self._score(self.net, x, t)

    def intermediate_score(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The intermediate generator's score E_τ∘s_τ∘D_τ(x, τ) (trained on τ ∈ [t_min/2, 1/2])."""
        return self._score(self.net.intermediate, x, t)

    def losses(self, x0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(full-path loss, intermediate-path loss or None when α = 1) on one batch of images [B, 1, 28, 28]."""
        t = self.training_times(len(x0), x0.device)
        it = self.sde.sample_iterates(x0, t)
        full = score_matching_loss(self.score(it.x_t, t), it.score_t, self._std(t))
        if self.hparams.alpha >= 1:
            return full, None
        intermediate = score_matching_loss(self.intermediate_score(it.x_tau, it.tau), it.score_tau,
                                           self._std(it.tau))
        return full, intermediate

    def training_step(self, batch, batch_idx):
        full, intermediate = self.losses(batch[0])
        loss = igo_loss(full, intermediate, self.hparams.alpha)
        return self.log_losses(loss, {"loss_full": full, "loss_intermediate": intermediate})


class IgoTask:
    """One α of the sweep (:class:`invdiff.task.Task`); it trains on MNIST's training digits."""

    experiment = EXPERIMENT
    depends_on = ("mnist",)

    def __init__(self, alpha: float):
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must lie in (0, 1], got {alpha}")
        self.alpha = float(alpha)
        self.name = f"igo_alpha{alpha_label(alpha)}"

    def section(self, params: Params) -> IgoTrainingView:
        cfg = params.igo
        return IgoTrainingView(alpha=self.alpha, sde=cfg.sde, model=cfg.model, train=cfg.train,
                               time_sampling=cfg.time_sampling, ema=cfg.ema)

    def data_source(self, params: Params) -> str:
        return "real"

    def averaging(self, params: Params) -> EmaConfig | None:
        return params.igo.ema if params.igo.ema.enabled else None

    def build(self, params: Params):
        cfg = params.igo
        images = mnist.to_model_space(mnist.load_split("train")[0])
        module = IgoScoreModel(cfg.model.model_dump(), cfg.sde.model_dump(), self.alpha, cfg.train.model_dump(),
                               data_std=float(images.std()), time_sampling=cfg.time_sampling.model_dump())
        module.data_mean.copy_(images.mean(0, keepdim=True))
        loader = tensor_loader(images, batch_size=cfg.train.batch_size, seed=params.seed)
        return module, loader

    def load(self, path) -> IgoScoreModel:
        return load(path)


def load(path) -> IgoScoreModel:
    path = require_file(path, "Train it first: `dvc repro train_igo` (one stage per igo.alphas entry).")
    return IgoScoreModel.load_from_checkpoint(path, map_location="cpu").eval()
