"""Pose sampling speed vs quality: poses/second and alignment error per architecture and sampler.

    python benchmarks/pose_sampling.py [--w 2.0] [--inputs 32] [--threads N]

Needs the trained models (``dvc repro train_pose@mlp train_pose@transformer``). For each architecture and
sampler (DDPM ancestral over all T steps, DDIM with 25/50/100 steps) it prints poses/second at batch 1 and
batch 256 and the pixel alignment error of 256 samples (``--inputs`` val frames × 256/inputs samples each), plus
the network calls per sample, which shows guidance costs one batched forward per step.
"""
from __future__ import annotations

import argparse
import time

import torch

from invdiff.config import load_params
from invdiff.diffusion import network_evaluations
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import keypoints_to_unit, load_forward_model
from invdiff.experiments.pose.metrics import pixel_alignment_error
from invdiff.experiments.pose.task import ARCHS, PoseTask, sample_poses
from invdiff.sections import SamplerConfig


class CallCounter(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net, self.calls = net, 0

    def forward(self, *args):
        self.calls += 1
        return self.net(*args)


def poses_per_second(module, keypoints, num, w, sampler, seed=0) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    x6d = sample_poses(module, keypoints, num, w, sampler, torch.Generator().manual_seed(seed)).samples
    return x6d[..., 0].numel() / (time.perf_counter() - start), x6d


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default=None, help="default: the project's params.yaml")
    parser.add_argument("--w", type=float, default=2.0)
    parser.add_argument("--inputs", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    params = load_params(args.params)
    forward = load_forward_model(params.camera)
    val = pose_dataset.load_split("val")
    index = torch.linspace(0, len(val.x6d) - 1, args.inputs).round().long()
    keypoints_px = torch.from_numpy(val.keypoints)[index]
    keypoints = keypoints_to_unit(keypoints_px, params.camera.image_size)
    per_input = max(1, 256 // args.inputs)
    timesteps = params.pose.diffusion.timesteps
    samplers = [("ddpm", SamplerConfig(name="ddpm", steps=timesteps, clip_x0=1.0))] + [
        (f"ddim{s}", SamplerConfig(name="ddim", steps=s, eta=1.0, clip_x0=1.0)) for s in (25, 50, 100)]
    print(f"w={args.w}, {torch.get_num_threads()} threads, T={timesteps}; alignment error of "
          f"{args.inputs}x{per_input} samples on val")
    print(f"{'arch':12} {'sampler':8} {'steps':>5} {'calls/sample':>12} {'poses/s b=1':>12} {'poses/s b=256':>14} "
          f"{'align err':>10}")
    for arch in ARCHS:
        module = PoseTask(arch).load()
        counter = CallCounter(module.denoiser)
        module.net = counter  # the denoiser samplers call (the weight average, when trained with one)
        for name, sampler in samplers:
            counter.calls = 0
            single, _ = poses_per_second(module, keypoints[:1], 1, args.w, sampler)
            calls = counter.calls
            batched, x6d = poses_per_second(module, keypoints, per_input, args.w, sampler)
            with torch.no_grad():
                error = pixel_alignment_error(keypoints_px, forward(x6d), params.camera.image_size)
            print(f"{arch:12} {name:8} {network_evaluations(sampler, timesteps):>5} {calls:>12} {single:>12.2f} "
                  f"{batched:>14.1f} {error:>10.4f}")


if __name__ == "__main__":
    main()
