"""LightningModules and task glue, one module per experiment; ``get_task(name)`` is the registry."""
from __future__ import annotations

import importlib
from types import ModuleType

TASKS = ("branin", "classifier", "mnist_cfg", "pose_mlp", "pose_transformer")


def get_task(name: str) -> ModuleType:
    """A task module exposing NAME, EXPERIMENT, section(params), data_source(params), build(params), load(path).

    The pose tasks (one per architecture) and the IGO tasks (one per loss weight, ``igo_alpha0.9``) are modules
    parameterised by that choice, so they come back as objects with the same attributes.
    """
    if name.startswith("igo_alpha"):
        from invdiff.tasks.igo import get_igo_task

        return get_igo_task(name)  # type: ignore[return-value]
    if name.startswith("pose_") and name in TASKS:
        from invdiff.tasks.pose import get_pose_task

        return get_pose_task(name)  # type: ignore[return-value]
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}, igo_alpha<alpha>")
    return importlib.import_module(f"invdiff.tasks.{name}")
