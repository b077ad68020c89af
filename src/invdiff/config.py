"""Typed view of ``params.yaml``: the one config layer (DVC ``-S`` overrides edit the same file).

Every section is a pydantic model with ``extra="forbid"`` and strict types, so an unknown or ill-typed key
fails with one line naming its path, e.g. ``branin.train.lr: expected a number, got 'fast'``.
Strict mode still accepts an int where a float is expected (``lr: 1`` is fine).
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from invdiff.errors import ConfigError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ---------------------------------------------------------------- shared sections
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
    name: Literal["ddpm", "ddim"] = "ddpm"
    steps: int = Field(1000, ge=1, description="DDIM steps; DDPM always uses all timesteps")
    eta: float = Field(0.0, ge=0.0, description="DDIM stochasticity (1.0 = DDPM posterior variance)")
    clip_x0: float | None = Field(None, gt=0, description="clip the predicted x_0 to [-c, c] (data range)")


class OptimConfig(Section):
    max_steps: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0)
    weight_decay: float = Field(0.0, ge=0)
    lr_decay: Literal["linear", "constant", "cosine"] = "linear"


def _non_negative(weights: list[float]) -> list[float]:
    if any(w < 0 for w in weights):
        raise ValueError("guidance weights must be >= 0")
    return weights


GuidanceWeights = Annotated[list[float], Field(min_length=1), AfterValidator(_non_negative)]


# ---------------------------------------------------------------- branin
class BraninDataConfig(Section):
    n_train: int = Field(20000, ge=16)


class MlpConfig(Section):
    width: int = Field(128, ge=1)
    depth: int = Field(3, ge=1, description="number of FiLM residual blocks")
    time_embed_dim: int = Field(64, ge=2)


class BraninEvalConfig(Section):
    targets: list[float] = Field(min_length=1)
    guidance_weights: GuidanceWeights
    n_samples: int = Field(512, ge=2, description="samples per target, the same budget for every method")
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


# ---------------------------------------------------------------- mnist
MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"]


class MnistConfig(Section):
    source: Literal["bundled", "idx"] = "bundled"
    test_fraction: float = Field(0.2, gt=0, lt=1, description="bundled source only: share held out for testing")
    idx_dir: str = "data/external/mnist"
    download: bool = False
    urls: list[str] = Field(default_factory=lambda: list(MNIST_MIRRORS))


class ClassifierConfig(Section):
    feature_dim: int = Field(32, ge=2)
    train: OptimConfig


class UnetConfig(Section):
    n_feat: int = Field(16, ge=8, multiple_of=8)


class MnistEvalConfig(Section):
    guidance_weights: GuidanceWeights
    samples_per_class: int = Field(20, ge=2)
    sampler: SamplerConfig = SamplerConfig()


class MnistCfgConfig(Section):
    diffusion: ScheduleConfig = ScheduleConfig()
    model: UnetConfig = UnetConfig()
    train: OptimConfig
    eval: MnistEvalConfig


# ---------------------------------------------------------------- pose data
VPOSER_VAL = ["HumanEva", "MPI_HDM05", "SFU", "MPI_mosh"]
VPOSER_TEST = ["Transitions_mocap", "SSM_synced"]


class BodyModelConfig(Section):
    path: str | None = Field(None, description="licensed SMPL file; null = the synthetic stand-in")


class AmassSplitsConfig(Section):
    val: list[str] = Field(default_factory=lambda: list(VPOSER_VAL))
    test: list[str] = Field(default_factory=lambda: list(VPOSER_TEST))


class SyntheticCounts(Section):
    train: int = Field(120, ge=1)
    val: int = Field(20, ge=1)
    test: int = Field(20, ge=1)


class SyntheticMotionConfig(Section):
    sequences: SyntheticCounts = SyntheticCounts()
    seconds: list[float] = Field(default_factory=lambda: [4.0, 8.0], min_length=2, max_length=2,
                                 description="[min, max] length of a sequence")
    fps: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self):
        low, high = self.seconds
        if not 0 < low <= high:
            raise ValueError(f"seconds must be [min, max] with 0 < min <= max, got {self.seconds}")
        return self


class AmassConfig(Section):
    source: Literal["synthetic", "dir"] = "synthetic"
    root: str = "data/external/amass"
    splits: AmassSplitsConfig = AmassSplitsConfig()
    on_bad_file: Literal["skip", "error"] = "skip"
    synthetic: SyntheticMotionConfig = SyntheticMotionConfig()


Vector3 = Annotated[list[float], Field(min_length=3, max_length=3)]


class CameraConfig(Section):
    image_size: int = Field(600, ge=16)
    fov_deg: float = Field(45.0, gt=0, lt=180, description="vertical field of view")
    offset: Vector3 = Field(default_factory=lambda: [2.0, 2.0, 1.0],
                            description="camera position minus the body centre, metres, Z-up world")
    up: Vector3 = Field(default_factory=lambda: [0.0, 0.0, 1.0])


class PoseDataConfig(Section):
    fps: float = Field(30.0, gt=0, description="AMASS sequences are resampled to this rate")
    frame_stride: int = Field(1, ge=1, description="then every k-th frame is kept")


class PoseTransformerConfig(Section):
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


class EmaConfig(Section):
    enabled: bool = True
    decay: float = Field(0.999, gt=0, lt=1)


class PaperProtocolConfig(Section):
    """The authors' evaluation: the first training sequences, their first seconds (Table 1)."""

    sequences: int = Field(10, ge=1)
    seconds: float = Field(5.0, gt=0)
    frame_stride: int = Field(1, ge=1, description="every k-th of those frames (CPU budget)")


class PoseEvalConfig(Section):
    guidance_weights: GuidanceWeights
    samples_per_input: int = Field(8, ge=2, description="K: samples per keypoint input")
    val_inputs: int = Field(128, ge=1, description="evenly spaced frames of the validation split")
    paper: PaperProtocolConfig = PaperProtocolConfig()
    sampler: SamplerConfig = SamplerConfig()
    batch_size: int = Field(4096, ge=1, description="network batch while sampling (guidance doubles it)")
    figure_inputs: int = Field(3, ge=1)


class PoseDescentConfig(Section):
    steps: int = Field(300, ge=1)
    lr: float = Field(0.05, gt=0)
    prior_weight: float = Field(0.0, ge=0, description="weight of ||x - mean training pose||^2")
    init_noise: float = Field(0.3, ge=0, description="start k > 0: mean pose + N(0, s^2) in 6D")


class DpsConfig(Section):
    zetas: list[float] = Field(default_factory=lambda: [0.1, 0.3, 1.0], min_length=1)
    sweep_inputs: int = Field(16, ge=1, description="val inputs used to choose zeta")
    steps: int = Field(50, ge=1)
    eta: float = Field(1.0, ge=0)
    cfg_weight: float = Field(2.0, ge=0, description="w of the guided model in cfg+dps")


class PoseBaselinesConfig(Section):
    gradient_descent: PoseDescentConfig = PoseDescentConfig()
    dps: DpsConfig = DpsConfig()


class PoseConfig(Section):
    data: PoseDataConfig = PoseDataConfig()
    diffusion: ScheduleConfig = ScheduleConfig(timesteps=500)
    mlp: MlpConfig = MlpConfig()
    transformer: PoseTransformerConfig = PoseTransformerConfig()
    train: OptimConfig
    ema: EmaConfig = EmaConfig()
    eval: PoseEvalConfig
    baselines: PoseBaselinesConfig = PoseBaselinesConfig()


# ---------------------------------------------------------------- IGO (cat-map SDE score model)
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
    channels: list[Annotated[int, Field(ge=4)]] = Field(default_factory=lambda: [32, 64, 128, 256], min_length=4,
                                                        max_length=4)
    embed_dim: int = Field(256, ge=4, multiple_of=2)
    fourier_scale: float = Field(30.0, gt=0)


class IgoSamplerConfig(Section):
    name: Literal["ode", "euler_maruyama"] = "ode"
    rtol: float = Field(1.0e-5, gt=0, description="ode: solve_ivp relative tolerance")
    atol: float = Field(1.0e-5, gt=0, description="ode: solve_ivp absolute tolerance")
    steps: int = Field(500, ge=1, description="euler_maruyama: number of reverse-SDE steps")


class IgoEvalConfig(Section):
    num_samples: int = Field(500, ge=10, description="generated images per FID (and real images for the floor)")
    batch_size: int = Field(500, ge=1, description="network batch inside the sampler")
    sampler: IgoSamplerConfig = IgoSamplerConfig()


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
    eval: IgoEvalConfig = IgoEvalConfig()


# ---------------------------------------------------------------- root
class Params(Section):
    seed: int = 0
    mlflow: MlflowConfig = MlflowConfig()
    trainer: TrainerConfig = TrainerConfig()
    branin: BraninConfig
    mnist: MnistConfig = MnistConfig()
    classifier: ClassifierConfig
    mnist_cfg: MnistCfgConfig
    body_model: BodyModelConfig = BodyModelConfig()
    amass: AmassConfig = AmassConfig()
    camera: CameraConfig = CameraConfig()
    pose: PoseConfig
    igo: IgoConfig


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _format_error(err: dict[str, Any]) -> str:
    path = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{path}: unknown key (check the spelling; allowed keys are listed in params.yaml)"
    if kind == "missing":
        return f"{path}: required key is missing"
    return f"{path}: {err['msg'].lower()}, got {_describe(err.get('input'))}"


def parse_params(raw: Any, source: str = "params") -> Params:
    """Validate a params mapping; raises :class:`ConfigError` with one line per offending key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of sections at the top level, got {_describe(raw)}")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        lines = [_format_error(e) for e in exc.errors()]
        raise ConfigError(f"{source}: " + "; ".join(lines)) from None


def load_yaml(path: str | Path) -> Any:
    """YAML 1.2 (ruamel, as DVC writes it), so ``1e-4`` is a float and not a string."""
    from ruamel.yaml import YAML, YAMLError

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: params file not found (run from the repository root, or pass --params)")
    try:
        return YAML(typ="safe", pure=True).load(path.read_text())
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None


def load_params(path: str | Path = "params.yaml") -> Params:
    return parse_params(load_yaml(path), source=str(path))


def flatten(section: BaseModel | dict, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``, for MLflow params."""
    data = section.model_dump() if isinstance(section, BaseModel) else section
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out
