"""Params section ``pointcloud``: IGO in 3D (issue 19) -- meshes, point clouds, classical baselines."""
from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from invdiff.sections import OptimConfig, Section

PU_NET_TEST = ["camel", "cow", "eight", "elephant", "elk", "fandisk", "icosahedron", "octahedron", "pig", "star"]
TRAIN = ["bull", "ChineseDragon-10kv", "hand", "head", "homer", "lion", "mushroom", "triceratops", "femur", "knot1",
         "rotor", "spool"]


class PointCloudDataConfig(Section):
    """Clouds sampled uniformly on the meshes of ``data/meshes/`` (CGAL's, data/meshes/SOURCES.md), normalised to
    the unit sphere, with Gaussian noise of std ``noise`` x the bounding radius (1)."""

    train_meshes: list[str] = Field(default_factory=lambda: list(TRAIN), min_length=1)
    test_meshes: list[str] = Field(default_factory=lambda: list(PU_NET_TEST), min_length=1,
                                   description="the PU-Net test meshes CGAL ships (10 of the paper's 20)")
    points: list[int] = Field(default_factory=lambda: [10000], min_length=1,
                              description="cloud sizes (the paper: 10K and 50K)")
    noise: list[float] = Field(default_factory=lambda: [0.01, 0.02], min_length=1,
                               description="noise std as a share of the bounding radius (the paper: 1 % and 2 %)")

    @field_validator("points")
    @classmethod
    def _enough_points(cls, value):
        if any(n < 200 for n in value):
            raise ValueError(f"every cloud size must be at least 200 points, got {value}")
        return value

    @field_validator("noise")
    @classmethod
    def _positive_noise(cls, value):
        if any(s <= 0 for s in value):
            raise ValueError(f"noise levels must be positive shares of the radius, got {value}")
        return value


class BilateralConfig(Section):
    k: int = Field(16, ge=4, description="neighbours at 10K points (scaled with the cloud size)")
    sigma_n: float = Field(2.0, gt=0, description="range scale of the heights, in units of the noise std")
    passes_per_percent: float = Field(1.0, gt=0, description="filter passes per 1 % of noise (rounded, >= 1)")


class JetConfig(Section):
    k: int = Field(16, ge=6, description="neighbours at 10K points and 1 % noise (scaled with the cloud size and "
                                         "the noise level)")


class PointCloudBaselinesConfig(Section):
    bilateral: BilateralConfig = BilateralConfig()
    jet: JetConfig = JetConfig()


class ScoreNetConfig(Section):
    """Sizes of the score-based denoiser (Luo & Hu's, smaller): edge convolutions -> per-point features; score
    estimator E -> residual blocks -> D."""

    convs: int = Field(3, ge=1, description="edge convolutions of the feature extractor (Luo & Hu: 4)")
    width: int = Field(32, ge=4, description="channels per edge convolution (features: convs x width)")
    knn: int = Field(16, ge=2, description="neighbours of the feature graph")
    hidden: int = Field(64, ge=4, description="width of the score estimator (Luo & Hu: 128)")
    blocks: int = Field(2, ge=0, description="residual blocks between E and D (Luo & Hu: 4)")
    unit: float = Field(0.02, gt=0, description="length unit of the network's inputs and outputs (about the "
                                                "point spacing of a 10K cloud in the unit sphere)")


class ScoreTrainConfig(OptimConfig):
    frames: int = Field(32, ge=1, description="frame centres per patch whose neighbourhoods are scored")
    frame_knn: int = Field(32, ge=1, description="points per frame (Luo & Hu: 32)")
    threads: int = Field(2, ge=1, description="torch threads while training")


class ScoreTrainingConfig(Section):
    """Denoising score matching on patches of the train meshes (pretraining), then fine-tuning from the pretrained
    weights twice per seed: plainly (alpha = 1) and with IGO's intermediate pathway (alpha)."""

    patch_points: int = Field(512, ge=16, description="noisy points per training patch (Luo & Hu: 1000)")
    draws: int = Field(4, ge=1, description="clean clouds sampled per train mesh and cloud size, each noised once")
    patches_per_cloud: int = Field(24, ge=1)
    noise_min: float = Field(0.005, gt=0, description="training noise std ~ U[noise_min, noise_max] (Luo & Hu)")
    noise_max: float = Field(0.02, gt=0)
    pretrain: ScoreTrainConfig = ScoreTrainConfig(max_steps=1500, batch_size=8, lr=2.0e-3, lr_decay="cosine")
    finetune: ScoreTrainConfig = ScoreTrainConfig(max_steps=150, batch_size=8, lr=3.0e-4, lr_decay="constant")
    alpha: float = Field(0.8, gt=0, le=1, description="IGO fine-tuning: loss = alpha L(x_t) + (1 - alpha) R(x_tau)")
    seeds: int = Field(3, ge=1, description="fine-tuning seeds (paired: plain and IGO share each)")
    track_every: int = Field(10, ge=1, description="steps between the Figure 5b weight comparisons")

    @model_validator(mode="after")
    def _noise_range(self):
        if self.noise_min > self.noise_max:
            raise ValueError(f"pointcloud.training: noise_min ({self.noise_min}) is above noise_max "
                             f"({self.noise_max})")
        return self


class DenoiseConfig(Section):
    """Gradient ascent on the ensembled score (Luo & Hu: 30 steps of 0.2 x 0.95^k, an ensemble of 4); the step size
    chosen on the train meshes' clouds (python benchmarks/pointcloud_denoise.py)."""

    steps: int = Field(30, ge=1)
    step_size: float = Field(0.1, gt=0, description="first step, times the (mean) score, at 1 % noise")
    scale_with_noise: bool = Field(True, description="step size x the noise level in percent (0.2 at 2 %)")
    decay: float = Field(0.95, gt=0, le=1, description="step size factor per step")
    ensemble: int = Field(4, ge=1, description="frame centres whose scores are averaged at a point")

    def step_at(self, noise: float) -> float:
        return self.step_size * (noise / 0.01 if self.scale_with_noise else 1.0)


class PointCloudConfig(Section):
    data: PointCloudDataConfig = PointCloudDataConfig()
    baselines: PointCloudBaselinesConfig = PointCloudBaselinesConfig()
    model: ScoreNetConfig = ScoreNetConfig()
    training: ScoreTrainingConfig = ScoreTrainingConfig()
    denoise: DenoiseConfig = DenoiseConfig()

# this experiment's top-level params sections, found by invdiff.config (a class: required; an instance: default)
SECTIONS = {"pointcloud": PointCloudConfig()}
