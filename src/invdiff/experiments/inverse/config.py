"""Params section ``inverse``: the operators, the noise level, the two diffusion models and the evaluation protocol.

Every knob a sampler is tuned over is a list (its grid, chosen on the tuning split); a value of the wrong sign, an
unknown operator kind, a missing fraction outside (0, 1) or a box larger than the image fails here, naming the key.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from invdiff.experiments.mnist.config import UnetConfig
from invdiff.sections import EmaConfig, OptimConfig, ScheduleConfig, Section

IMAGE_SIZE = 28


class OperatorSpec(Section):
    """One forward operator; only the settings of its ``kind`` may be given."""

    kind: Literal["denoise", "box", "random", "blur", "pool"]
    size: int | None = Field(None, description="box: side of the missing centre square, px")
    missing: float | None = Field(None, gt=0, lt=1, description="random: share of pixels missing")
    seed: int | None = Field(None, ge=0, description="random: which pixels (fixed for every image)")
    kernel: int | None = Field(None, description="blur: odd kernel side, px")
    width: float | None = Field(None, gt=0, description="blur: Gaussian width, px")
    factor: int | None = Field(None, description="pool: average-pooling factor (super-resolution ×factor)")

    @model_validator(mode="after")
    def _settings_fit_the_kind(self):
        allowed = {"denoise": set(), "box": {"size"}, "random": {"missing", "seed"}, "blur": {"kernel", "width"},
                   "pool": {"factor"}}[self.kind]
        given = {k for k in ("size", "missing", "seed", "kernel", "width", "factor") if getattr(self, k) is not None}
        if given - allowed:
            raise ValueError(f"{', '.join(sorted(given - allowed))} is not a setting of kind {self.kind!r} "
                             f"(its settings: {', '.join(sorted(allowed)) or 'none'})")
        if self.kind == "box" and not (self.size is not None and 0 < self.size < IMAGE_SIZE):
            raise ValueError(f"box size must be an integer in (0, {IMAGE_SIZE}) px, got {self.size}")
        if self.kind == "random" and self.missing is None:
            raise ValueError("random needs missing: the share of pixels missing, in (0, 1)")
        if self.kind == "blur" and not (self.kernel is not None and self.kernel % 2 == 1
                                        and 0 < self.kernel <= IMAGE_SIZE and self.width is not None):
            raise ValueError(f"blur needs an odd kernel in [1, {IMAGE_SIZE}] and a width > 0, got kernel "
                             f"{self.kernel}, width {self.width}")
        if self.kind == "pool" and not (self.factor is not None and self.factor >= 2
                                        and IMAGE_SIZE % self.factor == 0):
            raise ValueError(f"pool factor must be >= 2 and divide {IMAGE_SIZE}, got {self.factor}")
        return self

    def settings(self) -> dict:
        """The keyword arguments of :func:`~invdiff.experiments.inverse.operators.make_operator`."""
        return {k: v for k, v in self.model_dump().items() if k != "kind" and v is not None}


class DpsGrid(Section):
    zeta: list[float] = Field(min_length=1, description="likelihood-score scale (1/σ_y² weight inside)")


class ZetaGrid(Section):
    zeta: list[float] = Field(min_length=1, description="likelihood-score scale (1 = as derived)")


class LangevinGrid(Section):
    eps0: list[float] = Field(min_length=1, description="step at the last level, α_L (α_i = eps0 σ_i²/σ_L²)")
    inner_steps: int = Field(1, ge=1, description="moves per level; levels = steps // inner_steps")
    sigma_min: float = Field(0.05, gt=0)


class UlaGrid(Section):
    step: list[float] = Field(min_length=1, description="γ of x ← x + γ s(x) + √(2γ) z")
    sigma: float = Field(0.05, gt=0, description="noise level whose network score stands in for ∇log p(x)")


class GpnpGrid(Section):
    beta: list[float] = Field(min_length=1, description="prior-generator mixing β in (0, 1]")
    sigma_max: list[float] = Field(min_length=1)
    sigma_min: float = Field(0.02, gt=0)


class InverseEvalConfig(Section):
    inputs: int = Field(40, ge=40, multiple_of=10, description="test (and tuning) digits per operator, class-"
                                                               "balanced; FID needs more than the 32 features")
    calibration_inputs: int = Field(5, ge=1, description="of those, how many get calibration_samples draws")
    calibration_samples: int = Field(19, ge=3, description="19: the sample range is an exact 90 % interval "
                                                           "and the 5th-15th order statistics a 50 % one")
    seeds: int = Field(3, ge=1, description="paired sampling seeds, the same for every method")
    steps: int = Field(25, ge=2, description="network evaluations per sample of the reported table")
    pareto_steps: list[int] = Field(min_length=1, description="extra step budgets of the Pareto figure")
    floor_draws: int = Field(5, ge=2)
    guidance_weights: list[float] = Field(min_length=1)
    dps: DpsGrid
    pigdm: ZetaGrid
    tmpd: ZetaGrid
    langevin: LangevinGrid
    ula: UlaGrid
    gpnp: GpnpGrid

    @model_validator(mode="after")
    def _signs(self):
        checks = {"dps.zeta": self.dps.zeta, "pigdm.zeta": self.pigdm.zeta, "tmpd.zeta": self.tmpd.zeta,
                  "langevin.eps0": self.langevin.eps0, "ula.step": self.ula.step,
                  "gpnp.sigma_max": self.gpnp.sigma_max}
        for key, values in checks.items():
            if any(not v > 0 for v in values):
                raise ValueError(f"{key}: every value must be > 0, got {values}")
        if any(not 0 < b <= 1 for b in self.gpnp.beta):
            raise ValueError(f"gpnp.beta: every value must be in (0, 1], got {self.gpnp.beta}")
        if any(s < self.gpnp.sigma_min for s in self.gpnp.sigma_max):
            raise ValueError(f"gpnp.sigma_max: every value must be >= gpnp.sigma_min {self.gpnp.sigma_min}")
        if any(w < 0 for w in self.guidance_weights):
            raise ValueError(f"guidance_weights: every w must be >= 0, got {self.guidance_weights}")
        if any(s < 2 for s in self.pareto_steps):
            raise ValueError(f"pareto_steps: every budget must be >= 2, got {self.pareto_steps}")
        if self.calibration_inputs > self.inputs:
            raise ValueError(f"calibration_inputs {self.calibration_inputs} exceeds inputs {self.inputs}")
        return self


class InverseConfig(Section):
    sigma_y: float = Field(0.05, gt=0, description="observation noise sd on the [-1, 1] pixel scale")
    tuning_fraction: float = Field(0.1, gt=0, lt=1, description="share of the training digits held out to tune")
    operators: dict[str, OperatorSpec] = Field(min_length=1)
    diffusion: ScheduleConfig = ScheduleConfig()
    model: UnetConfig = UnetConfig()
    train: OptimConfig
    ema: EmaConfig = EmaConfig(enabled=False)
    pairs_per_image: int = Field(4, ge=1, description="(x, y) pairs drawn per training digit for the learned "
                                                      "optimizer, each with a random operator and fresh noise")
    eval: InverseEvalConfig

# this experiment's top-level params sections, found by invdiff.config (a class: required; an instance: default)
SECTIONS = {"inverse": InverseConfig}
