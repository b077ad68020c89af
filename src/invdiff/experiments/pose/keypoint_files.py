"""Keypoint inputs a person has: OpenPose JSON (one file or a folder of per-frame files, every person in each),
or this project's ``.json`` / ``.npz``. Missing joints (OpenPose confidence below the threshold, or NaN) are
allowed and marked; everything else that is wrong is one :class:`ConfigError` naming the file.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.pose.data.skeleton import BODY25_NAMES, NUM_BODY25

MIN_PRESENT = 6  # fewer joints than this do not pin a body's scale and pose
TORSO = tuple(BODY25_NAMES.index(name) for name in ("neck", "mid_hip", "right_hip", "left_hip",
                                                     "right_shoulder", "left_shoulder"))


@dataclass
class KeypointInputs:
    keypoints: np.ndarray  # [N, 25, 2] float32 pixels; missing joints NaN
    present: np.ndarray    # [N, 25] bool
    labels: list[str]      # where each input came from: "<file> person <p>" / "<file>[<n>]"


def _openpose_people(path: Path, payload: dict, threshold: float) -> tuple[list[np.ndarray], list[str]]:
    people = payload.get("people")
    if not isinstance(people, list):
        raise ConfigError(f"--keypoints: {path} is OpenPose JSON without a 'people' list")
    rows, labels = [], []
    for p, person in enumerate(people):
        flat = person.get("pose_keypoints_2d") if isinstance(person, dict) else None
        try:
            values = np.asarray(flat, dtype=np.float64)
        except (TypeError, ValueError):
            values = np.empty(0)
        if values.shape != (3 * NUM_BODY25,):
            got = "none" if flat is None else f"{values.size} numbers"
            raise ConfigError(f"--keypoints: {path}, person {p}: pose_keypoints_2d must hold 75 numbers (BODY_25 "
                              f"x, y, confidence), got {got}; run OpenPose with --model_pose BODY_25")
        triples = values.reshape(NUM_BODY25, 3)
        xy = triples[:, :2].copy()
        xy[triples[:, 2] < threshold] = np.nan  # OpenPose writes 0, 0, 0 for a joint it did not find
        rows.append(xy)
        labels.append(f"{path.name} person {p}")
    return rows, labels


def _read_file(path: Path, threshold: float) -> tuple[list[np.ndarray], list[str]]:
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                if "keypoints" not in data.files:
                    raise ConfigError(f"--keypoints: {path} has no 'keypoints' array (keys: {sorted(data.files)})")
                keypoints = np.asarray(data["keypoints"], dtype=np.float64)
        except (OSError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise ConfigError(f"--keypoints: {path} is not a readable .npz with a numeric 'keypoints' array "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'unreadable'})"
                              ) from None
    elif path.suffix == ".json":
        try:
            payload = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--keypoints: {path} is not valid JSON ({exc})") from None
        if isinstance(payload, dict) and "people" in payload:
            return _openpose_people(path, payload, threshold)
        try:
            keypoints = np.asarray(payload["keypoints"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"--keypoints: {path} is neither OpenPose JSON ({{\"people\": [...]}}) nor "
                              f"{{\"keypoints\": [[u, v], ...]}} ({type(exc).__name__}: {exc})") from None
    else:
        raise ConfigError(f"--keypoints: {path} must be .json (OpenPose or ours), .npz, or a folder of them")
    if keypoints.ndim == 2:
        keypoints = keypoints[None]
    if keypoints.ndim != 3 or keypoints.shape[1:] != (NUM_BODY25, 2):
        raise ConfigError(f"--keypoints: {path}: expected [N, 25, 2] or [25, 2] (BODY_25 order, pixels), got "
                          f"{list(keypoints.shape)}")
    return list(keypoints), [f"{path.name}[{i}]" for i in range(len(keypoints))]


def read_keypoint_inputs(path: str | Path, confidence_threshold: float = 0.1) -> KeypointInputs:
    """Every person of every file (a folder: its ``.json``/``.npz`` files in name order, one per frame)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".npz") and p.is_file())
        if not files:
            raise ConfigError(f"--keypoints: the folder {path} holds no .json or .npz files")
    elif path.is_file():
        files = [path]
    else:
        raise MissingInputError(f"--keypoints: {path} does not exist")
    rows, labels = [], []
    for file in files:
        r, lab = _read_file(file, confidence_threshold)
        rows += r
        labels += lab
    if not rows:
        raise ConfigError(f"--keypoints: {path} holds no person (OpenPose found nobody?)")
    keypoints = np.stack(rows)
    infinite = np.isinf(keypoints).any(-1)
    if infinite.any():
        n, k = np.argwhere(infinite)[0]
        raise ConfigError(f"--keypoints: {labels[n]}, keypoint {k} ({BODY25_NAMES[k]}) is infinite")
    present = np.isfinite(keypoints).all(-1)
    for n in range(len(keypoints)):
        if present[n].sum() < MIN_PRESENT or not present[n, list(TORSO)].any():
            raise ConfigError(f"--keypoints: {labels[n]} has {int(present[n].sum())} of 25 joints (none of the torso)"
                              if not present[n, list(TORSO)].any() else
                              f"--keypoints: {labels[n]} has only {int(present[n].sum())} of 25 joints; at least "
                              f"{MIN_PRESENT} are needed to place a body")
    keypoints[~present] = np.nan
    return KeypointInputs(keypoints.astype(np.float32), present, labels)
