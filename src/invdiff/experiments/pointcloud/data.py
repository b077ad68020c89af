"""make_point_clouds: the clouds every later stage reads, in ``data/processed/pointcloud/{train,test}.npz``.

Keys per mesh ``m``: ``m/vertices`` [V, 3] (normalised to the unit sphere), ``m/faces`` [F, 3], and per cloud size
``n`` ``m/n/clean`` [n, 3] (uniform on the surface) and ``m/n/noise<s>`` [n, 3] (clean + N(0, s^2 I)), float32.
Draws are seeded per (seed, split, mesh, size, noise), so one setting's cloud does not change when another is added.
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np

from invdiff.errors import MissingInputError
from invdiff.experiments.pointcloud import meshes
from invdiff.experiments.pointcloud.config import PointCloudDataConfig
from invdiff.io import atomic_dir
from invdiff.paths import project_path

SPLITS = ("train", "test")
MESH_DIR = Path("data/meshes")
PROCESSED = Path("data/processed/pointcloud")
SOURCE = "real meshes: CGAL 5.5.1 data (Debian libcgal-demo), CC0 1.0 -- data/meshes/SOURCES.md"


def mesh_path(name: str) -> Path:
    path = project_path(MESH_DIR, f"{name}.off.gz")
    if not path.is_file():
        known = sorted(p.name.removesuffix(".off.gz") for p in project_path(MESH_DIR).glob("*.off.gz"))
        raise MissingInputError(f"pointcloud.data: no mesh {name!r} in {project_path(MESH_DIR)}; known: "
                                f"{', '.join(known)}")
    return path


def noise_key(level: float) -> str:
    return f"noise{level:g}"


def _rng(seed: int, *parts) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(str(p).encode()) for p in parts)])


def make_split(names: list[str], cfg: PointCloudDataConfig, seed: int, split: str) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for name in names:
        v, f = meshes.read_off(mesh_path(name))
        v, _, _ = meshes.normalize_unit_sphere(v)
        arrays[f"{name}/vertices"], arrays[f"{name}/faces"] = v, f.astype(np.int32)
        for n in cfg.points:
            clean = meshes.sample_surface(v, f, n, _rng(seed, split, name, n, "clean"))
            arrays[f"{name}/{n}/clean"] = clean.astype(np.float32)
            for level in cfg.noise:
                noise = _rng(seed, split, name, n, level).normal(scale=level, size=clean.shape)
                arrays[f"{name}/{n}/{noise_key(level)}"] = (clean + noise).astype(np.float32)
    return arrays


def make(cfg: PointCloudDataConfig, seed: int) -> dict:
    overlap = set(cfg.train_meshes) & set(cfg.test_meshes)
    if overlap:
        raise ValueError(f"pointcloud.data: {sorted(overlap)} in both train_meshes and test_meshes; a test shape "
                         "must be unseen in training")
    splits = {"train": cfg.train_meshes, "test": cfg.test_meshes}
    made = {split: make_split(names, cfg, seed, split) for split, names in splits.items()}
    stats = {"data_source": SOURCE, "points": cfg.points, "noise": cfg.noise,
             "meshes": {split: {name: {"vertices": int(len(made[split][f"{name}/vertices"])),
                                       "faces": int(len(made[split][f"{name}/faces"]))} for name in names}
                        for split, names in splits.items()}}
    with atomic_dir(project_path(PROCESSED)) as tmp:
        for split, arrays in made.items():
            np.savez(tmp / f"{split}.npz", **arrays)
        (tmp / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    return stats


class Split:
    """One split's meshes and clouds, read lazily from its npz."""

    def __init__(self, split: str):
        path = project_path(PROCESSED, f"{split}.npz")
        if not path.is_file():
            raise MissingInputError(f"{path} does not exist; run `dvc repro make_point_clouds`")
        self._arrays = np.load(path)
        self.names = sorted({key.split("/")[0] for key in self._arrays.files})

    def mesh(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self._arrays[f"{name}/vertices"], self._arrays[f"{name}/faces"].astype(np.int64)

    def clean(self, name: str, points: int) -> np.ndarray:
        return self._arrays[f"{name}/{points}/clean"].astype(np.float64)

    def noisy(self, name: str, points: int, level: float) -> np.ndarray:
        return self._arrays[f"{name}/{points}/{noise_key(level)}"].astype(np.float64)
