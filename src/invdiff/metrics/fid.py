"""Fréchet distance between Gaussian fits of two feature sets (Heusel et al. 2017), in any feature space.

FID = ||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^1/2 S_b S_a^1/2)^1/2).
The trace of the matrix square root is computed from symmetric eigen-decompositions (float64), which is exact for
PSD inputs and avoids the complex round-off of a general ``sqrtm``. Here the features come from the project's own
MNIST classifier (no Inception download), so numbers are comparable within this project, not with image-FID tables.
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def gaussian_fit(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean [d], covariance [d, d]) with the unbiased (N-1) normalisation."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"need at least 2 feature vectors shaped [N, d], got {features.shape}")
    return features.mean(0), np.cov(features, rowvar=False)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(mu_a, cov_a, mu_b, cov_b) -> float:
    root_a = _psd_sqrt(np.asarray(cov_a, dtype=np.float64))
    middle = root_a @ np.asarray(cov_b, dtype=np.float64) @ root_a
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    diff = np.asarray(mu_a, dtype=np.float64) - np.asarray(mu_b, dtype=np.float64)
    return float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def fid(features_a: np.ndarray, features_b: np.ndarray) -> float:
    return frechet_distance(*gaussian_fit(features_a), *gaussian_fit(features_b))


def mean_pairwise_distance(features: np.ndarray) -> float:
    """Mean Euclidean distance over distinct pairs (a diversity measure)."""
    features = np.asarray(features, dtype=np.float64)
    n = len(features)
    if n < 2:
        raise ValueError("need at least 2 vectors")
    sq = (features**2).sum(1)
    d2 = np.clip(sq[:, None] + sq[None] - 2 * features @ features.T, 0, None)
    return float(np.sqrt(d2)[np.triu_indices(n, 1)].mean())


class ReferenceFid:
    """FID of image sets against one fixed reference set (e.g. the held-out test split) in the feature space of
    ``features`` (images -> [N, d] array). Scoring as many *real* images the same way gives the real-data floor:
    the value a perfect generator would reach at that sample size."""

    def __init__(self, features: Callable[[object], np.ndarray], reference_images, what: str = "the reference set"):
        self.features = features
        reference = features(reference_images)
        self.dim = reference.shape[1]
        self._require_rank(len(reference), what)
        self.mean, self.cov = gaussian_fit(reference)

    def _require_rank(self, n: int, what: str) -> None:
        if n <= self.dim:
            raise ValueError(f"{what}: {n} images give a rank-deficient covariance of {self.dim}-d features; "
                             f"FID needs more than {self.dim}")

    def score_features(self, features: np.ndarray) -> float:
        self._require_rank(len(features), "the scored set")
        return frechet_distance(*gaussian_fit(features), self.mean, self.cov)

    def __call__(self, images) -> float:
        return self.score_features(self.features(images))
