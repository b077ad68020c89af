"""Params sections ``mnist`` (the data), ``classifier`` (FID's feature net) and ``mnist_cfg`` (the CFG DDPM)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from invdiff.sections import (
    EmaConfig,
    GuidanceWeights,
    OptimConfig,
    SamplerConfig,
    ScheduleConfig,
    Section,
    check_sampler_steps,
)

MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"]


class MnistConfig(Section):
    source: Literal["bundled", "idx"] = "bundled"
    test_fraction: float = Field(0.2, gt=0, lt=1, description="bundled source only: share held out for testing")
    idx_dir: str = "data/external/mnist"
    download: bool = False
    urls: list[str] = Field(default_factory=lambda: list(MNIST_MIRRORS))


class FrozenNetConfig(Section):
    path: str = Field("data/fid/mnist_lenet_v1.pt", description="a net written by `invdiff freeze-classifier`")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="the file's SHA-256, checked before every use")


class ClassifierConfig(Section):
    source: Literal["frozen", "train"] = Field(
        "frozen", description="frozen: the versioned net at frozen.path, the same on every machine; train: train "
                              "one here (feature_dim, train), e.g. to freeze a new version")
    frozen: FrozenNetConfig
    feature_dim: int = Field(32, ge=2, description="train only")
    train: OptimConfig


class UnetConfig(Section):
    n_feat: int = Field(16, ge=8, multiple_of=8)
    norm: Literal["group", "batch"] = Field("group", description="normalisation in the conv blocks: batch is "
                                                                 "TeaPearce's ContextUnet; group removes each "
                                                                 "image's overall brightness")


class MnistEvalConfig(Section):
    guidance_weights: GuidanceWeights
    samples_per_class: int = Field(20, ge=2)
    seeds: int = Field(3, ge=1, description="paired sampling seeds (the same start noise for every w): mean ± sd")
    floor_draws: int = Field(5, ge=2, description="draws of real training images behind real_fid_floor ± sd")
    sampler: SamplerConfig = SamplerConfig()


class MnistCfgConfig(Section):
    diffusion: ScheduleConfig = ScheduleConfig()
    model: UnetConfig = UnetConfig()
    train: OptimConfig
    ema: EmaConfig = EmaConfig(enabled=False)
    eval: MnistEvalConfig

    @model_validator(mode="after")
    def _steps_fit_the_schedule(self):
        check_sampler_steps(self.eval.sampler, self.diffusion, "mnist_cfg.eval.sampler")
        return self

# this experiment's top-level params sections, found by invdiff.config (a class: required; an instance: default)
SECTIONS = {"mnist": MnistConfig(), "classifier": ClassifierConfig, "mnist_cfg": MnistCfgConfig}
