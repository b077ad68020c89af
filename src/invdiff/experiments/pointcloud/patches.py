"""Training patches for denoising score matching, with the intermediate iterate IGO needs.

The corruption is a Brownian motion started at the clean surface point, x(t) = x(0) + W(t), observed at the time
whose noise std is sigma ~ U[noise_min, noise_max] (Luo & Hu's range). IGO's intermediate iterate is the same path at
tau = t / 2, as in the paper's other experiments: x_tau = x(0) + (sigma / sqrt 2) e1 and x_t = x_tau +
(sigma / sqrt 2) e2, so x_t is x_tau plus independent noise. The target at a point is its displacement to the closest
point on the mesh (Luo & Hu average 4 clean neighbours; with the mesh at hand the exact projection is that average's
limit).

A patch is the ``patch_points`` noisy points nearest a random point of the noisy cloud; its x_tau rows are the same
surface points' intermediate positions.
"""
from __future__ import annotations

import zlib

import numpy as np
import torch
from scipy.spatial import cKDTree

from invdiff.experiments.pointcloud import meshes, metrics
from invdiff.experiments.pointcloud.config import ScoreTrainingConfig
from invdiff.experiments.pointcloud.data import Split

KEYS = ("x_t", "target_t", "x_tau", "target_tau")


def brownian_pair(clean: np.ndarray, sigma: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(x_tau, x_t): the path x(0) + W at the half-time and at the time of noise std ``sigma``."""
    half = sigma / np.sqrt(2.0)
    x_tau = clean + rng.normal(scale=half, size=clean.shape)
    return x_tau, x_tau + rng.normal(scale=half, size=clean.shape)


def make_patches(cfg: ScoreTrainingConfig, points: list[int], seed: int, progress=None) -> dict[str, torch.Tensor]:
    """Patches of every train mesh: ``KEYS`` -> float32 [P, patch_points, 3] each, plus ``sigma`` [P]."""
    train = Split("train")
    out: dict[str, list] = {key: [] for key in (*KEYS, "sigma")}
    for done, name in enumerate(train.names, 1):
        vertices, faces = train.mesh(name)
        for n in points:
            for draw in range(cfg.draws):
                rng = np.random.default_rng([seed, zlib.crc32(name.encode()), n, draw])
                clean = meshes.sample_surface(vertices, faces, n, rng)
                sigma = rng.uniform(cfg.noise_min, cfg.noise_max)
                x_tau, x_t = brownian_pair(clean, sigma, rng)
                targets = {"x_t": x_t, "target_t": metrics.closest_points(x_t, vertices, faces) - x_t,
                           "x_tau": x_tau, "target_tau": metrics.closest_points(x_tau, vertices, faces) - x_tau}
                seeds = rng.choice(n, size=cfg.patches_per_cloud, replace=False)
                _, rows = cKDTree(x_t).query(x_t[seeds], k=min(cfg.patch_points, n))
                for key in KEYS:
                    out[key].append(targets[key][rows])
                out["sigma"].append(np.full(len(seeds), sigma))
        if progress is not None:  # an invdiff.progress.Progress over the train meshes
            progress.update_to(done)
    return {key: torch.as_tensor(np.concatenate(value), dtype=torch.float32) for key, value in out.items()}
