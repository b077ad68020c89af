"""AMASS as it ships: ``<root>/<Subset>/<subject>/<seq>_poses.npz``, read into SMPL body poses.

Each file holds ``poses`` [N, 156] (SMPL+H) or [N, 72] (SMPL) axis-angle, ``trans`` [N, 3], ``betas``,
``gender`` and ``mocap_framerate`` (older releases: ``mocap_frame_rate``). We keep the root orientation and
the 21 body joints (``poses[:, :66]``); SMPL's two hand joints (22, 23) are set to identity, because SMPL+H's
columns 66: are finger joints, not SMPL hands.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from invdiff.errors import InvdiffError, MissingInputError
from invdiff.experiments.pose.data.skeleton import NUM_BODY_JOINTS, NUM_SMPL_JOINTS

log = logging.getLogger("invdiff")

POSE_FILE_GLOB = "*_poses.npz"
FRAMERATE_KEYS = ("mocap_framerate", "mocap_frame_rate")
BODY_COLUMNS = 3 * (1 + NUM_BODY_JOINTS)  # root + 21 body joints = 66
AMASS_HOWTO = ("download the SMPL+H body data from https://amass.is.tue.mpg.de (one folder per subset) and point "
               "amass.root at it, or use amass.source: synthetic")


class BadSequenceError(InvdiffError):
    """One AMASS file that cannot be used; the message says why."""


@dataclass(frozen=True)
class Sequence:
    name: str          # path relative to the root, without the suffix
    subset: str
    poses: np.ndarray  # (N, 24, 3) axis-angle, hands zero
    fps: float
    trans: np.ndarray  # (N, 3) global translation of the body, metres (zeros when the file has none)


def load_sequence(path: Path, root: Path) -> Sequence:
    """Read and validate one ``*_poses.npz``; raises :class:`BadSequenceError` naming the file and the fault."""
    rel = path.relative_to(root)
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = set(data.files)
            if "poses" not in keys:
                raise BadSequenceError(f"{rel}: no 'poses' array (keys: {sorted(keys)})")
            rate_key = next((k for k in FRAMERATE_KEYS if k in keys), None)
            if rate_key is None:
                raise BadSequenceError(f"{rel}: no frame rate ({' or '.join(FRAMERATE_KEYS)})")
            poses = np.asarray(data["poses"], dtype=np.float64)
            fps = float(np.asarray(data[rate_key]))
            trans = np.asarray(data["trans"], dtype=np.float64) if "trans" in keys else np.zeros((len(poses), 3))
    except BadSequenceError:
        raise
    except Exception as exc:  # zip/pickle/IO failures all mean "this file is unusable"
        raise BadSequenceError(f"{rel}: unreadable npz ({type(exc).__name__}: {exc})") from None
    if poses.ndim != 2 or poses.shape[1] not in (156, 72) or poses.shape[0] < 1:
        raise BadSequenceError(f"{rel}: 'poses' must be [N, 156] (SMPL+H) or [N, 72] (SMPL), got {poses.shape}")
    if not np.isfinite(poses).all():
        bad = int((~np.isfinite(poses)).any(axis=1).sum())
        raise BadSequenceError(f"{rel}: {bad} of {len(poses)} frames contain NaN/inf")
    if trans.shape != (len(poses), 3) or not np.isfinite(trans).all():
        raise BadSequenceError(f"{rel}: 'trans' must be finite [N, 3] beside poses [N, ...], got {trans.shape}")
    if not (np.isfinite(fps) and fps > 0):
        raise BadSequenceError(f"{rel}: frame rate must be a positive number, got {fps}")
    full = np.zeros((len(poses), NUM_SMPL_JOINTS, 3))
    full[:, :1 + NUM_BODY_JOINTS] = poses[:, :BODY_COLUMNS].reshape(len(poses), -1, 3)
    return Sequence(str(rel.with_suffix("")), rel.parts[0], full, fps, trans)


def find_sequence_files(root: str | Path) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        raise MissingInputError(f"amass.root: {root} is not a directory; {AMASS_HOWTO}")
    files = sorted(p for p in root.glob(f"*/*/{POSE_FILE_GLOB}") if p.is_file())
    if not files:
        raise MissingInputError(f"amass.root: no <Subset>/<subject>/{POSE_FILE_GLOB} files under {root}; "
                                f"{AMASS_HOWTO}")
    return files


def split_of(subset: str, val: list[str], test: list[str]) -> str:
    return "val" if subset in val else "test" if subset in test else "train"


def resample_indices(num_frames: int, source_fps: float, target_fps: float) -> np.ndarray:
    """Frame indices nearest to times k / target_fps (rotations are not interpolated: every pose is real)."""
    duration = (num_frames - 1) / source_fps
    times = np.arange(0.0, duration + 1e-9, 1.0 / target_fps)
    return np.minimum(np.rint(times * source_fps).astype(np.int64), num_frames - 1)


def scan(root: str | Path, on_bad_file: str = "skip") -> tuple[list[Sequence], list[dict]]:
    """Load every sequence under ``root``. Bad files are skipped with a logged reason (or raise with ``error``)."""
    root = Path(root)
    sequences, skipped = [], []
    for path in find_sequence_files(root):
        try:
            sequences.append(load_sequence(path, root))
        except BadSequenceError as exc:
            if on_bad_file == "error":
                raise BadSequenceError(f"{exc} (set amass.on_bad_file: skip to leave such files out)") from None
            log.warning("AMASS: skipping %s", exc)
            skipped.append({"file": str(path.relative_to(root)), "reason": str(exc)})
    if not sequences:
        raise MissingInputError(f"amass.root: none of the {len(skipped)} files under {root} is usable "
                                f"(first: {skipped[0]['reason']})")
    if skipped:
        log.warning("AMASS: skipped %d of %d files (listed in stats.json)", len(skipped),
                    len(skipped) + len(sequences))
    return sequences, skipped
