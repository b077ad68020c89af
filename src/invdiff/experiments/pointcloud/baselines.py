"""Classical point-cloud denoisers from Table 1 of the IGO paper, written from their papers:

- bilateral filtering (Fleishman, Drori & Cohen-Or 2003; for point sets as in Digne & de Franchis, IPOL 2017): each
  point moves along its PCA normal by the neighbours' heights above its tangent plane, averaged with weights
  exp(-|q - p|^2 / 2 s_d^2) exp(-h^2 / 2 s_n^2) -- the range weight keeps features;
- jet fitting (Cazals & Pouget 2005): a degree-2 height polynomial h(u, v) fitted by least squares to the
  neighbourhood in its PCA frame; the point is projected onto it.

Neighbourhoods are the k nearest points (scipy's cKDTree); everything else is batched linear algebra.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def neighbourhoods(points: np.ndarray, k: int) -> np.ndarray:
    """[N, k, 3] the k nearest points of each point (itself included)."""
    _, index = cKDTree(points).query(points, k=min(k, len(points)))
    return points[index]


def local_frames(neigh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(centroids [N, 3], frames [N, 3, 3] whose rows are the principal axes, the last one the normal)."""
    centroid = neigh.mean(1)
    centred = neigh - centroid[:, None]
    _, vecs = np.linalg.eigh(np.einsum("nki,nkj->nij", centred, centred))
    return centroid, vecs[:, :, ::-1].transpose(0, 2, 1)  # rows: largest variance first, normal last


def bilateral(points: np.ndarray, k: int, sigma_n: float, iterations: int = 1) -> np.ndarray:
    """``sigma_n``: range scale of the heights (unit-sphere units); the spatial scale is each point's mean
    neighbour distance."""
    p = points.copy()
    for _ in range(iterations):
        neigh = neighbourhoods(p, k)
        _, frames = local_frames(neigh)
        normal = frames[:, 2]
        offset = neigh - p[:, None]
        dist2 = (offset ** 2).sum(2)
        sigma_d2 = dist2.mean(1, keepdims=True) + 1e-12
        height = np.einsum("nkj,nj->nk", offset, normal)
        w = np.exp(-dist2 / (2 * sigma_d2) - height ** 2 / (2 * sigma_n ** 2))
        p = p + ((w * height).sum(1) / w.sum(1))[:, None] * normal
    return p


def jet(points: np.ndarray, k: int, ridge: float = 1e-9) -> np.ndarray:
    """Each point projected onto the degree-2 jet h(u, v) = c0 + c1 u + c2 v + c3 u^2 + c4 uv + c5 v^2 fitted to
    its neighbourhood in the neighbourhood's PCA frame."""
    neigh = neighbourhoods(points, k)
    centroid, frames = local_frames(neigh)
    local = np.einsum("nkj,nij->nki", neigh - centroid[:, None], frames)  # (u, v, h) of the neighbours
    u, v, h = local[..., 0], local[..., 1], local[..., 2]
    design = np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=-1)  # [N, k, 6]
    gram = np.einsum("nki,nkj->nij", design, design) + ridge * np.eye(6)
    coef = np.linalg.solve(gram, np.einsum("nki,nk->ni", design, h)[..., None])[..., 0]
    own = np.einsum("nj,nij->ni", points - centroid, frames)
    pu, pv = own[:, 0], own[:, 1]
    height = (coef * np.stack([np.ones_like(pu), pu, pv, pu * pu, pu * pv, pv * pv], axis=-1)).sum(1)
    return centroid + pu[:, None] * frames[:, 0] + pv[:, None] * frames[:, 1] + height[:, None] * frames[:, 2]
