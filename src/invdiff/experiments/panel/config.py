"""Params section ``panel``: IGO on panel data (rotating MNIST, MuJoCo hopper)."""
from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from invdiff.sections import OptimConfig, Section


class RotMnistDataConfig(Section):
    """Sequences of a real digit turning (the bundled MNIST digits: train digits for train/val, test digits for test).
    """

    train: int = Field(1000, ge=1, description="sequences (the paper: 10,000)")
    val: int = Field(200, ge=1, description="sequences from train digits held out of training")
    test: int = Field(200, ge=1, description="sequences from the test digits")
    steps: int = Field(20, ge=2, description="frames per sequence (the paper: 10 interpolation + 10 extrapolation)")
    start_range: float = Field(math.pi / 2, ge=0, description="start angle ~ U[-r, r], radians")
    step_range: float = Field(math.pi / 4, ge=0, description="angle per step ~ U[-r, r], radians")
    val_digit_fraction: float = Field(0.1, gt=0, lt=1, description="share of the train digits kept for val")


class HopperDataConfig(Section):
    """Unactuated MuJoCo hopper trajectories, the 14-d state observed every ``substeps`` physics steps (5 ms)."""

    train: int = Field(1000, ge=1, description="trajectories (the paper: 10,000)")
    val: int = Field(200, ge=1)
    test: int = Field(200, ge=1)
    observations: int = Field(6, ge=2, description="states per trajectory (the paper: 3 interpolation + 3 "
                                                   "extrapolation)")
    substeps: int = Field(10, ge=1, description="physics steps between observations (10 x 5 ms = 50 ms)")
    init_range: float = Field(2.0, gt=0, description="initial angles and velocities ~ U[-r, r] (the paper: 2)")


class PanelDataConfig(Section):
    rotmnist: RotMnistDataConfig = RotMnistDataConfig()
    hopper: HopperDataConfig = HopperDataConfig()


class LatentOdeConfig(Section):
    """Sizes of the latent ODE (docs/igo_panel.md): encoder -> z0 (and the random effect w), ODE, decoder."""

    latent_dim: int = Field(32, ge=1, description="d_z")
    effect_dim: int = Field(4, ge=1, description="d_w: columns of D(z, t) and size of the random effect w "
                                                 "(meode, igo)")
    hidden: int = Field(64, ge=4, description="width of the dynamics MLP and of the encoder's GRU")
    dynamics_depth: int = Field(2, ge=1, description="hidden layers of the dynamics MLP")
    features: int = Field(64, ge=4, description="per-observation features the encoder's GRU reads")
    channels: int = Field(16, ge=1, description="rotmnist: channels of the first conv layer (then 2x)")
    solver: Literal["rk4", "euler", "midpoint"] = Field("rk4", description="torchdiffeq fixed-step method")
    solver_substeps: int = Field(2, ge=1, description="solver steps per observation interval")
    time_step: float = Field(1.0, gt=0, description="model time between two observations")


class PanelTrainConfig(OptimConfig):
    kl_weight: float = Field(1.0e-5, ge=0, description="weight of KL(q(w) || N(0, I)) per trajectory (meode, igo), "
                                                       "beside the per-element MSE")
    horizon_warmup: float = Field(0.5, ge=0, le=1, description="share of max_steps over which the scored horizon "
                                                               "grows from the first step to the whole sequence")


class PanelModelsConfig(Section):
    """What is trained: every model on every data set, ``seeds`` training seeds each (seed, seed + 1, ...)."""

    models: list[Literal["node", "meode", "igo"]] = Field(default_factory=lambda: ["node", "meode", "igo"],
                                                          min_length=1)
    alpha: float = Field(0.9, gt=0, le=1, description="igo: loss = alpha L + (1 - alpha) R")
    seeds: int = Field(3, ge=1, description="training seeds per (data set, model): mean +- sd")


class PanelDatasetModelConfig(Section):
    model: LatentOdeConfig = LatentOdeConfig()
    train: PanelTrainConfig = PanelTrainConfig(max_steps=1800, batch_size=32, lr=3.0e-3, lr_decay="cosine")
    interp_steps: int = Field(ge=1, description="observed steps the encoder sees; the rest are extrapolated")
    threads: int = Field(1, ge=1, description="torch threads while training (small nets: 1 is fastest on a "
                                              "loaded CPU; the rotmnist convolutions gain from 2)")


class PanelEvalConfig(Section):
    figure_sequences: int = Field(4, ge=1, description="test sequences drawn per data set in the figures")
    ridge: float = Field(1.0, gt=0, description="linear reference: ridge weight (per train sequence) of the "
                                                "past -> future regression")


class PanelConfig(Section):
    data: PanelDataConfig = PanelDataConfig()
    training: PanelModelsConfig = PanelModelsConfig()
    rotmnist: PanelDatasetModelConfig = PanelDatasetModelConfig(
        interp_steps=10, model=LatentOdeConfig(solver_substeps=1), threads=2,
        train=PanelTrainConfig(max_steps=900, batch_size=32, lr=3.0e-3, lr_decay="cosine", horizon_warmup=0.7))
    hopper: PanelDatasetModelConfig = PanelDatasetModelConfig(interp_steps=3)
    eval: PanelEvalConfig = PanelEvalConfig()

    @model_validator(mode="after")
    def _windows_fit(self):
        for name, total in (("rotmnist", self.data.rotmnist.steps), ("hopper", self.data.hopper.observations)):
            steps = getattr(self, name).interp_steps
            if steps >= total:
                raise ValueError(f"panel.{name}.interp_steps ({steps}) must be below the sequence length "
                                 f"({total}): the steps after it are the extrapolation window")
        return self

# this experiment's top-level params sections, found by invdiff.config (a class: required; an instance: default)
SECTIONS = {"panel": PanelConfig()}
