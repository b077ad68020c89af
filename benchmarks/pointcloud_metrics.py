"""Which library measures point-to-mesh distances (issue 19, item 2): point-cloud-utils against trimesh, speed and
agreement, on the shipped test meshes at 10K and 50K noisy points.

    python benchmarks/pointcloud_metrics.py [--points 10000 50000] [--repeats 3]

Prints per mesh and size: seconds per call of ``pcu.closest_points_on_mesh`` and ``trimesh.proximity.closest_point``
(best of --repeats), and the largest absolute difference of their distances (unit-sphere units).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import trimesh

from invdiff.experiments.pointcloud import meshes, metrics
from invdiff.paths import project_path

MESHES = ("camel", "fandisk", "elephant", "octahedron")


def best_time(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'mesh':<12}{'points':>8}{'pcu s':>10}{'trimesh s':>11}{'speed-up':>10}{'max |diff|':>12}")
    for name in MESHES:
        v, f = meshes.read_off(project_path("data", "meshes", f"{name}.off.gz"))
        v, _, _ = meshes.normalize_unit_sphere(v)
        mesh = trimesh.Trimesh(v, f, process=False)
        for n in args.points:
            p = meshes.sample_surface(v, f, n, rng) + rng.normal(scale=0.01, size=(n, 3))
            t_pcu, d_pcu = best_time(lambda: metrics.point_to_mesh_sq(p, v, f), args.repeats)
            t_tri, out = best_time(lambda: trimesh.proximity.closest_point(mesh, p), args.repeats)
            diff = np.abs(np.sqrt(d_pcu) - out[1]).max()
            print(f"{name:<12}{n:>8}{t_pcu:>10.3f}{t_tri:>11.3f}{t_tri / t_pcu:>9.1f}x{diff:>12.2e}")


if __name__ == "__main__":
    main()
