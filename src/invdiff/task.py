"""The interface every trainable task implements, so that one ``train(task, params, out_dir)`` serves them all.

A task is a small object (one per experiment model, e.g. ``BraninTask()``, ``PoseTask("mlp")``,
``IgoTask(0.9)``) that knows its names, which part of the params determines its weights, where its data comes
from, and how to build and reload its LightningModule. Stage scripts construct their task directly;
:mod:`invdiff.experiments.registry` maps names to tasks for ``train(get_task("branin"), ...)`` and the tests.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import pytorch_lightning as pl
from torch.utils.data import DataLoader

from invdiff.sections import EmaConfig, Section

if TYPE_CHECKING:
    from invdiff.config import Params


@runtime_checkable
class Task(Protocol):
    name: str
    """Checkpoint folder, metrics/plots file names and the MLflow run name ``train_<name>``."""
    experiment: str
    """The MLflow experiment its runs land in."""
    depends_on: tuple[str, ...]
    """Other top-level params sections that determine its weights (e.g. the dataset section)."""

    def section(self, params: Params) -> Section:
        """The params that determine the trained weights (logged to MLflow, hashed into the resume key)."""
        ...

    def data_source(self, params: Params) -> str:
        """``"real"`` or ``"synthetic"``."""
        ...

    def averaging(self, params: Params) -> EmaConfig | None:
        """The weight average to train with, or None."""
        ...

    def build(self, params: Params) -> tuple[pl.LightningModule, DataLoader]:
        ...

    def load(self, path: str | Path) -> pl.LightningModule:
        """The trained module in eval mode (averaged weights when it was trained with averaging)."""
        ...
