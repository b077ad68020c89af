"""The processed pose dataset: AMASS-format sequences -> (x6d, BODY_25 keypoints, 3D joints) per split.

``data/raw/amass/manifest.json`` (written by fetch_amass) says where the sequences live and which subset
belongs to which split; :func:`build_split` resamples every sequence to ``pose.data.fps``, keeps every k-th
frame and runs the one forward model. Files: ``data/processed/pose/{train,val,test}.npz`` and ``stats.json``.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from invdiff.errors import MissingInputError
from invdiff.experiments.pose.data import amass
from invdiff.experiments.pose.data.config import AmassConfig, PoseDataConfig
from invdiff.experiments.pose.data.forward_model import PoseForwardModel
from invdiff.experiments.pose.data.rotations import axis_angle_to_rotation_6d
from invdiff.experiments.pose.data.synthetic_amass import write_synthetic_amass
from invdiff.io import write_json
from invdiff.paths import project_path

log = logging.getLogger("invdiff")

RAW_DIR = Path("data/raw/amass")  # both relative to the project root
PROCESSED_DIR = Path("data/processed/pose")
MANIFEST = "manifest.json"
SPLITS = ("train", "val", "test")
FK_BATCH = 4096


def write_manifest(out_dir: Path, cfg: AmassConfig, seed: int) -> dict:
    """fetch_amass's AMASS half: synthetic files into ``out_dir``, or a pointer to the user's AMASS folder."""
    if cfg.source == "synthetic":
        subsets = write_synthetic_amass(out_dir, cfg.synthetic, seed)
        manifest = {"data_source": "synthetic", "root": ".", "subsets": subsets,
                    "note": "procedural motions (invdiff.experiments.pose.data.synthetic_amass), not AMASS"}
        log.warning("AMASS: SYNTHETIC procedural motions (%s); set amass.source: dir for the real dataset",
                    ", ".join(f"{s}: {getattr(cfg.synthetic.sequences, s)} sequences" for s in SPLITS))
    else:
        root = project_path(Path(cfg.root).expanduser()).resolve()
        files = amass.find_sequence_files(root)
        found = sorted({f.relative_to(root).parts[0] for f in files})
        for name in cfg.splits.val + cfg.splits.test:
            if name not in found:
                log.warning("AMASS: split subset %s is not under %s", name, root)
        subsets = {s: amass.split_of(s, cfg.splits.val, cfg.splits.test) for s in found}
        manifest = {"data_source": "real", "root": str(root), "subsets": subsets, "files": len(files),
                    "on_bad_file": cfg.on_bad_file,
                    "note": "re-run `dvc repro -f fetch_amass` after changing the files under root"}
        log.info("AMASS: %d files in %d subsets under %s", len(files), len(found), root)
    write_json(out_dir / MANIFEST, manifest)
    return manifest


def raw_dir() -> Path:
    return project_path(RAW_DIR)


def processed_dir() -> Path:
    return project_path(PROCESSED_DIR)


def read_manifest(folder: str | Path | None = None) -> tuple[dict, Path]:
    folder = raw_dir() if folder is None else Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise MissingInputError(f"{path}: no AMASS manifest; run `dvc repro fetch_amass`")
    manifest = json.loads(path.read_text())
    root = Path(manifest["root"])
    return manifest, (folder / root if not root.is_absolute() else root)


@dataclass
class SplitArrays:
    x6d: np.ndarray        # (N, 144) float32
    keypoints: np.ndarray  # (N, 25, 2) float32, pixels
    joints3d: np.ndarray   # (N, 24, 3) float32, metres, Z-up world, root at the fixed body centre
    transl: np.ndarray     # (N, 3) float32, the body's global translation (AMASS ``trans``), metres
    sequence: np.ndarray   # (N,) int32 index into sequence_names
    frame: np.ndarray      # (N,) int32 frame index at pose.data.fps
    sequence_names: np.ndarray


@torch.no_grad()
def evaluate_forward_model(model: PoseForwardModel, x6d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keypoints, joints = [], []
    for start in range(0, len(x6d), FK_BATCH):
        batch = torch.from_numpy(x6d[start:start + FK_BATCH])
        j3d, body25 = model.joints_and_body25(batch)
        joints.append(j3d.numpy())
        keypoints.append(model.camera.project(body25).numpy())
    return np.concatenate(keypoints).astype(np.float32), np.concatenate(joints).astype(np.float32)


def build_split(sequences: list[amass.Sequence], model: PoseForwardModel, cfg: PoseDataConfig) -> SplitArrays:
    poses, translations, seq_ids, frames = [], [], [], []
    for index, seq in enumerate(sequences):
        keep = amass.resample_indices(len(seq.poses), seq.fps, cfg.fps)
        kept_frames = np.arange(len(keep))[::cfg.frame_stride]
        poses.append(seq.poses[keep[kept_frames]])
        translations.append(seq.trans[keep[kept_frames]])
        seq_ids.append(np.full(len(kept_frames), index, dtype=np.int32))
        frames.append(kept_frames.astype(np.int32))
    aa = torch.from_numpy(np.concatenate(poses))
    x6d = axis_angle_to_rotation_6d(aa).reshape(len(aa), -1).float().numpy()
    keypoints, joints3d = evaluate_forward_model(model, x6d)
    return SplitArrays(x6d, keypoints, joints3d, np.concatenate(translations).astype(np.float32),
                       np.concatenate(seq_ids), np.concatenate(frames), np.array([s.name for s in sequences]))


def save_split(path: Path, arrays: SplitArrays) -> None:
    np.savez(path, **arrays.__dict__)


def load_split(split: str, folder: str | Path | None = None) -> SplitArrays:
    path = (processed_dir() if folder is None else Path(folder)) / f"{split}.npz"
    if not path.is_file():
        raise MissingInputError(f"{path}: processed pose split missing; run `dvc repro preprocess_pose`")
    with np.load(path) as data:
        missing = set(SplitArrays.__dataclass_fields__) - set(data.files)
        if missing:
            raise MissingInputError(f"{path}: written by an older invdiff (no {sorted(missing)}); re-run "
                                    "`dvc repro preprocess_pose`")
        return SplitArrays(**{k: data[k] for k in data.files})


def load_stats(folder: str | Path | None = None) -> dict:
    path = (processed_dir() if folder is None else Path(folder)) / "stats.json"
    if not path.is_file():
        raise MissingInputError(f"{path}: missing; run `dvc repro preprocess_pose`")
    return json.loads(path.read_text())


def group_by_split(sequences: list[amass.Sequence], subsets: dict[str, str]) -> dict[str, list[amass.Sequence]]:
    groups: dict[str, list[amass.Sequence]] = {s: [] for s in SPLITS}
    for seq in sorted(sequences, key=lambda s: s.name):
        groups[subsets.get(seq.subset, "train")].append(seq)
    return groups


def split_stats(arrays: SplitArrays, image_size: int) -> dict:
    inside = ((arrays.keypoints >= 0) & (arrays.keypoints <= image_size)).all(axis=(1, 2))
    return {"frames": int(len(arrays.x6d)), "sequences": int(len(arrays.sequence_names)),
            "frames_fully_in_image": float(inside.mean()) if len(inside) else 0.0}
