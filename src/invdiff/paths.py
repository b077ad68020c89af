"""Where things live. Every path is resolved against the *workspace* root, also from a queued DVC experiment."""
from __future__ import annotations

import os
from pathlib import Path

_EXP_TMP = (".dvc", "tmp", "exps")


def workspace_root(start: str | Path | None = None) -> Path:
    """The repository root a user works in.

    ``dvc exp run --queue`` / ``--temp`` run stages in clones under ``<workspace>/.dvc/tmp/exps/<tmp>/``; there
    "the repo root" is the clone, which is deleted afterwards. Results that must outlive it (the MLflow store)
    resolve back to the workspace. ``INVDIFF_WORKSPACE`` overrides the search.
    """
    if os.environ.get("INVDIFF_WORKSPACE"):
        return Path(os.environ["INVDIFF_WORKSPACE"]).resolve()
    here = Path(start or os.getcwd()).resolve()
    parts = here.parts
    for i in range(len(parts) - len(_EXP_TMP)):
        if parts[i : i + len(_EXP_TMP)] == _EXP_TMP:
            return Path(*parts[:i])
    for candidate in (here, *here.parents):
        if (candidate / "dvc.yaml").is_file() or (candidate / ".dvc").is_dir():
            return candidate
    return here


def checkpoint_scratch(task: str, fingerprint: str) -> Path:
    """Resumable in-progress checkpoints, kept outside DVC outputs (which DVC deletes before a stage runs).

    Relative to the current repo (a queued experiment resumes inside its own clone).
    """
    return Path(".checkpoints") / task / fingerprint
