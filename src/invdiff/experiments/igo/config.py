"""Params section ``igo``."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from invdiff.sections import EmaConfig, OptimConfig, Section


class IgoSdeConfig(Section):
    kappa: float = Field(2.0, ge=0, description="rate of the cat-map drift κ (C x − x)")
    sigma: float = Field(25.0, gt=1, description="g(t) = sigma^t (Song's VE choice)")
    em_steps: int = Field(1000, ge=2, description="Euler–Maruyama steps J to time t (even: x_tau is step J/2)")
    t_min: float = Field(1.0e-3, gt=0, lt=1, description="t ~ U(t_min, 1) in training; the ODE stops here")

    @model_validator(mode="after")
    def _stable_chain(self):
        if self.em_steps % 2:
            raise ValueError(f"em_steps must be even (x_tau is iterate J/2), got {self.em_steps}")
        if self.kappa > self.em_steps:
            raise ValueError(f"kappa ({self.kappa}) must not exceed em_steps ({self.em_steps}): an EM step "
                             "(1 - kappa h) I + kappa h C with h = t/J must stay a contraction")
        return self


class ScoreUnetConfig(Section):
    preconditioning: Literal["wiener", "gaussian_skip", "none"] = Field(
        "gaussian_skip", description="what the U-Net sees and adds to (experiments/igo/task.py): wiener = the "
                                     "linear MMSE image estimate, corrected; gaussian_skip = the mixed x plus "
                                     "the exact Gaussian score; none = the mixed x alone (Song's tutorial)")
    channels: list[Annotated[int, Field(ge=4)]] = Field(default_factory=lambda: [32, 64, 128, 256], min_length=4,
                                                        max_length=4)
    embed_dim: int = Field(256, ge=4, multiple_of=2)
    fourier_scale: float = Field(30.0, gt=0)


class TimeSamplingConfig(Section):
    name: Literal["uniform", "log_normal"] = Field(
        "uniform", description="training times: uniform t ~ U(t_min, 1) (Song), or log_normal: ln std(t) ~ "
                               "N(mean, sd²) truncated to the SDE's range (Karras et al. 2022)")
    mean: float = Field(-1.2, description="log_normal: mean of ln std(t)")
    sd: float = Field(1.2, gt=0, description="log_normal: sd of ln std(t)")


class IgoSamplerConfig(Section):
    name: Literal["ode", "euler_maruyama"] = "ode"
    rtol: float = Field(1.0e-5, gt=0, description="ode: solve_ivp relative tolerance")
    atol: float = Field(1.0e-5, gt=0, description="ode: solve_ivp absolute tolerance")
    steps: int = Field(500, ge=1, description="euler_maruyama: number of reverse-SDE steps")


class IgoEvalConfig(Section):
    num_samples: int = Field(500, ge=10, description="generated images per FID (and real images for the floor)")
    batch_size: int = Field(500, ge=1, description="network batch inside the sampler")
    seeds: int = Field(3, ge=1, description="paired sampling seeds (the same start noise for every α and path), "
                                            "also the draws of the Gaussian reference and the floor: mean ± sd")
    sampler: IgoSamplerConfig = IgoSamplerConfig()


class TrainingSeedsConfig(Section):
    alphas: list[float] = Field(default_factory=lambda: [1.0], description="the α retrained with further seeds")
    count: int = Field(2, ge=1, description="training seeds per listed α: the params seed, then seed + 1, ... "
                                            "(initialisation and batch order); 1 = no retraining")


def _unit_interval(alphas: list[float]) -> list[float]:
    if any(not 0 < a <= 1 for a in alphas):
        raise ValueError("every alpha must lie in (0, 1] (alpha = 1 is the plain score model)")
    if len(set(alphas)) != len(alphas):
        raise ValueError("alphas must be distinct")
    return alphas


class IgoConfig(Section):
    alphas: Annotated[list[float], Field(min_length=1), AfterValidator(_unit_interval)]
    sde: IgoSdeConfig = IgoSdeConfig()
    model: ScoreUnetConfig = ScoreUnetConfig()
    train: OptimConfig
    time_sampling: TimeSamplingConfig = TimeSamplingConfig()
    ema: EmaConfig = EmaConfig(enabled=False)
    training_seeds: TrainingSeedsConfig = TrainingSeedsConfig()
    eval: IgoEvalConfig = IgoEvalConfig()

    @model_validator(mode="after")
    def _retrained_alphas_are_trained(self):
        unknown = [a for a in self.training_seeds.alphas if a not in self.alphas]
        if unknown:
            raise ValueError(f"igo.training_seeds.alphas {unknown} are not in igo.alphas {self.alphas}; list only "
                             "trained α there")
        return self

# this experiment's top-level params sections, found by invdiff.config (a class: required; an instance: default)
SECTIONS = {"igo": IgoConfig}
