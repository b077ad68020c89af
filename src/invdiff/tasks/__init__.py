"""LightningModules and task glue, one module per experiment; ``get_task(name)`` is the registry."""
from __future__ import annotations

import importlib
from types import ModuleType

TASKS = ("branin", "classifier", "mnist_cfg")


def get_task(name: str) -> ModuleType:
    """A task module exposing NAME, EXPERIMENT, section(params), data_source(params), build(params), load(path)."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    return importlib.import_module(f"invdiff.tasks.{name}")
