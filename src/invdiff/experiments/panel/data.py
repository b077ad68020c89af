"""make_panel_data: the panel data sets, written once and read by every later stage.

``data/processed/panel/rotmnist/{train,val,test}.npz``: ``frames`` uint8 [N, T, 28, 28], ``digit`` (index into the
MNIST split it came from), ``label``, ``start_angle``, ``step_angle``.
``data/processed/panel/hopper/{train,val,test}.npz``: ``states`` float32 [N, T, 14] (7 positions, 7 velocities).
``data/processed/panel/stats.json``: sizes, sources, and the hopper train split's per-dimension mean and std (the
models and the MSE work on the standardised state).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from invdiff.errors import MissingInputError
from invdiff.experiments.mnist import data as mnist
from invdiff.experiments.panel import hopper, rotmnist
from invdiff.experiments.panel.config import PanelDataConfig
from invdiff.io import atomic_dir
from invdiff.paths import project_path

DATASETS = ("rotmnist", "hopper")
SPLITS = ("train", "val", "test")
PROCESSED = Path("data/processed/panel")


def processed_dir() -> Path:
    return project_path(PROCESSED)


def make_rotmnist(cfg, mnist_source: str, seed: int) -> dict[str, dict[str, np.ndarray]]:
    train_images, train_labels = mnist.load_split("train")
    test_images, test_labels = mnist.load_split("test")
    rng = np.random.default_rng([seed, 1])
    order = rng.permutation(len(train_images))
    held = int(round(cfg.val_digit_fraction * len(order)))
    pools = {"train": order[held:], "val": order[:held], "test": np.arange(len(test_images))}
    out = {}
    for split in SPLITS:
        images, labels = (test_images, test_labels) if split == "test" else (train_images, train_labels)
        pool = pools[split]
        made = rotmnist.make_sequences(images[pool], getattr(cfg, split), cfg.steps, cfg.start_range,
                                       cfg.step_range, np.random.default_rng([seed, 2, SPLITS.index(split)]))
        made["digit"] = pool[made["digit"]]
        made["label"] = labels[made["digit"]]
        out[split] = made
    return out


def make_hopper(cfg, seed: int) -> dict[str, dict[str, np.ndarray]]:
    model = hopper.load_model()
    out = {}
    for split in SPLITS:
        rng = np.random.default_rng([seed, 3, SPLITS.index(split)])
        initial = hopper.initial_states(getattr(cfg, split), cfg.init_range, rng)
        out[split] = {"states": hopper.simulate(model, initial, cfg.observations, cfg.substeps).astype(np.float32)}
    return out


def write(data: dict[str, dict[str, dict[str, np.ndarray]]], stats: dict) -> None:
    """Every data set's splits and ``stats.json``, swapped in together (a failure leaves the old folder)."""
    with atomic_dir(processed_dir()) as tmp:
        for name, splits in data.items():
            (tmp / name).mkdir()
            for split, arrays in splits.items():
                np.savez(tmp / name / f"{split}.npz", **arrays)
        (tmp / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")


def make(cfg: PanelDataConfig, mnist_source: str, seed: int) -> dict:
    data = {"rotmnist": make_rotmnist(cfg.rotmnist, mnist_source, seed), "hopper": make_hopper(cfg.hopper, seed)}
    states = data["hopper"]["train"]["states"].reshape(-1, hopper.STATE_DIM)
    stats = {
        "rotmnist": {"sequences": {s: len(data["rotmnist"][s]["frames"]) for s in SPLITS}, "steps": cfg.rotmnist.steps,
                     "data_source": f"real MNIST digits ({mnist_source}), rotated here"},
        "hopper": {"sequences": {s: len(data["hopper"][s]["states"]) for s in SPLITS},
                   "observations": cfg.hopper.observations,
                   "observation_interval_ms": round(1000 * cfg.hopper.substeps * hopper.load_model().opt.timestep, 6),
                   "data_source": f"MuJoCo {hopper.mujoco.__version__} simulation of the dm_control planar hopper",
                   "state_mean": states.mean(0).round(6).tolist(), "state_std": states.std(0).round(6).tolist()},
    }
    write(data, stats)
    return stats


def load_split(name: str, split: str) -> dict[str, np.ndarray]:
    path = processed_dir() / name / f"{split}.npz"
    if not path.is_file():
        raise MissingInputError(f"{path} does not exist; run `dvc repro make_panel_data`")
    with np.load(path) as arrays:
        return {key: arrays[key] for key in arrays.files}


def load_stats() -> dict:
    path = processed_dir() / "stats.json"
    if not path.is_file():
        raise MissingInputError(f"{path} does not exist; run `dvc repro make_panel_data`")
    return json.loads(path.read_text())
