"""The guided pose MLP distilled to a few network calls (issue 34, item 3), beside the sampler it would replace
(the stage's DDIM eta 1 x 50) and the authors' loop (DDPM over all T), on selection inputs; then poses/s.

    python benchmarks/distill_pose.py [--w 0.5] [--calls 4] [--train-steps 3000] [--trajectories 32768]

Method: trajectory distillation (Luhman & Luhman 2021; the target of Salimans & Ho 2022's progressive distillation,
all teacher steps of a student interval at once instead of halving rounds). The teacher is the guided model's
probability-flow ODE: DDIM eta 0 with ``--substeps`` steps inside each student interval, from x_T drawn for
training keypoints. The student is the teacher's network (initialised from its weights) called once per step on
the condition alone, guidance baked in; it is trained so that one DDIM eta-0 step from the teacher's state at its
k-th timestep lands on the teacher's state at the (k+1)-th (the data after the last). Student timesteps are
DPM-Solver's grid (the last call jumps to the data). Training is a plain torch loop: this is a measurement, not a
pipeline model.

Selection inputs (val frames halfway between the reported ones, as benchmarks/sampler_steps.py), ``--seeds``
paired seeds; rows: the current sampler, the teacher ODE, the student, and DDIM / DPM-Solver at the student's call
count without distillation. Speed: poses/s at batch 1 and 256 (32 inputs x 8), one thread pool, same process.
"""
from __future__ import annotations

import argparse
import copy
import csv
import time
from pathlib import Path

import numpy as np
import torch

from invdiff.config import load_params
from invdiff.diffusion.forward import predict_x0
from invdiff.diffusion.guidance import conditional_eps, guided_eps
from invdiff.diffusion.samplers import _walk, ddim_update, denoise, dpm_solver_grid
from invdiff.sections import SamplerConfig
from invdiff.seeds import paired_generator

POSE_DIM = 144


def student_timesteps(schedule, calls: int) -> list[int]:
    return [i for i, *_ in dpm_solver_grid(schedule, calls)]


def fine_timesteps(student_ts: list[int], substeps: int) -> list[int]:
    """The teacher's grid: ``substeps`` steps inside every student interval (the last one ends at t = 0)."""
    ends = student_ts[1:] + [0]
    fine = []
    for a, b in zip(student_ts, ends):
        seg = torch.linspace(a, b, substeps + 1, dtype=torch.float64).round().long().unique().flip(0).tolist()
        fine.extend(seg[:-1] if b != 0 else seg)
    return fine


@torch.no_grad()
def walk(eps_fn, schedule, x, ts: list[int], clip_x0, keep: set[int] | None = None):
    """DDIM eta 0 over timesteps ``ts`` then to the data; the states at the timesteps in ``keep`` and the end."""
    kept = []
    for i, a_t, a_next, _ in _walk(schedule, ts):
        if keep is not None and i in keep:
            kept.append(x)
        t = torch.full((x.shape[0],), i, dtype=torch.long)
        x0, eps = denoise(schedule, x, t, eps_fn(x, t), clip_x0)
        x = ddim_update(x0, eps, a_t, a_next, 0.0, None)
    return x, kept + [x]


def teacher_states(module, cond, w, student_ts, substeps, clip_x0, generator, chunk=8192):
    """[calls + 1, N, D]: the teacher ODE's state at each student timestep, and its sample."""
    fine = fine_timesteps(student_ts, substeps)
    parts = []
    for start in range(0, len(cond), chunk):
        c = cond[start:start + chunk]
        x = torch.randn(len(c), POSE_DIM, generator=generator)
        parts.append(torch.stack(walk(guided_eps(module.denoiser, c, w), module.schedule, x, fine, clip_x0,
                                      set(student_ts))[1]))
    return torch.cat(parts, dim=1)


def distill(module, cond, states, student_ts, steps, batch, lr, generator):
    student = copy.deepcopy(module.denoiser).train()
    opt = torch.optim.Adam(student.parameters(), lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    abar = module.schedule.alpha_bars
    a_t = abar[student_ts]
    a_next = torch.cat([abar[student_ts[1:]], abar.new_ones(1)])
    ts = torch.tensor(student_ts)
    keep = torch.zeros(batch, dtype=torch.bool)
    calls, n = len(student_ts), states.shape[1]
    start = time.perf_counter()
    for step in range(1, steps + 1):
        idx = torch.randint(n, (batch,), generator=generator)
        k = torch.randint(calls, (batch,), generator=generator)
        x, target = states[k, idx], states[k + 1, idx]
        eps = student(x, ts[k], cond[idx], keep)
        pred = ddim_update(predict_x0(module.schedule, x, ts[k], eps), eps, a_t[k, None], a_next[k, None], 0.0, None)
        loss = (pred - target).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % max(steps // 10, 1) == 0:
            print(f"  distill step {step}/{steps} loss {loss.item():.5f} ({time.perf_counter() - start:.0f}s)",
                  flush=True)
    return student.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--w", type=float, default=0.5)
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--substeps", type=int, default=16)
    parser.add_argument("--trajectories", type=int, default=32768)
    parser.add_argument("--train-steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("docs/distill"))
    args = parser.parse_args()

    from invdiff.experiments.pose.data import dataset as pose_dataset
    from invdiff.experiments.pose.data.forward_model import keypoints_to_unit, load_forward_model
    from invdiff.experiments.pose.scoring import score_samples, split_inputs
    from invdiff.experiments.pose.task import PoseTask, sample_poses

    params = load_params()
    cfg, module = params.pose.eval, PoseTask("mlp").load()
    forward, size = load_forward_model(params.camera), params.camera.image_size
    clip_x0 = module.clip_bounds(cfg.sampler.clip_x0)
    gen = torch.Generator().manual_seed(params.seed + 9100)

    train = pose_dataset.load_split("train")
    pick = torch.randint(len(train.keypoints), (args.trajectories,), generator=gen)
    cond = module.encode_cond(keypoints_to_unit(torch.from_numpy(train.keypoints[pick.numpy()]), size).float())
    student_ts = student_timesteps(module.schedule, args.calls)
    start = time.perf_counter()
    states = teacher_states(module, cond, args.w, student_ts, args.substeps, clip_x0, gen)
    print(f"teacher: {args.trajectories} trajectories, {args.calls * args.substeps} calls each, "
          f"{time.perf_counter() - start:.0f}s; student timesteps {student_ts}", flush=True)
    start = time.perf_counter()
    student = distill(module, cond, states, student_ts, args.train_steps, args.batch, args.lr, gen)
    distill_seconds = time.perf_counter() - start

    val = pose_dataset.load_split("val")
    reported = np.linspace(0, len(val.x6d) - 1, cfg.val_inputs)
    inputs = split_inputs(val, np.unique(((reported[:-1] + reported[1:]) / 2).round().astype(np.int64)))
    keypoints = keypoints_to_unit(inputs.keypoints, size)
    k_samples = cfg.samples_per_input

    def ode_sampler(net_eps, ts):
        def draw(c, generator):
            x = torch.randn(len(c), POSE_DIM, generator=generator)
            return walk(net_eps(c), module.schedule, x, ts, clip_x0)[0]
        return draw

    fine = fine_timesteps(student_ts, args.substeps)
    custom = {
        f"distilled ({args.calls} calls)": (ode_sampler(lambda c: conditional_eps(student, c), student_ts),
                                            args.calls),
        f"teacher ODE ({len(fine)} calls)": (ode_sampler(lambda c: guided_eps(module.denoiser, c, args.w), fine),
                                             len(fine)),
    }
    library = {
        "current (ddim eta 1 x 50)": cfg.sampler,
        f"ddpm x {module.schedule.num_timesteps} (authors')": SamplerConfig(name="ddpm", clip_x0=cfg.sampler.clip_x0),
        f"ddim eta 1 x {args.calls}": SamplerConfig(name="ddim", steps=args.calls, eta=1.0,
                                                    clip_x0=cfg.sampler.clip_x0),
        f"dpm_solver x {args.calls}": SamplerConfig(name="dpm_solver", steps=args.calls, eta=0.0,
                                                    clip_x0=cfg.sampler.clip_x0),
    }
    metrics = ("pixel_alignment_error", "mpjpe_mm", "min_of_k_mpjpe_mm", "diversity_mm")

    def custom_poses(kp, k, draw, generator):
        cond_in = module.encode_cond(kp.float()).repeat_interleave(k, dim=0)
        return module.decode(draw(cond_in, generator)).reshape(len(kp), k, -1)

    rows = []
    for name in [*library, *custom]:
        per_seed = []
        for seed in range(args.seeds):
            g = paired_generator(params.seed, seed)
            if name in library:
                x6d = sample_poses(module, keypoints, k_samples, args.w, library[name], g,
                                   batch_size=cfg.batch_size).samples
            else:
                x6d = custom_poses(keypoints, k_samples, custom[name][0], g)
            per_seed.append(score_samples(forward, inputs, x6d, 0.0)[0])
        row = {"sampler": name, "w": args.w}
        for m in metrics:
            values = [r[m] for r in per_seed]
            row[m], row[m + "_sd"] = float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        rows.append(row)
        print(f"{name:<28} alignment {row['pixel_alignment_error']:.5f} ± {row['pixel_alignment_error_sd']:.5f}  "
              f"MPJPE {row['mpjpe_mm']:.1f} ± {row['mpjpe_mm_sd']:.1f}  min-of-{k_samples} "
              f"{row['min_of_k_mpjpe_mm']:.1f}  diversity {row['diversity_mm']:.1f} mm", flush=True)
    ref = rows[0]
    for row in rows[1:]:
        row["alignment_vs_current"] = row["pixel_alignment_error"] / ref["pixel_alignment_error"] - 1
        row["mpjpe_vs_current"] = row["mpjpe_mm"] / ref["mpjpe_mm"] - 1

    speed = []
    for batch, (n_in, k) in {1: (1, 1), 256: (32, 8)}.items():
        kp = keypoints[:n_in]
        timed = {
            "distilled": lambda g: custom_poses(kp, k, custom[f"distilled ({args.calls} calls)"][0], g),
            "current (ddim eta 1 x 50)": lambda g: sample_poses(module, kp, k, args.w, cfg.sampler, g),
            "ddpm (authors')": lambda g: sample_poses(module, kp, k, args.w,
                                                      library[f"ddpm x {module.schedule.num_timesteps} (authors')"],
                                                      g),
        }
        for name, fn in timed.items():
            fn(torch.Generator().manual_seed(0))  # warm-up
            reps = 3
            start = time.perf_counter()
            for r in range(reps):
                fn(torch.Generator().manual_seed(r))
            per_pose = (time.perf_counter() - start) / (reps * n_in * k)
            speed.append({"batch": batch, "sampler": name, "poses_per_s": 1 / per_pose})
        base = next(s for s in speed if s["batch"] == batch and s["sampler"] == "ddpm (authors')")["poses_per_s"]
        for s in speed:
            if s["batch"] == batch:
                s["vs_authors"] = s["poses_per_s"] / base
                print(f"batch {batch:>3}  {s['sampler']:<28} {s['poses_per_s']:>9.1f} poses/s  "
                      f"{s['vs_authors']:>6.1f}x the authors' loop", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    for name, table in (("quality", rows), ("speed", speed)):
        path = args.out / f"pose_w{args.w:g}_{name}.csv"
        keys = list(dict.fromkeys(key for row in table for key in row))
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, keys)
            writer.writeheader()
            writer.writerows(table)
        print("wrote", path)
    print(f"distillation took {distill_seconds:.0f}s ({args.train_steps} steps at batch {args.batch})")


if __name__ == "__main__":
    main()
