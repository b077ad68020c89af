"""Training the score-based denoiser: ``PointCloudTask("pretrain")`` (named ``pointcloud_score``) by denoising score
matching, then from its weights ``PointCloudTask("plain")`` (the same loss) and ``PointCloudTask("igo")`` (with the
intermediate pathway, alpha = ``pointcloud.training.alpha``). Fine-tuning seeds live in
``models/pointcloud/<name>/seed<s>/``.

    L = mean over frames i and their points x_j of |S_i(x_j - x_i) - (proj(x_j) - x_j) / unit|^2     (on x_t, E -> D)
    R = the same on the intermediate iterate x_tau through E_tau -> s -> D_tau
    loss = alpha L + (1 - alpha) R          (alpha = 1: R is not computed, the loss is L exactly)
"""
from __future__ import annotations

from pathlib import Path

import pytorch_lightning as pl
import torch

from invdiff.config import Params
from invdiff.data.tensors import tensor_loader
from invdiff.errors import require_file
from invdiff.experiments.pointcloud.config import PointCloudDataConfig, ScoreNetConfig, ScoreTrainConfig
from invdiff.experiments.pointcloud.patches import make_patches
from invdiff.experiments.pointcloud.score_net import ScoreDenoiser
from invdiff.optim import TrainableModule, igo_loss
from invdiff.paths import models_dir
from invdiff.sections import Section

EXPERIMENT = "igo_pointcloud"
PATCH_KEYS = ("patch_points", "draws", "patches_per_cloud", "noise_min", "noise_max")


def random_rotations(count: int) -> torch.Tensor:
    """[count, 3, 3] rotations, uniform (Haar) from the QR of Gaussian matrices with the sign fixed."""
    q, r = torch.linalg.qr(torch.randn(count, 3, 3))
    q = q * torch.sign(torch.diagonal(r, dim1=1, dim2=2)).unsqueeze(1)
    det = torch.linalg.det(q)
    q[:, :, 0] *= det.unsqueeze(1)  # reflections -> rotations
    return q


class TrainingView(Section):
    """What determines one model's weights (the fine-tuned ones: their pretraining too)."""

    name: str
    alpha: float
    model: ScoreNetConfig
    train: ScoreTrainConfig
    pretrain: ScoreTrainConfig | None = None
    patches: dict
    data: PointCloudDataConfig


class ScoreModule(TrainableModule):
    def __init__(self, model: dict, optim: dict, alpha: float, intermediate: bool,
                 init_state: dict | None = None):
        super().__init__()
        self.save_hyperparameters(ignore=["init_state"])
        self.net = ScoreDenoiser(**model)
        if init_state is not None:
            self.net.load_state_dict(init_state)
        if intermediate:
            self.net.score.add_intermediate()

    def dsm(self, noisy: torch.Tensor, target: torch.Tensor, pathway: str) -> torch.Tensor:
        """Denoising score matching on patches [B, N, 3] (unit-sphere coordinates) with their targets."""
        unit = self.net.unit
        opt = self.hparams.optim
        centres = torch.stack([torch.randperm(noisy.shape[1])[:opt["frames"]] for _ in range(len(noisy))])
        scores, members = self.net.frame_scores(noisy / unit, centres, opt["frame_knn"], pathway)
        b_idx = torch.arange(len(noisy)).view(-1, 1, 1)
        return (scores - target[b_idx, members] / unit).pow(2).sum(-1).mean()

    def losses(self, batch) -> dict[str, torch.Tensor]:
        x_t, target_t, x_tau, target_tau, _ = batch
        rot = random_rotations(len(x_t)).to(x_t)
        turn = lambda v: v @ rot  # noqa: E731 -- the same rotation for points and targets keeps targets exact
        out = {"full": self.dsm(turn(x_t), turn(target_t), "t")}
        if self.net.score.encode_tau is not None and self.hparams.alpha < 1:
            out["intermediate"] = self.dsm(turn(x_tau), turn(target_tau), "tau")
        return out

    def training_step(self, batch, batch_idx):
        parts = self.losses(batch)
        loss = igo_loss(parts["full"], parts.get("intermediate"), self.hparams.alpha)
        return self.log_losses(loss, parts)

    def optimized_parameters(self):
        return self.parameters()


def weight_comparison(net: ScoreDenoiser) -> dict[str, float]:
    """Figure 5b: cosine similarity and Euclidean distance between E_t and E_tau, D_t and D_tau (weights and bias
    flattened)."""
    score = net.score
    out = {}
    for tag, a, b in (("E", score.encode, score.encode_tau), ("D", score.decode, score.decode_tau)):
        va = torch.cat([a.weight.flatten(), a.bias]).detach()
        vb = torch.cat([b.weight.flatten(), b.bias]).detach()
        out[f"cosine_{tag}"] = float(torch.nn.functional.cosine_similarity(va, vb, dim=0))
        out[f"euclidean_{tag}"] = float((va - vb).norm())
    return out


class WeightTracker(pl.Callback):
    """Records :func:`weight_comparison` every ``every`` steps of an IGO fine-tuning (and at step 0); the records
    ride in the checkpoints, so a resumed run keeps the early ones."""

    def __init__(self, every: int):
        self.every = every
        self.records: list[dict] = []

    def _record(self, trainer, pl_module, step: int) -> None:
        values = weight_comparison(pl_module.net)
        self.records.append({"step": step, **values})
        if trainer.logger is not None:  # MLflow: one curve per comparison, by step
            trainer.logger.log_metrics({f"figure5b/{k}": v for k, v in values.items()}, step=step)

    def on_train_start(self, trainer, pl_module):
        if not self.records:
            self._record(trainer, pl_module, 0)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        step = trainer.global_step
        if step % self.every == 0 or step == trainer.max_steps:
            self._record(trainer, pl_module, step)

    def state_dict(self):
        return {"records": self.records}

    def load_state_dict(self, state):
        self.records = list(state["records"])


_PATCHES: dict[str, dict[str, torch.Tensor]] = {}


def training_patches(params: Params, progress=None) -> dict[str, torch.Tensor]:
    """:func:`make_patches` for these params, made once per process (every model of a stage trains on them)."""
    t = params.pointcloud.training
    key = f"{params.seed}|{params.pointcloud.data.points}|{t.model_dump_json(include=set(PATCH_KEYS))}"
    if key not in _PATCHES:
        _PATCHES.clear()
        _PATCHES[key] = make_patches(t, params.pointcloud.data.points, params.seed, progress)
    return _PATCHES[key]


def models_folder(name: str) -> Path:
    return models_dir() / "pointcloud" / name


def seed_folder(name: str, params: Params, seed: int) -> Path:
    folder = models_folder(name)
    return folder if seed == params.seed else folder / f"seed{seed}"


def finetune_seeds(params: Params) -> list[int]:
    return [params.seed + k for k in range(params.pointcloud.training.seeds)]


class PointCloudTask:
    """``pretrain`` (named ``pointcloud_score``), ``plain`` (``pointcloud_plain``: fine-tuned from it at alpha = 1)
    or ``igo`` (``pointcloud_igo``: fine-tuned with E_tau / D_tau at ``pointcloud.training.alpha``)."""

    experiment = EXPERIMENT
    depends_on = ()
    STAGES = ("pretrain", "plain", "igo")

    def __init__(self, stage: str = "pretrain", pretrained: str | Path | None = None):
        if stage not in self.STAGES:
            raise ValueError(f"unknown point-cloud model {stage!r}; choose from {self.STAGES}")
        self.stage = stage
        self.name = "pointcloud_score" if stage == "pretrain" else f"pointcloud_{stage}"
        self.pretrained = Path(pretrained) if pretrained else models_folder("pointcloud_score") / "model.ckpt"

    def section(self, params: Params) -> TrainingView:
        t = params.pointcloud.training
        pre = self.stage == "pretrain"
        return TrainingView(name=self.name, alpha=t.alpha if self.stage == "igo" else 1.0,
                            model=params.pointcloud.model, train=t.pretrain if pre else t.finetune,
                            pretrain=None if pre else t.pretrain, patches=t.model_dump(include=set(PATCH_KEYS)),
                            data=params.pointcloud.data)

    def data_source(self, params: Params) -> str:
        return "real"  # CGAL's meshes (data/meshes/SOURCES.md)

    def averaging(self, params: Params):
        return None

    def build(self, params: Params):
        view = self.section(params)
        patches = training_patches(params)
        init = None if self.stage == "pretrain" else self.load(self.pretrained).net.state_dict()
        module = ScoreModule(view.model.model_dump(), view.train.model_dump(), view.alpha,
                             intermediate=self.stage == "igo", init_state=init)
        tensors = [patches[k] for k in ("x_t", "target_t", "x_tau", "target_tau", "sigma")]
        return module, tensor_loader(*tensors, batch_size=view.train.batch_size, seed=params.seed)

    def load(self, path: str | Path) -> ScoreModule:
        path = require_file(path, "run `dvc repro train_pointcloud` first")
        return ScoreModule.load_from_checkpoint(path, map_location="cpu", weights_only=False).eval()
