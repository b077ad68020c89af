"""The params sections more than one experiment uses, and the ``Section`` base every section model derives from.

Each experiment owns its own section models beside its code (``experiments/<name>/config.py``);
:mod:`invdiff.config` assembles them into the root ``Params``.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


class Section(BaseModel):
    """Strict and closed: an unknown or ill-typed key fails, naming its path (an int is accepted as a float)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MlflowConfig(Section):
    tracking_uri: str = "sqlite:///mlflow.db"
    enabled: bool = True


class TrainerConfig(Section):
    """Passed straight to ``pytorch_lightning.Trainer``: DDP on a cluster is a params change, not a code change."""

    accelerator: str = "cpu"
    devices: int | str | list[int] = 1
    strategy: str = "auto"
    num_nodes: int = Field(1, ge=1)
    precision: str = "32-true"
    log_every_n_steps: int = Field(25, ge=1)
    checkpoint_every_n_steps: int = Field(500, ge=1)


class ScheduleConfig(Section):
    schedule: Literal["linear", "cosine"] = "linear"
    timesteps: int = Field(1000, ge=2)
    beta_start: float = Field(1.0e-4, gt=0, lt=1)
    beta_end: float = Field(0.02, gt=0, lt=1)
    p_uncond: float = Field(0.1, ge=0, le=1)


class SamplerConfig(Section):
    name: Literal["ddpm", "ddim", "dpm_solver"] = "ddpm"
    steps: int = Field(1000, ge=1, description="DDIM / DPM-Solver++(2M) steps; DDPM always uses all timesteps")
    eta: float = Field(0.0, ge=0.0, description="DDIM stochasticity (1.0 = DDPM posterior variance); must be 0 "
                                                "for DPM-Solver++(2M), which is deterministic")
    clip_x0: float | None = Field(None, gt=0, description="clip the predicted x_0 to [-c, c] (data range)")

    @model_validator(mode="after")
    def _deterministic_solver(self):
        if self.name == "dpm_solver" and self.eta != 0:
            raise ValueError(f"eta = {self.eta}: dpm_solver (DPM-Solver++(2M)) is deterministic; set eta: 0.0")
        return self


def check_sampler_steps(sampler: SamplerConfig, schedule: ScheduleConfig, key: str) -> None:
    """A DDIM / DPM-Solver step count the schedule can hold (DDIM: at most T; DPM-Solver: below T), named by key."""
    limit = schedule.timesteps if sampler.name == "ddim" else schedule.timesteps - 1
    if sampler.name != "ddpm" and sampler.steps > limit:
        raise ValueError(f"{key}.steps = {sampler.steps}: {sampler.name} needs at most {limit} steps with "
                         f"{schedule.timesteps} diffusion timesteps; lower it or raise the timesteps")


class OptimConfig(Section):
    max_steps: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0)
    weight_decay: float = Field(0.0, ge=0)
    lr_decay: Literal["linear", "constant", "cosine"] = "linear"
    warmup_steps: int = Field(0, ge=0, description="linear learning-rate warm-up from 0 over this many steps")


class EmaConfig(Section):
    """Exponential moving average of the weights (Lightning's ``EMAWeightAveraging``); samplers use the average."""

    enabled: bool = True
    decay: float = Field(0.999, gt=0, lt=1)


class MlpConfig(Section):
    """The shared FiLM MLP denoiser (:class:`invdiff.nets.ConditionalMLP`)."""

    width: int = Field(128, ge=1)
    depth: int = Field(3, ge=1, description="number of FiLM residual blocks")
    time_embed_dim: int = Field(64, ge=2)


def _non_negative(weights: list[float]) -> list[float]:
    if any(w < 0 for w in weights):
        raise ValueError("guidance weights must be >= 0")
    return weights


GuidanceWeights = Annotated[list[float], Field(min_length=1), AfterValidator(_non_negative)]
