"""The model ``invdiff sample-pose`` uses without ``--checkpoint``: chosen by ``eval_pose`` (the architecture and
guidance weight with the lowest alignment error on the validation protocol) and recorded beside the models in
``models/pose_default.json``, so the CLI reads one explicit record instead of a metrics file's layout."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from invdiff.errors import ConfigError
from invdiff.experiments.pose.task import ARCHS
from invdiff.headline import best_over_w
from invdiff.io import write_json
from invdiff.paths import models_dir

CRITERION = "pixel_alignment_error"
FALLBACK = ("mlp", 0.5)


@dataclass(frozen=True)
class DefaultModel:
    arch: str
    w: float
    pixel_alignment_error: float | None  # None: the fallback, nothing measured
    chosen_by: str

    def why(self) -> str:
        if self.pixel_alignment_error is None:
            return self.chosen_by
        return f"{self.chosen_by}: {self.arch} at w={self.w:g} (alignment {self.pixel_alignment_error:.4f})"


def record_path() -> Path:
    return models_dir() / "pose_default.json"


def choose(val: dict[str, dict], archs) -> DefaultModel:
    """The lowest ``CRITERION`` over the architectures' ``w=<w>`` rows of the val protocol."""
    best = {arch: best_over_w(val[arch], CRITERION) for arch in archs}
    arch = min(best, key=lambda a: best[a][1][CRITERION])
    w, row = best[arch]
    return DefaultModel(arch, w, row[CRITERION], "lowest val alignment over architectures and w (eval_pose)")


def write(choice: DefaultModel, path: Path | None = None) -> None:
    write_json(path or record_path(), asdict(choice))


def read(path: Path | None = None) -> DefaultModel:
    """The recorded choice; the MLP at w = 0.5 (and why) when ``eval_pose`` has not run."""
    path = path or record_path()
    if not path.is_file():
        return DefaultModel(*FALLBACK, None, f"no {path} yet (run `dvc repro eval_pose`): the MLP at w=0.5")
    try:
        choice = DefaultModel(**json.loads(path.read_text()))
        if choice.arch not in ARCHS:
            raise ValueError(f"unknown arch {choice.arch!r}, expected one of {', '.join(ARCHS)}")
        return choice
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a default-model record ({exc}); re-create it with `dvc repro eval_pose` "
                          "or pass --checkpoint and --w") from None
