"""3D pose from 2D keypoints: a conditional DDPM over 24 joint rotations (6D) given 25 BODY_25 keypoints.

One task per denoiser architecture (``PoseTask("mlp")``, ``PoseTask("transformer")``, named ``pose_<arch>``)
sharing data, schedule, optimiser, EMA and budget. Batches are ``(x6d [B,144], keypoints
[B,25,2] in [-1, 1])``.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from invdiff.config import Params
from invdiff.data.tensors import tensor_loader
from invdiff.diffusion import guided_eps, sample
from invdiff.diffusion.module import ConditionalDiffusion, load_diffusion_module
from invdiff.diffusion.standardize import Standardizer
from invdiff.experiments.pose.config import (
    KeypointDropoutConfig,
    PoseMlpConfig,
    PoseTransformerConfig,
    StandardizeConfig,
)
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.config import PoseDataConfig
from invdiff.experiments.pose.data.forward_model import POSE_DIM, keypoints_to_unit
from invdiff.experiments.pose.data.skeleton import BODY25_NAMES, NUM_BODY25, NUM_SMPL_JOINTS, SMPL_PARENTS
from invdiff.experiments.pose.mlp_authors import AuthorsPoseMLP
from invdiff.experiments.pose.net import PoseTransformer
from invdiff.nets import ConditionalMLP
from invdiff.paths import models_dir
from invdiff.sampling import SamplerResult
from invdiff.sections import EmaConfig, OptimConfig, ScheduleConfig, Section

ARCHS = ("mlp", "transformer")
MID_HIP = BODY25_NAMES.index("mid_hip")
log = logging.getLogger("invdiff")
EXPERIMENT = "pose"


class PoseTrainingView(Section):
    """What determines one architecture's trained weights (its training fingerprint and MLflow params)."""

    arch: Literal["mlp", "transformer"]
    data: PoseDataConfig
    diffusion: ScheduleConfig
    standardize: StandardizeConfig
    keypoint_dropout: KeypointDropoutConfig
    model: PoseMlpConfig | PoseTransformerConfig
    train: OptimConfig
    ema: EmaConfig


def joint_loss_weight() -> np.ndarray:
    """(144,) per-dim weight ∝ sqrt(1 + descendants): a joint's rotation moves every joint below it, so the
    pelvis (23 descendants) weighs ~4.9× a hand (0). Normalised to mean 1 by the loss."""
    descendants = np.zeros(NUM_SMPL_JOINTS)
    for joint in range(NUM_SMPL_JOINTS - 1, 0, -1):
        descendants[SMPL_PARENTS[joint]] += descendants[joint] + 1
    return np.repeat(np.sqrt(1 + descendants), 6)


def build_net(net_config: dict):
    config = dict(net_config)
    arch = config.pop("arch")
    if arch == "transformer":
        return PoseTransformer(num_joints=NUM_SMPL_JOINTS, num_keypoints=NUM_BODY25, **config)
    variant, timesteps = config.pop("variant", "ours"), config.pop("timesteps", None)
    if variant == "authors":
        return AuthorsPoseMLP(POSE_DIM, 2 * NUM_BODY25, timesteps, width=config["width"], depth=config["depth"])
    return ConditionalMLP(x_dim=POSE_DIM, cond_dim=2 * NUM_BODY25, cond_units=NUM_BODY25, **config)


def fit_standardizers(x6d: torch.Tensor, keypoints_unit: torch.Tensor, cfg: StandardizeConfig,
                      image_size: int) -> tuple[Standardizer, Standardizer]:
    """Training-split statistics of the 6D poses [N, 144] and the keypoints [N, 25, 2] (in [-1, 1] units)."""
    return (Standardizer.fit(x6d, cfg.x_std_floor),
            Standardizer.fit(keypoints_unit, cfg.keypoint_std_floor_px / (image_size / 2)))


class PoseTask:
    """:class:`invdiff.task.Task` of one denoiser architecture."""

    experiment = EXPERIMENT
    depends_on = ("camera", "amass", "body_model")  # the keypoints and the poses they were made from

    def __init__(self, arch: str):
        if arch not in ARCHS:
            raise ValueError(f"unknown pose architecture {arch!r}; choose one of {ARCHS}")
        self.arch = arch
        self.name = f"pose_{arch}"

    def section(self, params: Params) -> PoseTrainingView:
        cfg = params.pose
        return PoseTrainingView(arch=self.arch, data=cfg.data, diffusion=cfg.diffusion, standardize=cfg.standardize,
                                keypoint_dropout=cfg.keypoint_dropout, model=getattr(cfg, self.arch),
                                train=getattr(cfg.train, self.arch), ema=cfg.ema)

    def data_source(self, params: Params) -> str:
        return pose_dataset.load_stats()["data_source"]

    def averaging(self, params: Params) -> EmaConfig | None:
        return params.pose.ema if params.pose.ema.enabled else None

    def build(self, params: Params):
        cfg, optim = params.pose, getattr(params.pose.train, self.arch)
        train = pose_dataset.load_split("train")
        net_config = {"arch": self.arch, **getattr(cfg, self.arch).model_dump()}
        if self.arch == "mlp" and cfg.mlp.variant == "authors":
            net_config["timesteps"] = cfg.diffusion.timesteps
        x6d = torch.from_numpy(train.x6d)
        keypoints = keypoints_to_unit(torch.from_numpy(train.keypoints), params.camera.image_size)
        standardize = {"x": [POSE_DIM], "cond": [NUM_BODY25, 2]} if cfg.standardize.enabled else None
        net = build_net(net_config)
        dropout = None
        if getattr(net, "masks_units", False) and cfg.keypoint_dropout.p_partial > 0:
            dropout = {"units": NUM_BODY25, **cfg.keypoint_dropout.model_dump(), "always_present": [MID_HIP]}
        elif cfg.keypoint_dropout.p_partial > 0:
            log.info("pose_%s: the authors' MLP takes no per-keypoint mask; trained on complete keypoints "
                     "(missing ones will be filled in)", self.arch)
        module = ConditionalDiffusion(
            net, net_config, cfg.diffusion.model_dump(), optim.model_dump(),
            extra={"image_size": params.camera.image_size}, loss_weight=joint_loss_weight().tolist(),
            standardize=standardize, unit_dropout=dropout)
        if standardize:
            x_scaler, cond_scaler = fit_standardizers(x6d, keypoints, cfg.standardize, params.camera.image_size)
            module.x_scaler.load_state_dict(x_scaler.state_dict())
            module.cond_scaler.load_state_dict(cond_scaler.state_dict())
        loader = tensor_loader(x6d, keypoints, batch_size=optim.batch_size, seed=params.seed)
        return module, loader

    def checkpoint(self) -> Path:
        return models_dir() / self.name / "model.ckpt"

    def load(self, path: str | Path | None = None) -> ConditionalDiffusion:
        return load_diffusion_module(self.checkpoint() if path is None else path, build_net)


@torch.no_grad()
def sample_poses(module: ConditionalDiffusion, keypoints_unit: torch.Tensor, num_samples: int, w: float,
                 sampler_cfg, generator: torch.Generator, batch_size: int = 4096, progress: bool = False,
                 present: torch.Tensor | None = None) -> SamplerResult:
    """``num_samples`` poses per input: keypoints [N, 25, 2] in [-1, 1] -> x6d [N, num_samples, 144].

    Inputs are processed in chunks of ``batch_size`` samples (guidance doubles the network batch). The sampler
    works in the model's standardised space; ``sampler_cfg.clip_x0`` bounds x̂_0 in 6D units (the decoded pose).
    ``present`` [N, 25] bool: the keypoints each input has (a model trained with keypoint dropout; the values of
    the others are ignored); None: all.
    """
    if present is not None and not module.masks_units:
        raise ValueError("this pose model was trained on complete keypoints only; fill the missing ones instead")
    clip_x0 = module.clip_bounds(sampler_cfg.clip_x0)
    evaluations = 0
    cond = module.encode_cond(keypoints_unit.float()).repeat_interleave(num_samples, dim=0)
    missing = None if present is None else (~present.bool()).repeat_interleave(num_samples, dim=0)
    chunks = []
    for start in range(0, len(cond), batch_size):
        chunk = cond[start:start + batch_size]
        eps_fn = guided_eps(module.denoiser, chunk, w, None if missing is None else missing[start:start + batch_size])
        result = sample(eps_fn, module.schedule, (len(chunk), POSE_DIM), sampler_cfg, generator=generator,
                        progress=progress, clip_x0=clip_x0)
        chunks.append(module.decode(result.samples))
        evaluations = result.evaluations
    return SamplerResult(torch.cat(chunks).reshape(len(keypoints_unit), num_samples, -1), evaluations)


def keypoint_sampler(module: ConditionalDiffusion, w: float, sampler_cfg, generator: torch.Generator, image_size: int,
                     batch_size: int = 4096):
    """``draw(keypoints [N, 25, 2] pixels, present [N, 25], K) -> x6d [N, K, 144]``: the model's mask tokens for the
    keypoints not present when it was trained with keypoint dropout; otherwise ``present`` is ignored (the caller
    filled the missing keypoints)."""

    def draw(keypoints: torch.Tensor, present: torch.Tensor | None, num: int) -> torch.Tensor:
        mask = present if module.masks_units else None
        return sample_poses(module, keypoints_to_unit(keypoints, image_size), num, w, sampler_cfg, generator,
                            batch_size=batch_size, present=mask).samples

    return draw
