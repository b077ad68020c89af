"""Triangle meshes: the OFF files under ``data/meshes/`` (as shipped by CGAL, see data/meshes/SOURCES.md), their
normalisation to the unit sphere and uniform sampling of their surface.

Normalisation follows Luo & Hu's evaluation: centre = the bounding box's centre, scale = the largest vertex
distance from it, so every shape lies in the unit ball and touches its sphere.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from invdiff.errors import InvdiffError


class MeshFormatError(InvdiffError):
    pass


def read_off(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(vertices [V, 3] float64, triangles [F, 3] int64) of an OFF file (``.off`` or ``.off.gz``); polygons are
    split into fans. Tolerates counts on the header line and comments."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        tokens = [tok for line in handle for tok in line.split("#", 1)[0].split()]
    if not tokens or not tokens[0].endswith("OFF") or tokens[0] not in ("OFF", "COFF", "NOFF"):
        raise MeshFormatError(f"{path}: not an OFF mesh (first token {tokens[:1]}); expected 'OFF'")
    if tokens[0] != "OFF":
        raise MeshFormatError(f"{path}: {tokens[0]} (per-vertex colours or normals) is not supported; write plain OFF")
    try:
        nv, nf = int(tokens[1]), int(tokens[2])
        at = 4
        vertices = np.asarray(tokens[at:at + 3 * nv], dtype=np.float64).reshape(nv, 3)
        at += 3 * nv
        triangles = []
        for _ in range(nf):
            k = int(tokens[at])
            poly = [int(t) for t in tokens[at + 1:at + 1 + k]]
            at += 1 + k
            triangles += [(poly[0], poly[i], poly[i + 1]) for i in range(1, k - 1)]
    except (ValueError, IndexError) as exc:
        raise MeshFormatError(f"{path}: truncated or malformed OFF body ({exc})") from None
    faces = np.asarray(triangles, dtype=np.int64).reshape(-1, 3)
    if faces.size and (faces.min() < 0 or faces.max() >= nv):
        raise MeshFormatError(f"{path}: a face indexes a vertex outside 0..{nv - 1}")
    return vertices, faces


def normalize_unit_sphere(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(vertices moved to the bounding box's centre and scaled into the unit ball, centre, scale)."""
    centre = 0.5 * (vertices.min(0) + vertices.max(0))
    scale = float(np.linalg.norm(vertices - centre, axis=1).max())
    return (vertices - centre) / scale, centre, scale


def triangle_areas(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)


def sample_surface(vertices: np.ndarray, faces: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniform on the surface: a face with probability proportional to its area, then uniform in it
    (the square-root map of two uniforms to barycentric coordinates)."""
    areas = triangle_areas(vertices, faces)
    face = rng.choice(len(faces), size=n, p=areas / areas.sum())
    r1, r2 = np.sqrt(rng.random(n)), rng.random(n)
    a, b, c = (vertices[faces[face, i]] for i in range(3))
    return (1 - r1)[:, None] * a + (r1 * (1 - r2))[:, None] * b + (r1 * r2)[:, None] * c
