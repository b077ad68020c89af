"""Params section ``panel``: IGO on panel data (rotating MNIST, MuJoCo hopper)."""
from __future__ import annotations

import math

from pydantic import Field

from invdiff.sections import Section


class RotMnistDataConfig(Section):
    """Sequences of a real digit turning (the bundled MNIST digits: train digits for train/val, test digits for test).
    """

    train: int = Field(1000, ge=1, description="sequences (the paper: 10,000)")
    val: int = Field(200, ge=1, description="sequences from train digits held out of training")
    test: int = Field(200, ge=1, description="sequences from the test digits")
    steps: int = Field(20, ge=2, description="frames per sequence (the paper: 10 interpolation + 10 extrapolation)")
    start_range: float = Field(math.pi / 2, ge=0, description="start angle ~ U[-r, r], radians")
    step_range: float = Field(math.pi / 4, ge=0, description="angle per step ~ U[-r, r], radians")
    val_digit_fraction: float = Field(0.1, gt=0, lt=1, description="share of the train digits kept for val")


class HopperDataConfig(Section):
    """Unactuated MuJoCo hopper trajectories, the 14-d state observed every ``substeps`` physics steps (5 ms)."""

    train: int = Field(1000, ge=1, description="trajectories (the paper: 10,000)")
    val: int = Field(200, ge=1)
    test: int = Field(200, ge=1)
    observations: int = Field(6, ge=2, description="states per trajectory (the paper: 3 interpolation + 3 "
                                                   "extrapolation)")
    substeps: int = Field(10, ge=1, description="physics steps between observations (10 x 5 ms = 50 ms)")
    init_range: float = Field(2.0, gt=0, description="initial angles and velocities ~ U[-r, r] (the paper: 2)")


class PanelDataConfig(Section):
    rotmnist: RotMnistDataConfig = RotMnistDataConfig()
    hopper: HopperDataConfig = HopperDataConfig()


class PanelConfig(Section):
    data: PanelDataConfig = PanelDataConfig()
