"""Pace on a busy machine: a sampling-bound and a training-bound workload, alone and beside one competing CPU-bound
process, under several thread policies (torch intra-op threads × OpenMP wait policy).

    python benchmarks/busy_machine.py [--repeat 3]

Each workload runs in a fresh interpreter (OpenMP reads its environment when torch loads). The competitor
(``--competitor``): *python*, a single-threaded busy loop (one core); *invdiff*, the sampling workload in an
endless loop under the library's default (another stage's evaluation, a test run); *torch2*, the same loop as a
foreign torch program, 2 threads, OpenMP's default spinning, no pace (it takes both cores: no policy of ours gets
more than a third of the machine beside it). Up to commit a89e654 both competitors ran the training
loop. Prints
seconds (median of ``--repeat``) alone, beside, the slowdown against the same policy alone, and against the plain
default (2 threads, no pace) alone: what a user waits compared with an idle machine. "adaptive" is
``invdiff.progress.pace`` (threads follow the load of other processes): every sampling and evaluation loop runs
it; trainings keep their thread count (bit-exact resume), so the training workloads do not pace under it.

The workloads: *sampling* is 300 guided calls of an MLP of the pose denoiser's size at batch 768 (a DDIM loop);
*training* is 300 Adam steps of the same MLP at batch 512; *pose_train* / *mnist_train* are the real train stages
(invdiff.training.train, Lightning) for 400 / 80 steps, run in the project folder (needs its data).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

WORKLOAD = r"""
import sys, time
import invdiff  # first: its spin-wait choice (src/invdiff/__init__.py) must come before torch loads
import torch
from invdiff.progress import pace
kind = sys.argv[1]
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(144 + 50 + 64, 256), torch.nn.SiLU(), torch.nn.Linear(256, 256),
                          torch.nn.SiLU(), torch.nn.Linear(256, 256), torch.nn.SiLU(), torch.nn.Linear(256, 144))
x = torch.randn(768 if kind == "sampling" else 512, 144 + 50 + 64)
start = time.perf_counter()
if kind in ("sampling", "forever"):
    with torch.no_grad():
        for _ in range(300 if kind == "sampling" else 10**9):
            pace()
            x[:, :144] = x[:, :144] - 0.01 * net(x)
else:
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(300):  # no pace: a training keeps its thread count (bit-exact resume), as invdiff's do
        loss = (net(x) - x[:, :144]).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
print(time.perf_counter() - start)
"""

STAGE_WORKLOAD = r"""
import sys, tempfile, time
from pathlib import Path
import invdiff
from invdiff.config import load_yaml, parse_params
from invdiff.overrides import set_dotted
from invdiff.paths import project_path
from invdiff.training import train
kind = sys.argv[1]
if kind == "pose_train":
    from invdiff.experiments.pose.task import PoseTask as Task
    task, key, steps = Task("mlp"), "pose.train.mlp.max_steps", 400
else:
    from invdiff.experiments.mnist.task import MnistCfgTask as Task
    task, key, steps = Task(), "mnist_cfg.train.max_steps", 80
params = parse_params(set_dotted(load_yaml(project_path("params.yaml")), {key: steps, "mlflow.enabled": False}))
with tempfile.TemporaryDirectory() as tmp:
    start = time.perf_counter()
    train(task, params, Path(tmp) / "out", scratch=Path(tmp) / "scratch")
    print(time.perf_counter() - start)
"""
STAGE_KINDS = ("pose_train", "mnist_train")

FIXED = {"INVDIFF_THREADS": "fixed"}
COMPETITORS = {"python": ["while True: pass"], "invdiff": [WORKLOAD, "forever"], "torch2": [WORKLOAD, "forever"]}
POLICIES = {
    "2 threads, adaptive (the default)": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "default",
                                          "INVDIFF_THREADS": "adaptive"},
    "2 threads, OMP default": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "default", **FIXED},
    "2 threads, OMP_WAIT_POLICY=PASSIVE": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE", **FIXED},
    "2 threads, GOMP_SPINCOUNT=1000": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "default",
                                       "GOMP_SPINCOUNT": "1000", **FIXED},
    "2 threads, GOMP_SPINCOUNT=3000": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "default",
                                       "GOMP_SPINCOUNT": "3000", **FIXED},
    "2 threads, GOMP_SPINCOUNT=10000": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "default",
                                        "GOMP_SPINCOUNT": "10000", **FIXED},
    "2 threads, GOMP_SPINCOUNT=30000": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "default",
                                        "GOMP_SPINCOUNT": "30000", **FIXED},
    "2 threads, GOMP_SPINCOUNT=100000": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "default",
                                         "GOMP_SPINCOUNT": "100000", **FIXED},
    "1 thread": {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", **FIXED},
}


def _env(policy: dict[str, str]) -> dict[str, str]:
    """A policy's value ``default`` means unset (libgomp's own default: spin, then sleep); ``import invdiff``
    does not replace a value that is set."""
    env = {k: v for k, v in os.environ.items() if k not in policy and k != "GOMP_SPINCOUNT"}
    env.update({k: v for k, v in policy.items() if v != "default"})
    return env


def run(kind: str, policy: dict[str, str]) -> float:
    code = STAGE_WORKLOAD if kind in STAGE_KINDS else WORKLOAD
    out = subprocess.run([sys.executable, "-c", code, kind], env=_env(policy), check=True, capture_output=True,
                         text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workloads", nargs="+", default=["sampling", "training"],
                        choices=["sampling", "training", *STAGE_KINDS],
                        help="pose_train / mnist_train: the real training stage (Lightning) for a few hundred steps")
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=list(POLICIES), metavar="POLICY")
    parser.add_argument("--competitor", default="python", choices=list(COMPETITORS))
    args = parser.parse_args()
    print(f"beside: {args.competitor}")
    print(f"{'workload':<12}{'policy':<38}{'alone s':>9}{'beside s':>10}{'slowdown':>10}{'vs idle default':>17}")
    for kind in args.workloads:
        idle = statistics.median(run(kind, POLICIES["2 threads, OMP default"]) for _ in range(args.repeat))
        for name in args.policies:
            policy = POLICIES[name]
            alone = statistics.median(run(kind, policy) for _ in range(args.repeat))
            competitor = subprocess.Popen([sys.executable, "-c", *COMPETITORS[args.competitor]],
                                          env=_env({"OMP_WAIT_POLICY": "default", "OMP_NUM_THREADS": "2",
                                                    "INVDIFF_THREADS": "fixed" if args.competitor == "torch2"
                                                    else "adaptive"}),
                                          stdout=subprocess.DEVNULL)
            try:
                time.sleep(2.0)  # let it reach its loop
                beside = statistics.median(run(kind, policy) for _ in range(args.repeat))
            finally:
                competitor.kill()
                competitor.wait()
            print(f"{kind:<12}{name:<38}{alone:>9.2f}{beside:>10.2f}{beside / alone:>9.1f}x{beside / idle:>16.1f}x",
                  flush=True)


if __name__ == "__main__":
    main()
