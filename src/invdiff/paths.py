"""Where things live. Library code never assumes the working directory: it asks here.

- :func:`project_root` — the DVC project whose data, models, metrics and plots a call reads and writes: the
  ``INVDIFF_ROOT`` environment variable, else the nearest folder at or above the working directory that holds
  ``dvc.yaml``, else the checkout the package was installed from (a notebook anywhere still finds the project).
  A queued DVC experiment runs in a clone under ``.dvc/tmp/exps/``: there the clone is the project.
- :func:`workspace_root` — where results that must outlive such a clone go (the MLflow store): the workspace the
  clone was made from.
"""
from __future__ import annotations

import os
from pathlib import Path

_EXP_TMP = (".dvc", "tmp", "exps")
ROOT_ENV = "INVDIFF_ROOT"
_PACKAGE_CHECKOUT = Path(__file__).resolve().parents[2]  # <checkout>/src/invdiff/paths.py


def _nearest_project(start: Path) -> Path | None:
    for candidate in (start, *start.parents):
        if (candidate / "dvc.yaml").is_file():
            return candidate
    return None


def project_root() -> Path:
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    found = _nearest_project(Path.cwd().resolve())
    if found is not None:
        return found
    if (_PACKAGE_CHECKOUT / "dvc.yaml").is_file():
        return _PACKAGE_CHECKOUT
    return Path.cwd().resolve()


def workspace_root(start: str | Path | None = None) -> Path:
    """The repository root a user works in (``INVDIFF_WORKSPACE`` overrides the search).

    ``dvc exp run --queue`` / ``--temp`` run stages in clones under ``<workspace>/.dvc/tmp/exps/<tmp>/``, which are
    deleted afterwards; results that must outlive them resolve back to the workspace.
    """
    if os.environ.get("INVDIFF_WORKSPACE"):
        return Path(os.environ["INVDIFF_WORKSPACE"]).resolve()
    here = Path(start).resolve() if start else project_root()
    parts = here.parts
    for i in range(len(parts) - len(_EXP_TMP)):
        if parts[i: i + len(_EXP_TMP)] == _EXP_TMP:
            return Path(*parts[:i])
    for candidate in (here, *here.parents):
        if (candidate / "dvc.yaml").is_file() or (candidate / ".dvc").is_dir():
            return candidate
    return here


def project_path(*parts: str | Path) -> Path:
    """``project_root() / parts``; an absolute ``parts[0]`` is returned as it is."""
    return project_root().joinpath(*parts)


def models_dir() -> Path:
    return project_path("models")


def metrics_path(name: str) -> Path:
    """``metrics/<name>.json``: the small JSON committed to git."""
    return project_path("metrics", f"{name}.json")


def headline_path(name: str) -> Path:
    """``metrics/headline/<name>.json``: the stage's few headline numbers, the files DVC declares as metrics."""
    return project_path("metrics", "headline", f"{name}.json")


def timings_path(name: str) -> Path:
    """``timings/<name>.json``: wall-clock fields, kept out of the metrics (git-ignored, not a DVC output)."""
    return project_path("timings", f"{name}.json")


def plots_dir(name: str) -> Path:
    return project_path("plots", name)


def scratch_root() -> Path:
    """Resumable in-progress checkpoints, kept outside DVC outputs (which DVC deletes before a stage runs).

    In the current project (a queued experiment resumes inside its own clone).
    """
    return project_path(".checkpoints")


def checkpoint_scratch(task: str, seed: int) -> Path:
    """One folder per training (task and seed); what it may resume is decided by its resume key."""
    return scratch_root() / task / f"seed{seed}"
