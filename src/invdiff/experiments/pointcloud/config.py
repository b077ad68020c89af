"""Params section ``pointcloud``: IGO in 3D (issue 19) -- meshes, point clouds, classical baselines."""
from __future__ import annotations

from pydantic import Field, field_validator

from invdiff.sections import Section

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


class PointCloudConfig(Section):
    data: PointCloudDataConfig = PointCloudDataConfig()
    baselines: PointCloudBaselinesConfig = PointCloudBaselinesConfig()
