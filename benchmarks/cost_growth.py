"""How cost grows: training seconds per step vs training-set size (½×, 1×, 2×, 4× the default) and sampling
seconds vs the number of samples drawn at once (eval inputs × samples per input), for Branin and the pose MLP, so
a paper-scale run can be predicted from this machine's numbers.

    python benchmarks/cost_growth.py [--steps 100] [--experiments branin pose]

Training: ``--steps`` optimizer steps of the default model, timed after a 10-step warm-up, with the time to build
the data (Branin at each ``branin.data.n_train``; pose at its preprocessed training set: batches are drawn in
memory, so a step costs the same at any size and only the build and the steps per epoch grow).
Sampling: the trained model's default sampler at 1/4, 1, 4 and 16× the default evaluation batch.
Needs `dvc repro train_pose@mlp` for the pose sampling rows.
"""
from __future__ import annotations

import argparse
import time

import torch

from invdiff.config import load_params
from invdiff.overrides import set_dotted

SCALES = (0.5, 1.0, 2.0, 4.0)
BATCH_SCALES = (0.25, 1.0, 4.0, 16.0)


def _timed_steps(module, loader, steps: int) -> float:
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-4)
    batches = iter(loader)

    def step():
        nonlocal batches
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(loader)
            batch = next(batches)
        loss = module.training_step(batch, 0)
        loss = loss["loss"] if isinstance(loss, dict) else loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(10):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def branin_rows(params_raw: dict, steps: int):
    from invdiff.config import parse_params
    from invdiff.experiments.branin.task import BraninTask, sample_levels

    base = params_raw["branin"]["data"]["n_train"]
    for scale in SCALES:
        params = parse_params(set_dotted(params_raw, {"branin.data.n_train": int(base * scale)}))
        start = time.perf_counter()
        module, loader = BraninTask().build(params)
        build = time.perf_counter() - start
        yield ("branin", "train", f"n_train={int(base * scale)}", build, _timed_steps(module, loader, steps))
    params = parse_params(params_raw)
    module = BraninTask().load()
    cfg = params.branin.eval
    targets = torch.tensor(cfg.targets)
    for scale in BATCH_SCALES:
        n = max(1, int(cfg.n_samples * scale))
        start = time.perf_counter()
        sample_levels(module, targets, n, 0.5, cfg.sampler, torch.Generator().manual_seed(0))
        yield ("branin", "sample", f"{len(targets)}x{n} samples", 0.0, time.perf_counter() - start)


def pose_rows(params_raw: dict, steps: int):
    from invdiff.config import parse_params
    from invdiff.experiments.pose.data import dataset as pose_dataset
    from invdiff.experiments.pose.data.forward_model import keypoints_to_unit
    from invdiff.experiments.pose.task import PoseTask, sample_poses

    params = parse_params(params_raw)
    task = PoseTask("mlp")
    module, loader = task.build(params)
    yield ("pose", "train", "default training set", 0.0, _timed_steps(module, loader, steps))
    trained = task.load()
    cfg = params.pose.eval
    val = pose_dataset.load_split("val")
    for scale in BATCH_SCALES:
        inputs = max(1, int(cfg.val_inputs * scale))
        index = torch.arange(inputs) % len(val.keypoints)
        keypoints = keypoints_to_unit(torch.from_numpy(val.keypoints)[index], params.camera.image_size)
        start = time.perf_counter()
        sample_poses(trained, keypoints, cfg.samples_per_input, 0.5, cfg.sampler, torch.Generator().manual_seed(0),
                     batch_size=cfg.batch_size)
        yield ("pose", "sample", f"{inputs} inputs x {cfg.samples_per_input}", 0.0, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--experiments", nargs="+", default=["branin", "pose"], choices=["branin", "pose"])
    args = parser.parse_args()
    from invdiff.config import load_yaml
    from invdiff.paths import project_path

    raw = load_yaml(project_path("params.yaml"))
    load_params()  # fail early on a bad params.yaml
    print(f"{torch.get_num_threads()} threads")
    print(f"{'experiment':<10}{'what':<8}{'size':<28}{'build s':>9}{'s/step or s':>13}")
    runners = {"branin": branin_rows, "pose": pose_rows}
    for name in args.experiments:
        for experiment, what, size, build, seconds in runners[name](raw, args.steps):
            print(f"{experiment:<10}{what:<8}{size:<28}{build:>9.2f}{seconds:>13.4f}", flush=True)


if __name__ == "__main__":
    main()
