"""Params section ``pose`` (the data sections it shares with the data stages live in :mod:`.data.config`)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from invdiff.experiments.pose.data.config import AmassConfig, BodyModelConfig, CameraConfig, PoseDataConfig
from invdiff.sections import (
    EmaConfig,
    GuidanceWeights,
    MlpConfig,
    OptimConfig,
    SamplerConfig,
    ScheduleConfig,
    Section,
    check_sampler_steps,
)


class PoseMlpConfig(MlpConfig):
    variant: Literal["ours", "authors"] = Field(
        "ours", description="ours: LayerNorm + FiLM MLP; authors: their BatchNorm MLP (time_embed_dim unused)")


class PoseTransformerConfig(Section):
    time_conditioning: Literal["adaln", "token"] = Field(
        "adaln", description="adaln: time modulates every layer (DiT); token: the authors' single time token")
    width: int = Field(256, ge=8)
    heads: int = Field(8, ge=1)
    mlp_ratio: float = Field(2.0, gt=0)
    joint_layers: int = Field(4, ge=0)
    keypoint_layers: int = Field(4, ge=0)
    decoder_rounds: int = Field(4, ge=1, description="each: a layer attending to t, then one to the keypoints")

    @model_validator(mode="after")
    def _heads_divide_width(self):
        if self.width % self.heads:
            raise ValueError(f"width ({self.width}) must be a multiple of heads ({self.heads})")
        return self


class StandardizeConfig(Section):
    """The diffusion space: x6d and keypoints standardised with training statistics (kept in the checkpoint)."""

    enabled: bool = True
    x_std_floor: float = Field(0.01, gt=0, description="floor of a 6D dimension's std (constant dims stay fixed)")
    keypoint_std_floor_px: float = Field(0.5, gt=0, description="floor of a keypoint coordinate's std, pixels")


class KeypointDropoutConfig(Section):
    """Training examples with keypoints missing (per-keypoint mask tokens), so a detector's partial keypoints are
    answered as they are rather than filled in. The mid-hip is never dropped: it is where the framing pins the
    root."""

    p_partial: float = Field(0.0, ge=0, le=1, description="share of (conditional) training examples with keypoints "
                                                          "missing; 0: trained on complete keypoints only")
    max_missing: int = Field(4, ge=1, le=24, description="such an example misses 1..max_missing keypoints (uniform)")


class PoseTrainConfig(Section):
    """One budget per architecture (the defaults give both about the same wall time on 2 CPU cores)."""

    mlp: OptimConfig
    transformer: OptimConfig


class PaperProtocolConfig(Section):
    """The authors' evaluation: the first training sequences, their first seconds (Table 1)."""

    sequences: int = Field(10, ge=1)
    seconds: float = Field(5.0, gt=0)
    frame_stride: int = Field(1, ge=1, description="every k-th of those frames (CPU budget)")


class PoseEvalConfig(Section):
    guidance_weights: GuidanceWeights
    samples_per_input: int = Field(8, ge=2, description="K: samples per keypoint input")
    seeds: int = Field(3, ge=1, description="sampling seeds, the same for every w and method (paired)")
    val_inputs: int = Field(128, ge=1, description="evenly spaced frames of the validation split")
    paper: PaperProtocolConfig = PaperProtocolConfig()
    sampler: SamplerConfig = SamplerConfig()
    steps_by_arch: dict[Literal["mlp", "transformer"], PositiveInt] = Field(
        default_factory=dict, description="an architecture's sampler steps where they differ from sampler.steps "
                                          "(each chosen by benchmarks/sampler_steps.py, docs/speed.md)")
    batch_size: int = Field(4096, ge=1, description="network batch while sampling (guidance doubles it)")
    figure_inputs: int = Field(3, ge=1)

    def sampler_for(self, arch: str) -> SamplerConfig:
        """The sampler an architecture's samples are drawn with (its own step count, if it has one)."""
        steps = self.steps_by_arch.get(arch)
        return self.sampler if steps is None else self.sampler.model_copy(update={"steps": steps})


class PoseDescentConfig(Section):
    steps: int = Field(300, ge=1)
    lr: float = Field(0.05, gt=0)
    prior_weight: float = Field(0.0, ge=0, description="weight of ||x - mean training pose||^2")
    init_noise: float = Field(0.3, ge=0, description="start k > 0: mean pose + N(0, s^2) in 6D")
    map_prior_weights: list[float] = Field(default_factory=lambda: [1e-6, 1e-5, 1e-4, 1e-3], min_length=1,
                                           description="MAP with the linear-Gaussian prior: weights tried on the "
                                                       "sweep inputs; the best is reported")


class DpsConfig(Section):
    zetas: list[float] = Field(default_factory=lambda: [0.3, 1.0, 3.0, 10.0], min_length=1)
    priors: list[Literal["mlp", "transformer"]] = Field(default_factory=lambda: ["mlp", "transformer"],
                                                        min_length=1, description="trained models tried as prior")
    sweep_inputs: int = Field(16, ge=1, description="val frames, disjoint from the reported ones, that choose "
                                                    "zeta, the prior and the MAP weight")
    steps: int = Field(50, ge=1)
    eta: float = Field(1.0, ge=0)
    cfg_weight: float = Field(2.0, ge=0, description="w of the guided model in cfg+dps")


class RefineConfig(Section):
    """Descent through the forward model from the learned samples (``sample-pose --refine``; a baselines row)."""

    steps: int = Field(150, ge=1, description="Adam steps on the misfit of the present keypoints")
    lr: float = Field(0.01, gt=0)


class PoseBaselinesConfig(Section):
    gradient_descent: PoseDescentConfig = PoseDescentConfig()
    dps: DpsConfig = DpsConfig()
    refine: RefineConfig = RefineConfig()


class PoseConfig(Section):
    data: PoseDataConfig = PoseDataConfig()
    diffusion: ScheduleConfig = ScheduleConfig(timesteps=500)
    standardize: StandardizeConfig = StandardizeConfig()
    keypoint_dropout: KeypointDropoutConfig = KeypointDropoutConfig()
    mlp: PoseMlpConfig = PoseMlpConfig()
    transformer: PoseTransformerConfig = PoseTransformerConfig()
    train: PoseTrainConfig
    ema: EmaConfig = EmaConfig()
    eval: PoseEvalConfig
    baselines: PoseBaselinesConfig = PoseBaselinesConfig()

    @model_validator(mode="after")
    def _steps_fit_the_schedule(self):
        check_sampler_steps(self.eval.sampler, self.diffusion, "pose.eval.sampler")
        for arch, steps in self.eval.steps_by_arch.items():
            check_sampler_steps(self.eval.sampler_for(arch), self.diffusion, f"pose.eval.steps_by_arch.{arch} "
                                                                             f"(sampler {self.eval.sampler.name})")
        return self

# this experiment's top-level params sections, found by invdiff.config (a class: required; an instance: default)
SECTIONS = {"body_model": BodyModelConfig(), "amass": AmassConfig(), "camera": CameraConfig(), "pose": PoseConfig}
