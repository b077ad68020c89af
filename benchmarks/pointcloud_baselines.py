"""The classical rows of the IGO paper's Table 1 on our meshes (issue 19, item 3): noisy input, bilateral filtering
and jet fitting, CD and P2M x 10^4 (mean +- sd over the test meshes), and a sweep of their settings on the *train*
meshes, which is how the defaults below were chosen.

    python benchmarks/pointcloud_baselines.py [--points 10000] [--noise 0.01 0.02] [--sweep]

Clouds: uniform on each unit-sphere-normalised mesh, Gaussian noise of std ``noise`` (x the radius, 1); the
metrics against the clean cloud (CD) and the mesh (P2M), as in Luo & Hu. One draw per mesh (seed 0).
"""
from __future__ import annotations

import argparse

import numpy as np

from invdiff.experiments.pointcloud import baselines, evaluate, meshes, metrics
from invdiff.experiments.pointcloud.config import PU_NET_TEST, PointCloudBaselinesConfig
from invdiff.experiments.pointcloud.config import TRAIN as TRAIN_MESHES
from invdiff.paths import project_path

TEST, TRAIN = PU_NET_TEST, TRAIN_MESHES


def default_methods(noise: float, points: int) -> dict:
    """The stage's methods at the params defaults (experiments/pointcloud/evaluate.py)."""
    return evaluate.methods(PointCloudBaselinesConfig(), points, noise)


def sweep_methods(noise: float, points: int) -> dict:
    scale = points / 10000
    out = {}
    for k in (16, 32, 64):
        kk = max(8, round(k * scale))
        out[f"jet k{k}"] = lambda p, kk=kk: baselines.jet(p, kk)
        for s in (1.0, 2.0, 3.0):
            for passes in (1, 2, 3):
                out[f"bilateral k{k} s{s:g} x{passes}"] = \
                    lambda p, kk=kk, s=s, passes=passes: baselines.bilateral(p, kk, s * noise, passes)
    return out


def table(names, points, noise, make_methods, rng):
    scores = {}
    for name in names:
        v, f = meshes.read_off(project_path("data", "meshes", f"{name}.off.gz"))
        v, _, _ = meshes.normalize_unit_sphere(v)
        clean = meshes.sample_surface(v, f, points, rng)
        noisy = clean + rng.normal(scale=noise, size=clean.shape)
        for method, fn in make_methods(noise, points).items():
            out = fn(noisy)
            scores.setdefault(method, []).append((metrics.chamfer(out, clean) * metrics.SCALE,
                                                  metrics.point_to_mesh(out, v, f) * metrics.SCALE))
    return {m: np.asarray(s) for m, s in scores.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10000)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.01, 0.02])
    parser.add_argument("--sweep", action="store_true", help="sweep the settings on the train meshes")
    args = parser.parse_args()
    for noise in args.noise:
        names, make = (TRAIN, sweep_methods) if args.sweep else (TEST, default_methods)
        scores = table(names, args.points, noise, make, np.random.default_rng(0))
        print(f"\n{'train' if args.sweep else 'test'} meshes ({len(names)}), {args.points} points, noise {noise:.0%}")
        print(f"{'method':<28}{'CD x1e4':>16}{'P2M x1e4':>16}")
        for method, s in sorted(scores.items(), key=lambda kv: kv[1][:, 1].mean()):
            print(f"{method:<28}{s[:, 0].mean():>9.3f} ± {s[:, 0].std(ddof=1):<5.3f}"
                  f"{s[:, 1].mean():>9.3f} ± {s[:, 1].std(ddof=1):<5.3f}")


if __name__ == "__main__":
    main()
