"""Params sections ``body_model``, ``amass``, ``camera`` and ``pose.data``: what the data stages read."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from invdiff.sections import Section

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
