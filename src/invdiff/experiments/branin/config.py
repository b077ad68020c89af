"""Params section ``branin``."""
from __future__ import annotations

from pydantic import Field

from invdiff.sections import GuidanceWeights, MlpConfig, OptimConfig, SamplerConfig, ScheduleConfig, Section


class BraninDataConfig(Section):
    n_train: int = Field(20000, ge=16)


class BraninEvalConfig(Section):
    targets: list[float] = Field(min_length=1)
    guidance_weights: GuidanceWeights
    n_samples: int = Field(512, ge=2, description="samples per target, the same budget for every method")
    seeds: int = Field(3, ge=1, description="paired sampling seeds (the same for every w and method): mean ± sd")
    sampler: SamplerConfig = SamplerConfig()


class GradientDescentConfig(Section):
    steps: int = Field(500, ge=1)
    lr: float = Field(0.05, gt=0)
    project: bool = Field(True, description="clip iterates to the domain after each step")


class McmcConfig(Section):
    sigma: float = Field(0.5, gt=0, description="likelihood width, in units of f")
    steps: int = Field(3000, ge=1)
    init_step: float = Field(0.5, gt=0)
    target_accept: float = Field(0.3, gt=0, lt=1)


class BraninBaselinesConfig(Section):
    gradient_descent: GradientDescentConfig = GradientDescentConfig()
    mcmc: McmcConfig = McmcConfig()


class BraninConfig(Section):
    data: BraninDataConfig = BraninDataConfig()
    diffusion: ScheduleConfig = ScheduleConfig()
    model: MlpConfig = MlpConfig()
    train: OptimConfig
    eval: BraninEvalConfig
    baselines: BraninBaselinesConfig = BraninBaselinesConfig()

# this experiment's top-level params sections, found by invdiff.config (a class: required; an instance: default)
SECTIONS = {"branin": BraninConfig}
