"""Gradient-ascent settings of the trained score denoiser, swept on the *train* meshes' clouds (their noisy clouds of
``make_point_clouds``, never seen in training: those were fresh draws), which is how ``pointcloud.denoise`` was set.

    python benchmarks/pointcloud_denoise.py [--model pointcloud_plain] [--pathway t] [--meshes 6]

Prints CD / P2M x 10^4 (mean over the meshes) per noise level and setting, and seconds per 10K-point cloud.
Measured (pointcloud_plain, 6 train meshes): at 1 % the smallest movement wins (30 steps of 0.1: CD 2.164,
P2M 0.665; of 0.3: 2.323 / 0.904), at 2 % a larger one (30 x 0.3: 3.711 / 1.326; 30 x 0.1: 4.397 / 1.768) -- hence
a step size proportional to the noise level (0.1 per 1 %).
Needs `dvc repro train_pointcloud` first.
"""
from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import torch

from invdiff.experiments.pointcloud import metrics
from invdiff.experiments.pointcloud.data import Split
from invdiff.experiments.pointcloud.score_net import denoise
from invdiff.experiments.pointcloud.task import PointCloudTask, models_folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="pointcloud_plain", choices=("pointcloud_score", "pointcloud_plain",
                                                                        "pointcloud_igo"))
    parser.add_argument("--pathway", default="t", choices=("t", "tau"))
    parser.add_argument("--meshes", type=int, default=6, help="first N train meshes (alphabetical)")
    parser.add_argument("--points", type=int, default=10000)
    args = parser.parse_args()
    torch.set_num_threads(2)
    stage = {"pointcloud_score": "pretrain", "pointcloud_plain": "plain", "pointcloud_igo": "igo"}[args.model]
    net = PointCloudTask(stage).load(models_folder(args.model) / "model.ckpt").net
    train = Split("train")
    names = train.names[:args.meshes]
    grid = [*itertools.product((15, 30), (0.1, 0.2, 0.3, 0.5), (0.95,), (4,)), (30, 0.2, 0.95, 8)]
    for level in (0.01, 0.02):
        print(f"noise {level:.0%}, {args.model} ({args.pathway}), train meshes {', '.join(names)}")
        for steps, size, decay, ensemble in grid:
            scores, seconds = [], 0.0
            for name in names:
                v, f = train.mesh(name)
                clean, noisy = train.clean(name, args.points), train.noisy(name, args.points, level)
                t0 = time.perf_counter()
                out = denoise(net, noisy, steps, size, decay, ensemble, args.pathway)
                seconds += time.perf_counter() - t0
                scores.append((metrics.chamfer(out, clean), metrics.point_to_mesh(out, v, f)))
            cd, p2m = np.mean(scores, axis=0) * metrics.SCALE
            print(f"  steps {steps:3d} size {size:.2f} decay {decay:.2f} ensemble {ensemble}: CD {cd:.3f} "
                  f"P2M {p2m:.3f}  ({seconds / len(names):.2f} s per cloud)", flush=True)


if __name__ == "__main__":
    main()
